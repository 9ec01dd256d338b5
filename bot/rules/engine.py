"""evaluate(profile) -> Result: which benefits of the ruleset a profile gets, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from bot.rules.calendar import Calendar, default_calendar
from bot.rules.profile import DATED_KINDS, Profile
from bot.rules.ruleset import Benefit, Condition, Ruleset, load_ruleset

__all__ = [
    "Exclusion", "GrantedBenefit", "Result", "Thresholds", "Timeline", "evaluate",
    "today_almaty",
]

# Exclusion reasons (contract).
NOT_RESIDENT = "not_resident"
DEADLINE_PASSED = "deadline_passed"
GRANTED_WITHIN_YEAR = "granted_within_year"
INCOME_ABOVE_THRESHOLD = "income_above_threshold"
NOT_IN_FORCE_ON_PAYMENT_DAY = "not_in_force_on_payment_day"

# `because` ids that are figures rather than statuses or children.
BELOW_POVERTY_LINE = "per_capita_below_poverty_line"
NOT_ABOVE_SITUATION_LIMIT = "per_capita_not_above_60pct_subsistence"

# Working days of the timeline (p. 21, p. 22).
DECISION_DAYS = 8
DECISION_DAYS_EXTENDED = 20
NOTICE_DAYS = 3

_Date = date  # GrantedBenefit has a field named `date`, which hides the type in its body
_ONE = Decimal(1)
_CENT = Decimal("0.01")


def _almaty() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Almaty")
    except Exception:  # no tz database: Kazakhstan's single zone since 2024 is UTC+5
        return timezone(timedelta(hours=5))


_ALMATY = _almaty()


def today_almaty() -> date:
    return datetime.now(_ALMATY).date()


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- result ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Thresholds:
    poverty_line_kzt: Decimal
    subsistence_minimum_kzt: Decimal
    situation_income_limit_kzt: Decimal

    def to_dict(self) -> dict[str, int | float]:
        return {
            "poverty_line_kzt": _json_number(self.poverty_line_kzt),
            "subsistence_minimum_kzt": _json_number(self.subsistence_minimum_kzt),
            "situation_income_limit_kzt": _json_number(self.situation_income_limit_kzt),
        }


@dataclass(frozen=True, slots=True)
class GrantedBenefit:
    """A benefit the profile gets. ``amount_kzt`` is per person; ``persons`` how many the
    paragraph pays; ``pay_on`` the day a holiday payment falls on; ``equated`` the statuses
    of ``because`` that count only through their equation to war participants."""

    benefit: Benefit
    amount_kzt: int
    date: str | None
    because: tuple[str, ...]
    pay_on: _Date | None = None
    persons: int = 1
    equated: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.benefit.id

    @property
    def total_kzt(self) -> int:
        """``amount_kzt`` x ``persons`` (a ceiling where the benefit is ``up_to``)."""
        return self.amount_kzt * self.persons

    def to_dict(self) -> dict[str, Any]:
        b = self.benefit
        return {
            "id": b.id,
            "cite": b.cite,
            "title": {"kk": b.title.kk, "ru": b.title.ru},
            "explanation": {"kk": b.explanation.kk, "ru": b.explanation.ru},
            "amount_mci": b.amount_mci_json,
            "amount_kzt": self.amount_kzt,
            "up_to": b.up_to,
            "period": b.period,
            "months": b.months,
            "needs_application": b.needs_application,
            "date": self.date,
            "pay_on": None if self.pay_on is None else self.pay_on.isoformat(),
            "persons": self.persons,
            "documents": list(b.documents) if b.needs_application else [],
            "because": list(self.because),
            "equated": list(self.equated),
        }


@dataclass(frozen=True, slots=True)
class Exclusion:
    id: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Timeline:
    registered_on: date
    decision_by: date
    decision_by_extended: date
    notice_by: date

    def to_dict(self) -> dict[str, str]:
        return {
            "registered_on": self.registered_on.isoformat(),
            "decision_by": self.decision_by.isoformat(),
            "decision_by_extended": self.decision_by_extended.isoformat(),
            "notice_by": self.notice_by.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Result:
    ruleset: str
    on_date: date
    in_force: bool
    mci_kzt: int
    benefits: tuple[GrantedBenefit, ...]
    excluded: tuple[Exclusion, ...]
    timeline: Timeline | None
    per_capita_income: Decimal | None
    thresholds: Thresholds

    @property
    def benefit_ids(self) -> tuple[str, ...]:
        return tuple(g.benefit.id for g in self.benefits)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready result of the contract."""
        return {
            "ruleset": self.ruleset,
            "on_date": self.on_date.isoformat(),
            "in_force": self.in_force,
            "mci_kzt": self.mci_kzt,
            "benefits": [g.to_dict() for g in self.benefits],
            "excluded": [e.to_dict() for e in self.excluded],
            "timeline": self.timeline.to_dict() if self.timeline else None,
            "per_capita_income": None if self.per_capita_income is None
            else _json_number(self.per_capita_income),
            "thresholds": self.thresholds.to_dict(),
        }


