"""A typical application as staff see it, built by hand (no database): Kazakh names, a fire,
a member on paper, a ceiling amount, one document missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import I18n

from bot.i18n import create_i18n
from bot.rules import Text, Thresholds, load_ruleset
from bot.services.application_view import (
    FLAG_BIRTH_DATE,
    FLAG_DEADLINE,
    FLAG_ON_PAPER,
    FLAG_REPEAT,
    ApplicationView,
    BenefitLine,
    ChecklistLine,
    Flag,
    HistoryLine,
    MemberLine,
    SituationView,
)

ON = date(2015, 6, 1)


def sample_view(**changes: Any) -> ApplicationView:
    ruleset = load_ruleset()
    b911 = ruleset.benefits_by_id["p9.11"]
    b96 = ruleset.benefits_by_id["p9.6"]
    docs = ruleset.documents
    view = ApplicationView(
        id=7,
        reference="SZ-2015-000042",
        status="submitted",
        on_date=ON,
        submitted_at=datetime(2015, 6, 1, 4, 0, tzinfo=UTC),
        registered_on=None,
        decision_by=None,
        notice_by=None,
        documents_requested=False,
        full_name="Әлиева Гүлнұр Қайратқызы",
        iin="850101400129",
        birth_date=date(1985, 1, 1),
        phone="+77011234567",
        settlement=Text(kk="Шолаққорған ауылы", ru="село Шолаккорган"),
        address="Абай көшесі, 12",
        members_count=4,
        monthly_income=Decimal("48000"),
        mci_kzt=1982,
        thresholds=Thresholds(
            poverty_line_kzt=Decimal("8545.60"),
            subsistence_minimum_kzt=Decimal("21364"),
            situation_income_limit_kzt=Decimal("12818.40"),
        ),
        situation=SituationView(kind="fire", occurred_on=date(2015, 5, 10),
                                description="Үй өртеніп кетті; әріптер: ә ғ қ ң ө ұ ү һ і"),
        benefits=(
            BenefitLine("p9.11", "9.11", b911.title, Decimal(300), 594600, True, "once",
                        None, 1, "requested"),
            BenefitLine("p9.6", "9.6", b96.title, Decimal(15), 29730, False, "once", None, 1,
                        "requested"),
        ),
        members=(
            MemberLine(1, "Әлиев Қанат Серікұлы", "spouse", "830202300127", date(1983, 2, 2),
                       "works", False),
            MemberLine(2, "Әлиева Айгүл Қанатқызы", "child", None, date(2010, 3, 12),
                       "pupil", False),
            MemberLine(3, "Әлиев Ұлан", "child", None, None, None, True),
        ),
        checklist=(
            ChecklistLine("id_document", docs["id_document"].name, "13.1", 2),
            ChecklistLine("residence_registration", docs["residence_registration"].name,
                          "13.2", 1),
            ChecklistLine("family_composition", docs["family_composition"].name, "13.3", 1),
            ChecklistLine("income_statement", docs["income_statement"].name, "13.4", 0),
            ChecklistLine("situation_proof", docs["situation_proof"].name, "13.5", 1),
        ),
        flags=(
            Flag(FLAG_BIRTH_DATE, iin_birth_date=date(1985, 1, 1), age=40),
            Flag(FLAG_REPEAT, cite="9.6"),
            Flag(FLAG_DEADLINE, deadline=date(2015, 6, 10)),
            Flag(FLAG_ON_PAPER, positions=(4,)),
        ),
        history=(
            HistoryLine(datetime(2015, 6, 1, 9, 0, tzinfo=UTC), "citizen", 100, "submitted",
                        "draft", "submitted"),
            HistoryLine(datetime(2015, 6, 1, 9, 1, tzinfo=UTC), "staff", 555, "viewed",
                        None, None),
        ),
        consent_given_at=datetime(2015, 6, 1, 8, 50, tzinfo=UTC),
        consent_version="1",
    )
    return replace(view, **changes)


@contextmanager
def in_locale(lang: str) -> Iterator[I18n]:
    """Render as a dispatcher would, in ``lang``."""
    i18n = create_i18n("kk")
    with i18n.context(), i18n.use_locale(lang):
        yield i18n
