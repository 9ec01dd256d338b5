"""The result as chat text: phone-sized screens, every benefit one tap away."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import create_i18n
from bot.places import load_places
from bot.rules import default_calendar, load_ruleset
from handlers.screening.answers import GROUPS, Answers
from handlers.screening.result import benefit_text, summary_text

TELEGRAM_LIMIT = 4096
PHONE_LINES = 15  # about what a 6-inch screen shows without scrolling


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_citizen_with_every_status_reads_one_screen_then_each_benefit(lang: str) -> None:
    ruleset = load_ruleset()
    answers = Answers(
        groups=list(GROUPS), statuses=[s for g in GROUPS.values() for s in g],
        has_children=True,
        children=[{"age": 8, "disabled": True, "home_schooled": True, "hiv": True,
                   "without_parental_care": True}],
        wheelchair="walking", situation="fire", occurred_on="2015-11-01", age=85, members=4,
        income="20000",
    )
    on = date(2015, 11, 10)
    result = answers.evaluate(ruleset, on)
    calendar = default_calendar()
    i18n = create_i18n("kk")
    with i18n.context(), i18n.use_locale(lang):
        summary = summary_text(result, answers, ruleset, today=on, calendar=calendar,
                               places=load_places())
        details = [benefit_text(g, answers, ruleset, calendar, result) for g in result.benefits]
    # >= 15: since contract revision 2 the holidays after the repeal (Aug-Oct 2016) are excluded
    assert len(result.benefits) >= 15
    assert len(summary.splitlines()) <= PHONE_LINES, summary
    assert not any(g.benefit.title.get(lang) in summary for g in result.benefits)  # one tap on
    for granted, text in zip(result.benefits, details, strict=True):
        assert granted.benefit.title.get(lang) in text
        assert len(text.splitlines()) <= PHONE_LINES and len(text) < TELEGRAM_LIMIT
