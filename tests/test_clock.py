"""The one clock: real, training (starts on CLOCK_START and runs forward), fixed for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import create_clock
from bot.clock import Clock
from bot.config import Settings

ALMATY = ZoneInfo("Asia/Almaty")


def test_real_clock_follows_the_wall_in_the_local_zone() -> None:
    # 20:00 UTC is already the next day in Almaty (UTC+5).
    clock = Clock(ALMATY, wall=lambda: datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert clock.today() == date(2026, 11, 26)
    assert not clock.training


def test_training_clock_starts_on_its_day_and_runs_forward() -> None:
    wall = [datetime(2026, 11, 25, 6, 30, tzinfo=UTC)]
    clock = Clock(ALMATY, start=date(2015, 6, 1), wall=lambda: wall[0])
    assert clock.training
    assert clock.today() == date(2015, 6, 1)
    assert clock.now().hour == 11  # the wall's local time of day is kept
    wall[0] += timedelta(days=2, hours=1)
    assert clock.today() == date(2015, 6, 3)


def test_clock_start_setting_makes_a_training_clock() -> None:
    settings = Settings(_env_file=None, clock_start="2015-06-01")
    clock = create_clock(settings)
    assert clock.training and clock.today() == date(2015, 6, 1)
    assert not create_clock(Settings(_env_file=None, clock_start="")).training


def test_fixed_clock_stands_still() -> None:
    clock = Clock.fixed(date(2015, 5, 4))
    assert clock() == clock.today() == date(2015, 5, 4)
