"""A period a staff member types (``/export FROM TO``, ``/stats FROM TO``): two days within the
years the clock knows, so that nothing past the calendar (``01.01.0001``, ``31.12.9999``) reaches
the arithmetic of days or the database."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.config import CLOCK_YEARS
from bot.parsing import InputError, parse_date


def accepted_days() -> tuple[date, date]:
    first, last = CLOCK_YEARS
    return date(first, 1, 1), date(last, 12, 31)


def read_period(words: list[str], today: date) -> tuple[date, date]:
    """The first and the last day, as typed (in either order); InputError ``bad_date`` when
    they are not two dates, ``not_in_period`` when one is outside :func:`accepted_days`."""
    if len(words) != 2:
        raise InputError("bad_date")
    first, last = (parse_date(word, today=today) for word in words)
    low, high = accepted_days()
    if not (low <= first <= high and low <= last <= high):
        raise InputError("not_in_period")
    return first, last


def accepted_text() -> str:
    low, high = accepted_days()
    return _("Only dates from {first} to {last} are accepted.").format(
        first=low.strftime("%d.%m.%Y"), last=high.strftime("%d.%m.%Y"))