# --- cached per-day figures -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Day:
    in_force: bool
    mci: int
    thresholds: Thresholds
    year_ago: date  # p. 23: a grant after this day is "within a year"


@lru_cache(maxsize=4096)
def _day(ruleset: Ruleset, on: date) -> _Day:
    try:
        year_ago = on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        year_ago = date(on.year - 1, 2, 28)
    return _Day(
        in_force=ruleset.in_force_on(on),
        mci=ruleset.mci_at(on),
        thresholds=Thresholds(
            poverty_line_kzt=ruleset.poverty_line_at(on),
            subsistence_minimum_kzt=ruleset.subsistence_minimum_at(on),
            situation_income_limit_kzt=ruleset.situation_income_limit_at(on),
        ),
        year_ago=year_ago,
    )


@lru_cache(maxsize=4096)
def _amount_kzt(amount_mci: Decimal, mci: int) -> int:
    return int((amount_mci * mci).quantize(_ONE, rounding=ROUND_HALF_UP))


def _second_sunday_of_september(year: int) -> date:
    first = date(year, 9, 1)
    return date(year, 9, 1 + (6 - first.weekday()) % 7 + 7)


@lru_cache(maxsize=8192)
def _pay_on(holiday: str | None, rule: str | None, on: date) -> date | None:
    """The first day on or after ``on`` that the holiday falls on (contract: `pay_on`)."""
    if rule is not None:  # the only date rule: Family Day, second Sunday of September
        day = _second_sunday_of_september(on.year)
        return day if day >= on else _second_sunday_of_september(on.year + 1)
    if holiday is None:
        return None
    month, dd = int(holiday[:2]), int(holiday[3:])
    day = date(on.year, month, dd)
    return day if day >= on else date(on.year + 1, month, dd)


@lru_cache(maxsize=4096)
def _timeline(calendar: Calendar, on: date) -> Timeline:
    decision_by = calendar.nth_working_day_after(on, DECISION_DAYS)
    return Timeline(
        registered_on=on,
        decision_by=decision_by,
        decision_by_extended=calendar.nth_working_day_after(on, DECISION_DAYS_EXTENDED),
        notice_by=calendar.nth_working_day_after(decision_by, NOTICE_DAYS),
    )


@lru_cache(maxsize=4096)
def report_deadline(calendar: Calendar, occurred_on: date) -> date:
    """p. 9: the last day to apply after a fire or natural disaster: one month, moved to the
    next working day when it ends on a day off."""
    return calendar.working_day_on_or_after(one_month_after(occurred_on))


