"""Working days in Kazakhstan: the `holidays` package's KZ calendar plus operator overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = ["Calendar", "default_calendar", "is_working_day", "nth_working_day_after"]


@lru_cache(maxsize=64)
def _kz_working_flags(year: int) -> bytes:
    """One byte per day of ``year``: 1 for a working day, with the government's transfers."""
    kz = holidays.country_holidays("KZ", years=year)
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    return bytes(int(kz.is_working_day(start + timedelta(days=i))) for i in range(days))


class Calendar:
    """The KZ working-day calendar with the operator's extra days off and extra working days.

    The yearly tables of the `holidays` package are computed once per year and shared.
    """

    __slots__ = ("extra_days_off", "extra_working_days")

    def __init__(self, extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = ()) -> None:
        off = frozenset(extra_days_off)
        work = frozenset(extra_working_days)
        both = off & work
        if both:
            raise ValueError(f"{min(both).isoformat()} is both an extra day off and an extra "
                             "working day")
        self.extra_days_off: frozenset[date] = off
        self.extra_working_days: frozenset[date] = work

    def __repr__(self) -> str:
        return (f"Calendar(extra_days_off={sorted(self.extra_days_off)}, "
                f"extra_working_days={sorted(self.extra_working_days)})")

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days:
            return True
        return _kz_working_flags(day.year)[day.timetuple().tm_yday - 1] == 1

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day: where a deadline that
        ends on a day off ends (as everywhere in Kazakhstan's civil and administrative law)."""
        one = timedelta(days=1)
        while not self.is_working_day(day):
            day += one
        return day

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day counting days strictly after ``day`` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be >= 1")
        current = day
        one = timedelta(days=1)
        while n:
            current += one
            if self.is_working_day(current):
                n -= 1
        return current


_DEFAULT = Calendar()


def default_calendar() -> Calendar:
    """The calendar without overrides."""
    return _DEFAULT


def is_working_day(day: date, calendar: Calendar | None = None) -> bool:
    return (calendar or _DEFAULT).is_working_day(day)


def nth_working_day_after(day: date, n: int, calendar: Calendar | None = None) -> date:
    return (calendar or _DEFAULT).nth_working_day_after(day, n)
