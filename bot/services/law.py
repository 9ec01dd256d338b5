"""The law in time: whether a day lies in the period of force of the loaded ruleset.

Applying (the application conversation, the "apply" button under a result) is offered only
on a day the decision is in force; on any other day the chat tells what the decision provided
and sends the citizen to the district department for the assistance in force today.
"""

from __future__ import annotations

from datetime import date

from bot.rules import Ruleset


def can_apply(ruleset: Ruleset, day: date) -> bool:
    """True when an application made on ``day`` falls under ``ruleset`` (it is in force)."""
    return ruleset.in_force_on(day)


def checkable_days(ruleset: Ruleset, today: date) -> tuple[date, date]:
    """The days a citizen may ask to check: the decision's period of force, up to today."""
    return ruleset.first_day, min(ruleset.last_day, today)