def one_month_after(day: date) -> date:
    """The same day a calendar month later, or that month's last day when it has none."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- evaluation ---------------------------------------------------------------------------

class _Facts:
    """What the conditions read, derived once per evaluation."""

    __slots__ = (
        "below_poverty",
        "known_income",
        "low_income",
        "not_above_limit",
        "profile",
        "statuses",
    )

    def __init__(self, profile: Profile, thresholds: Thresholds) -> None:
        self.profile = profile
        self.statuses = profile.statuses
        income = profile.income_decimal
        self.known_income = income is not None
        if income is None:
            self.below_poverty = False
            self.not_above_limit = False
        else:
            members = profile.members
            self.below_poverty = income < thresholds.poverty_line_kzt * members
            self.not_above_limit = income <= thresholds.situation_income_limit_kzt * members
        low: list[str] = []
        if "low_income_family" in self.statuses:
            low.append("low_income_family")
        if self.below_poverty:
            low.append(BELOW_POVERTY_LINE)
        self.low_income = tuple(low)


def _match(cond: Condition, facts: _Facts) -> list[str] | None:
    """The `because` ids when every part of the alternative holds, else None."""
    statuses = facts.statuses
    if cond.no_status and not cond.no_status.isdisjoint(statuses):
        return None
    because: list[str] = []
    if cond.all_status:
        for s in cond.all_status:
            if s not in statuses:
                return None
        because.extend(cond.all_status)
    if cond.any_status:
        hit = [s for s in cond.any_status if s in statuses]
        if not hit:
            return None
        because.extend(s for s in hit if s not in because)
    profile = facts.profile
    if cond.child is not None:
        t = cond.child
        kids = [
            f"child:{i}" for i, c in enumerate(profile.children)
            if t.age_min <= c.age <= t.age_max
            and (not t.disabled or c.disabled)
            and (not t.home_schooled or c.home_schooled)
            and (not t.hiv or c.hiv)
            and (not t.without_parental_care or c.without_parental_care)
        ]
        if not kids:
            return None
        because.extend(kids)
    if cond.wheelchair is not None:
        if profile.wheelchair != cond.wheelchair:
            return None
        because.append(f"wheelchair:{cond.wheelchair}")
    if cond.age_over is not None:
        if profile.age is None or profile.age < cond.age_over:  # "over N": N full years
            return None
        because.append(f"age_over_{cond.age_over}")
    if cond.low_income_family:
        if not facts.low_income:
            return None
        because.extend(facts.low_income)
    if cond.per_capita_below_poverty_line:
        if not facts.below_poverty:
            return None
        if BELOW_POVERTY_LINE not in because:
            because.append(BELOW_POVERTY_LINE)
    return because


def _situation(facts: _Facts, on: date, calendar: Calendar) -> tuple[list[str], str | None]:
    """p. 9.11: the grounds that hold (any one suffices), or the reason that blocks it."""
    situation = facts.profile.situation
    if situation is None:
        return [], None
    grounds: list[str] = []
    blocked: str | None = None
    kind = situation.kind
    if kind in DATED_KINDS:
        assert situation.occurred_on is not None  # parse_profile requires it
        if on <= report_deadline(calendar, situation.occurred_on):
            grounds.append(f"situation:{kind}")
        else:
            blocked = DEADLINE_PASSED
    elif kind in ("legal_ground", "disease"):
        grounds.append(f"situation:{kind}")
    if facts.not_above_limit:
        grounds.append(NOT_ABOVE_SITUATION_LIMIT)
    if grounds:
        return grounds, None
    if blocked is None and kind == "other" and facts.known_income:
        blocked = INCOME_ABOVE_THRESHOLD
    return [], blocked


# Gate keys: a condition cannot hold unless one of its keys is active for the profile. The
# engine only looks at benefits with an active key (statuses, or one of these figures).
_CHILD = "@child"
_WHEELCHAIR = "@wheelchair"
_LOW_INCOME = "@low_income"
_BELOW_POVERTY = "@below_poverty"
_SITUATION = "@situation"
_AGE = "@age"
_ALWAYS = "@always"


def _gate(cond: Condition) -> tuple[str, ...]:
    if cond.any_status:
        return cond.any_status
    if cond.all_status:
        return cond.all_status[:1]
    for flag, key in ((cond.child is not None, _CHILD), (cond.wheelchair is not None, _WHEELCHAIR),
                      (cond.low_income_family, _LOW_INCOME),
                      (cond.per_capita_below_poverty_line, _BELOW_POVERTY),
                      (cond.difficult_situation, _SITUATION), (cond.age_over is not None, _AGE)):
        if flag:
            return (key,)
    return (_ALWAYS,)


@lru_cache(maxsize=16)
def _index(ruleset: Ruleset) -> dict[str, frozenset[int]]:
    """Gate key -> positions of the benefits that key can open, computed once per ruleset."""
    index: dict[str, set[int]] = {}
    for i, benefit in enumerate(ruleset.benefits):
        for cond in benefit.when:
            for key in _gate(cond):
                index.setdefault(key, set()).add(i)
    return {key: frozenset(v) for key, v in index.items()}


def _candidates(ruleset: Ruleset, facts: _Facts) -> list[int]:
    index = _index(ruleset)
    profile = facts.profile
    keys = list(facts.statuses)
    keys.append(_ALWAYS)
    if profile.children:
        keys.append(_CHILD)
    if profile.wheelchair is not None:
        keys.append(_WHEELCHAIR)
    if facts.low_income:
        keys.append(_LOW_INCOME)
    if facts.below_poverty:
        keys.append(_BELOW_POVERTY)
    if profile.situation is not None:
        keys.append(_SITUATION)
    if profile.age is not None:
        keys.append(_AGE)
    found: set[int] = set()
    for key in keys:
        hit = index.get(key)
        if hit:
            found.update(hit)
    return sorted(found)


def _granted_within_year(benefit: Benefit, profile: Profile, day: _Day, on: date) -> bool:
    for entry in profile.history:
        hid = entry.id
        if (hid == benefit.id or benefit.id.startswith(hid + ".")) \
                and day.year_ago < entry.granted_on <= on:
            return True
    return False


def evaluate(profile: Profile, ruleset: Ruleset | None = None,
             calendar: Calendar | None = None) -> Result:
    """Evaluate ``profile`` on its ``on_date`` (default: today in Asia/Almaty)."""
    rs = ruleset if ruleset is not None else load_ruleset()
    cal = calendar if calendar is not None else default_calendar()
    on = profile.on_date or today_almaty()
    day = _day(rs, on)
    per_capita = None
    income = profile.income_decimal
    if income is not None:
        per_capita = (income / profile.members).quantize(_CENT, rounding=ROUND_HALF_UP)

    if not profile.resident:
        return Result(rs.id, on, day.in_force, day.mci, (), (Exclusion("*", NOT_RESIDENT),),
                      None, per_capita, day.thresholds)

    facts = _Facts(profile, day.thresholds)
    granted: list[GrantedBenefit] = []
    excluded: list[Exclusion] = []
    benefits = rs.benefits
    for position in _candidates(rs, facts):
        benefit = benefits[position]
        if benefit.available_from is not None and on < benefit.available_from:
            continue
        because: list[str] | None = None
        equated: list[str] = []
        for cond in benefit.when:
            if cond.difficult_situation:
                grounds, blocked = _situation(facts, on, cal)
                if blocked is not None:
                    excluded.append(Exclusion(benefit.id, blocked))
                    because = None
                    break
                if grounds:
                    because = (because or []) + grounds
                continue
            got = _match(cond, facts)
            if got is not None:
                because = got if because is None else because + \
                    [g for g in got if g not in because]
                if cond.equated:
                    equated.extend(got)
        if because is None:
            continue
        if benefit.one_off_application and profile.history \
                and _granted_within_year(benefit, profile, day, on):
            excluded.append(Exclusion(benefit.id, GRANTED_WITHIN_YEAR))
            continue
        pay_on = _pay_on(benefit.holiday, benefit.holiday_rule, on)
        if pay_on is not None and day.in_force and pay_on > rs.last_day:
            # The holiday comes after the repeal: nothing will be paid under this decision.
            excluded.append(Exclusion(benefit.id, NOT_IN_FORCE_ON_PAYMENT_DAY))
            continue
        persons = 1
        if benefit.per_person:  # the applicant (by any own status) plus each child named
            children = sum(1 for b in because if b.startswith("child:"))
            persons = children + (1 if len(because) > children else 0)
        granted.append(GrantedBenefit(
            benefit, _amount_kzt(benefit.amount_mci, day.mci),
            None if pay_on is None else f"{pay_on.month:02d}-{pay_on.day:02d}", tuple(because),
            pay_on, persons, tuple(equated)))

    timeline = None
    if any(g.benefit.needs_application for g in granted):
        timeline = _timeline(cal, on)
    return Result(rs.id, on, day.in_force, day.mci, tuple(granted), tuple(excluded), timeline,
                  per_capita, day.thresholds)
