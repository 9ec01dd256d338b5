"""The one clock: "today" and "now" for the chat, the deadlines, the digest and the tests.

In production it is the wall clock in the configured time zone. With ``CLOCK_START`` set it is a
*training* clock: it starts on that day, at the moment the process started, and runs forward in
real time, so staff can be trained (and the product demonstrated) on a day the decision was in
force. Tests fix it with :meth:`Clock.fixed`. Nothing else calls ``date.today()``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


class Clock:
    def __init__(
        self,
        zone: tzinfo,
        *,
        start: date | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self.zone = zone
        self._wall = wall or (lambda: datetime.now(UTC))
        self.training = start is not None
        # The training clock keeps the wall clock's time of day and runs from the start day.
        self._offset = timedelta(0)
        if start is not None:
            started = self._wall().astimezone(zone)
            self._offset = datetime.combine(start, started.timetz()) - started

    @classmethod
    def fixed(cls, day: date, zone: tzinfo | None = None, *, training: bool = False) -> Clock:
        """A clock that stands still at 09:00 (local) on ``day``: for tests."""
        zone = zone or ZoneInfo("Asia/Almaty")
        moment = datetime.combine(day, time(9, 0), zone)
        clock = cls(zone, wall=lambda: moment)
        clock.training = training
        return clock

    def now(self) -> datetime:
        """An aware datetime in the clock's zone."""
        return self._wall().astimezone(self.zone) + self._offset

    def today(self) -> date:
        return self.now().date()

    def __call__(self) -> date:
        # A clock is also the ``today`` callable the handlers have always been given.
        return self.today()
