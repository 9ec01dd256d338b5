"""The profile: what the engine is asked about, validated by hand against profile.schema.json."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

STATUSES: tuple[str, ...] = (
    "afghan_veteran", "large_family_mother", "radiation_liquidator", "radiation_disabled",
    "war_widow", "home_front_worker", "chernobyl_1988_1989", "semipalatinsk_victim", "hiv",
    "pensioner", "lives_alone", "disabled", "tsa_family", "wwii_participant", "wwii_disabled",
    "wwii_equated", "hiv_medical_fault", "chronic_renal_failure", "needs_care",
    "low_income_family",
)
STATUS_SET: frozenset[str] = frozenset(STATUSES)
SITUATION_KINDS: tuple[str, ...] = ("fire", "natural_disaster", "disease", "legal_ground", "other")
DATED_KINDS: frozenset[str] = frozenset({"fire", "natural_disaster"})
WHEELCHAIRS: tuple[str, ...] = ("walking", "room")
CHILD_FLAGS: tuple[str, ...] = ("disabled", "home_schooled", "hiv", "without_parental_care")

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HISTORY_ID_RE = re.compile(r"p[0-9]+\.[0-9]+(\.[a-z]+)?")
_CHILD_KEYS = frozenset({"age", *CHILD_FLAGS})
_SITUATION_KEYS = frozenset({"kind", "occurred_on"})
_HOUSEHOLD_KEYS = frozenset({"members", "monthly_income"})
_HISTORY_KEYS = frozenset({"id", "granted_on"})
_TOP_KEYS = frozenset(
    {"on_date", "resident", "age", "statuses", "household", "children", "situation",
     "wheelchair", "history"}
)


class ProfileError(ValueError):
    """A profile that breaks the schema. ``str(err)`` is ``"field: message"``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Child:
    age: int
    disabled: bool = False
    home_schooled: bool = False
    hiv: bool = False
    without_parental_care: bool = False


@dataclass(frozen=True, slots=True)
class Situation:
    kind: str
    occurred_on: date | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    granted_on: date


@dataclass(frozen=True, slots=True)
class Profile:
    on_date: date | None = None
    resident: bool = True
    age: int | None = None
    statuses: frozenset[str] = frozenset()
    members: int = 1
    monthly_income: int | float | None = None
    children: tuple[Child, ...] = ()
    situation: Situation | None = None
    wheelchair: str | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def income_decimal(self) -> Decimal | None:
        """The family's monthly income as an exact decimal (None when unknown)."""
        if self.monthly_income is None:
            return None
        return Decimal(repr(self.monthly_income)) if isinstance(
            self.monthly_income, float) else Decimal(self.monthly_income)


# --- validation helpers -------------------------------------------------------------------

def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _object(value: object, field: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError(field, f"must be an object, not {_type_name(value)}")
    for key in value:
        if key not in allowed:
            name = f"{field}.{key}" if field != "profile" else str(key)
            raise ProfileError(name, "unknown field")
    return value


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProfileError(field, f"must be an integer >= {low} and <= {high}")
    return value


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(field, f"must be true or false, not {_type_name(value)}")
    return value


def _date(value: object, field: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ProfileError(field, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ProfileError(field, f"is not a real date: {value}") from None


def _list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProfileError(field, f"must be an array, not {_type_name(value)}")
    return value


def _child(value: object, field: str) -> Child:
    obj = _object(value, field, _CHILD_KEYS)
    if "age" not in obj:
        raise ProfileError(f"{field}.age", "is required")
    age = _int(obj["age"], f"{field}.age", 0, 17)
    if len(obj) == 1:
        return Child(age)
    flags = {name: _bool(obj[name], f"{field}.{name}") for name in CHILD_FLAGS if name in obj}
    return Child(age=age, **flags)


def _situation(value: object) -> Situation | None:
    if value is None:
        return None
    obj = _object(value, "situation", _SITUATION_KEYS)
    if "kind" not in obj:
        raise ProfileError("situation.kind", "is required")
    kind = obj["kind"]
    if kind not in SITUATION_KINDS:
        raise ProfileError("situation.kind", "must be one of " + ", ".join(SITUATION_KINDS))
    occurred = obj.get("occurred_on")
    if occurred is None:
        if kind in DATED_KINDS:
            raise ProfileError("situation.occurred_on", f"is required for {kind}")
        return Situation(kind=kind)
    return Situation(kind=kind, occurred_on=_date(occurred, "situation.occurred_on"))


def parse_profile(data: object) -> Profile:
    """Validate a decoded JSON profile and build a :class:`Profile`.

    Raises :class:`ProfileError` naming the first field that breaks the schema.
    """
    obj = _object(data, "profile", _TOP_KEYS)
    on_date = _date(obj["on_date"], "on_date") if "on_date" in obj else None
    resident = _bool(obj["resident"], "resident") if "resident" in obj else True
    age = _int(obj["age"], "age", 0, 130) if "age" in obj else None

    statuses: list[str] = []
    for i, status in enumerate(_list(obj.get("statuses", []), "statuses")):
        if not isinstance(status, str) or status not in STATUS_SET:
            raise ProfileError(f"statuses[{i}]", f"unknown status {status!r}")
        if status in statuses:
            raise ProfileError(f"statuses[{i}]", f"repeats {status!r}")
        statuses.append(status)

    members = 1
    income: int | float | None = None
    if "household" in obj:
        household = _object(obj["household"], "household", _HOUSEHOLD_KEYS)
        if "members" in household:
            members = _int(household["members"], "household.members", 1, 50)
        if "monthly_income" in household:
            raw = household["monthly_income"]
            if (isinstance(raw, bool) or not isinstance(raw, (int, float))
                    or not math.isfinite(raw) or raw < 0):
                raise ProfileError("household.monthly_income", "must be a number >= 0")
            income = raw

    children_raw = _list(obj.get("children", []), "children")
    if len(children_raw) > 30:
        raise ProfileError("children", "must have at most 30 items")
    children = tuple(_child(c, f"children[{i}]") for i, c in enumerate(children_raw))

    situation = _situation(obj.get("situation"))

    wheelchair = obj.get("wheelchair")
    if wheelchair is not None and wheelchair not in WHEELCHAIRS:
        raise ProfileError("wheelchair", "must be walking, room or null")

    history: list[HistoryEntry] = []
    for i, item in enumerate(_list(obj.get("history", []), "history")):
        field = f"history[{i}]"
        entry = _object(item, field, _HISTORY_KEYS)
        for key in ("id", "granted_on"):
            if key not in entry:
                raise ProfileError(f"{field}.{key}", "is required")
        bid = entry["id"]
        if not isinstance(bid, str) or not _HISTORY_ID_RE.fullmatch(bid):
            raise ProfileError(f"{field}.id", "must be a benefit id such as p9.11")
        history.append(HistoryEntry(bid, _date(entry["granted_on"], f"{field}.granted_on")))

    return Profile(
        on_date=on_date, resident=resident, age=age, statuses=frozenset(statuses),
        members=members, monthly_income=income, children=children, situation=situation,
        wheelchair=wheelchair, history=tuple(history),
    )
