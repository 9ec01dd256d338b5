"""Notices to the citizen, in the application's language: registered, documents requested, the
decision (each benefit with its amount in MCI and tenge and its paragraph, what happens next; on
refusal the ground in plain words and how to ask for reconsideration or appeal), a termination.

Every notice adds to the written notice of p. 22; it says so. Rendered when the status changes
and stored in the outbox with it, so what is sent is what was decided at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.procedure import REFUSAL_CITE, TERMINATION_CITE, RefusalGround, TerminationGround
from bot.rules import Ruleset
from handlers.formatting import day, mci, money
from storage.models import Application, ApplicationBenefit


def refusal_ground_text(ground: str) -> str:
    """A ground of p. 23/24 in plain words (also the staff card's button label)."""
    texts = {
        RefusalGround.FALSE_INFORMATION: _("the information you gave proved to be untrue"),
        RefusalGround.INSPECTION_REFUSED: _(
            "you refused or avoided the inspection of your family's circumstances"),
        RefusalGround.INCOME_ABOVE_THRESHOLD: _(
            "your family's per-capita income is above the threshold for this assistance"),
        RefusalGround.GRANTED_WITHIN_YEAR: _(
            "this assistance on the same ground was already given to you within a calendar "
            "year"),
    }
    return texts[RefusalGround(ground)]


def termination_ground_text(ground: str) -> str:
    texts = {
        TerminationGround.DEATH: _("the recipient died"),
        TerminationGround.MOVED_AWAY: _("the recipient moved to live outside the district"),
        TerminationGround.STATE_INSTITUTION: _(
            "the recipient was placed in a state medical and social institution"),
        TerminationGround.FALSE_INFORMATION: _(
            "the information the recipient gave proved to be untrue"),
    }
    return texts[TerminationGround(ground)]


def amount_kzt(amount_mci: Decimal, ruleset: Ruleset, on: date) -> int:
    """Tenge at the MCI of ``on`` (the decision day), rounded as the engine rounds."""
    value = amount_mci * ruleset.mci_at(on)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _title(benefit: ApplicationBenefit, ruleset: Ruleset, language: str) -> str:
    known = ruleset.benefits_by_id.get(benefit.benefit_id)
    return escape(known.title.get(language) if known else benefit.benefit_id)


def _footer() -> str:
    return _(
        "<i>This message adds to the written notice of the district department (p. 22 of the "
        "decision), it does not replace it.</i>")


def registered_text(app: Application) -> str:
    assert app.registered_on is not None and app.decision_by is not None
    return "\n\n".join([
        _("<b>Application {reference}</b>: the district department registered your documents "
          "on {registered_on}.").format(reference=app.reference, registered_on=day(
              app.registered_on)),
        _("The decision is due by <b>{decision_by}</b> (eight working days, p. 21). We will "
          "write to you here.").format(decision_by=day(app.decision_by)),
        _footer(),
    ])


def documents_requested_text(app: Application) -> str:
    assert app.decision_by is not None
    return "\n\n".join([
        _("<b>Application {reference}</b>: the district department asked other bodies for the "
          "information it needs (p. 17, 18).").format(reference=app.reference),
        _("The decision is therefore due by <b>{decision_by}</b> (twenty working days from "
          "registration, p. 21).").format(decision_by=day(app.decision_by)),
        _footer(),
    ])


def _granted_line(b: ApplicationBenefit, ruleset: Ruleset, language: str, on: date) -> str:
    assert b.granted_mci is not None
    amount = _("{mci} ({kzt})").format(mci=mci(b.granted_mci),
                                       kzt=money(amount_kzt(b.granted_mci, ruleset, on)))
    if b.granted_months:
        amount = _("{amount} a month for {months} months").format(
            amount=amount, months=b.granted_months)
    return _("✅ {title} (p. {cite}): <b>granted</b>, {amount}.").format(
        title=_title(b, ruleset, language), cite=b.cite, amount=amount)


def _refused_line(b: ApplicationBenefit, ruleset: Ruleset, language: str) -> str:
    assert b.refusal_ground is not None
    line = _("❌ {title} (p. {cite}): <b>refused</b>, because {ground} (p. {ground_cite}).").format(
        title=_title(b, ruleset, language), cite=b.cite,
        ground=refusal_ground_text(b.refusal_ground),
        ground_cite=REFUSAL_CITE[RefusalGround(b.refusal_ground)])
    if b.note:
        line += "\n" + _("Note of the department: {note}").format(note=escape(b.note))
    return line


def decision_text(app: Application, benefits: Sequence[ApplicationBenefit], ruleset: Ruleset,
                  decided_on: date) -> str:
    lines = [
        _("<b>Application {reference}</b>: the district department has decided (on "
          "{decided_on}).").format(reference=app.reference, decided_on=day(decided_on)),
        "\n".join(
            _granted_line(b, ruleset, app.language, decided_on) if b.status == "granted"
            else _refused_line(b, ruleset, app.language)
            for b in benefits
        ),
    ]
    if any(b.status == "granted" for b in benefits):
        lines.append(_(
            "What happens next: the district department arranges the payment to your account "
            "and tells you when it is made. Keep your bank details at hand."))
    if any(b.status == "refused" for b in benefits):
        lines.append(_(
            "If you disagree, you may ask the district department to reconsider the decision, "
            "or appeal it to a higher body or to court, as the law provides. The written "
            "notice states the ground."))
    lines.append(_footer())
    return "\n\n".join(lines)


def terminated_text(app: Application, benefit: ApplicationBenefit, ruleset: Ruleset) -> str:
    assert benefit.terminated_from is not None and benefit.termination_ground is not None
    return "\n\n".join([
        _("<b>Application {reference}</b>: the payment of {title} (p. {cite}) stops from "
          "{month}, because {ground} (p. {ground_cite}).").format(
            reference=app.reference, title=_title(benefit, ruleset, app.language),
            cite=benefit.cite, month=day(benefit.terminated_from),
            ground=termination_ground_text(benefit.termination_ground),
            ground_cite=TERMINATION_CITE[TerminationGround(benefit.termination_ground)]),
        _("Sums paid in excess are to be returned (p. 27)."),
        _footer(),
    ])


def withdrawn_text(app: Application) -> str:
    return _("<b>Application {reference}</b> is withdrawn. You may apply again at any "
             "time.").format(reference=app.reference)

