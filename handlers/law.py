"""What the chat says about the law in time: the line shown on a day no ruleset is in force."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram.utils.i18n import gettext as _

from bot.rules import Ruleset
from bot.services.law import can_apply
from handlers.formatting import day


def out_of_force_line(ruleset: Ruleset, today: date) -> str | None:
    """One plain line before any question, or None on a day the decision is in force."""
    if can_apply(ruleset, today):
        return None
    number = ruleset.metadata.number
    if today < ruleset.first_day:
        return "⚠️ " + _("Decision No. {number} is not in force yet: it takes effect on "
                         "{date}.").format(number=number, date=day(ruleset.first_day))
    return "⚠️ " + _(
        "Decision No. {number} has not been in force since {date}: I can show what it "
        "provided, and where to ask about the assistance in force today."
    ).format(number=number, date=day(ruleset.last_day + timedelta(days=1)))
