"""Working days: the KZ calendar of the `holidays` package, its transfers, operator overrides."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from bot.rules import Calendar, evaluate, is_working_day, nth_working_day_after, parse_profile

D = date.fromisoformat


def test_transferred_working_saturdays_exist_in_the_package() -> None:
    kz = holidays.country_holidays("KZ", years=2018)
    assert D("2018-04-28") in kz.weekend_workdays  # the fixture below rests on this


@pytest.mark.parametrize(("day", "working"), [
    ("2015-03-20", True), ("2015-03-23", False), ("2015-03-24", False), ("2015-03-25", False),
    ("2015-03-26", True),
    ("2018-04-28", True),   # Saturday, a working day by transfer
    ("2018-04-29", False),  # Sunday
    ("2018-04-30", False),  # Monday, the day off it was moved to
    ("2018-05-05", True), ("2018-05-08", False),
    ("2016-03-05", True), ("2016-03-07", False),
    ("2015-05-11", False),  # Victory Day on a Saturday, moved to Monday
])
def test_is_working_day(day: str, working: bool) -> None:
    assert is_working_day(D(day)) is working
    assert Calendar().is_working_day(D(day)) is working


def test_counts_strictly_after() -> None:
    assert nth_working_day_after(D("2015-04-20"), 1) == D("2015-04-21")
    assert nth_working_day_after(D("2015-04-18"), 1) == D("2015-04-20")  # from a Saturday
    with pytest.raises(ValueError):
        nth_working_day_after(D("2015-04-20"), 0)


def timeline(on: str, cal: Calendar | None = None) -> dict[str, str]:
    result = evaluate(parse_profile({"on_date": on, "statuses": ["pensioner"]}), calendar=cal)
    assert result.timeline is not None
    return result.timeline.to_dict()


def test_timeline_across_nauryz() -> None:
    # Fri 20.03.2015; 21-25 March off (Nauryz 21-23 and two transferred days)
    assert timeline("2015-03-20") == {
        "registered_on": "2015-03-20",
        # 26, 27, 30, 31 March, 1, 2, 3 April, Mon 6 April: the 8th
        "decision_by": "2015-04-06",
        # 7-10, 13-17, 20-22 April: the 9th to the 20th
        "decision_by_extended": "2015-04-22",
        "notice_by": "2015-04-09",
    }


def test_timeline_across_may_holidays() -> None:
    # Mon 20.04.2015: 1 May, 7 May, 11 May (Victory Day moved from Saturday) are off
    assert timeline("2015-04-20") == {
        "registered_on": "2015-04-20", "decision_by": "2015-04-30",
        "decision_by_extended": "2015-05-21", "notice_by": "2015-05-06",
    }


def test_timeline_with_transferred_working_saturdays() -> None:
    # Thu 26.04.2018: 27 Apr (1), Sat 28 Apr works (2), 30 Apr and 1 May off, 2-4 May (5),
    # Sat 5 May works (6), 7-9 May off, 10 May (7), 11 May (8)
    t = timeline("2018-04-26")
    assert t["decision_by"] == "2018-05-11"
    assert t["notice_by"] == "2018-05-16"


def test_operator_overrides() -> None:
    # an extra day off on Tue 21.04.2015 pushes the 8th working day past 1 May and the weekend
    off = Calendar(extra_days_off=[D("2015-04-21")])
    assert not off.is_working_day(D("2015-04-21"))
    assert timeline("2015-04-20", off)["decision_by"] == "2015-05-04"
    # an extra working Saturday brings it a day earlier
    work = Calendar(extra_working_days=[D("2015-04-25")])
    assert work.is_working_day(D("2015-04-25"))
    assert timeline("2015-04-20", work)["decision_by"] == "2015-04-29"
    with pytest.raises(ValueError):
        Calendar(extra_days_off=[D("2015-04-25")], extra_working_days=[D("2015-04-25")])
