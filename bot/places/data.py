"""The places file read into frozen, checked dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.rules.ruleset import Text, read_toml

DEFAULT_PATH = Path(__file__).with_name("places.toml")
OFFICE_KINDS = frozenset({"department", "akim"})
SETTLEMENT_KINDS = frozenset({"rural_okrug", "settlement"})
# The application form's "my place is not listed": never an id in the file.
OTHER = "other"
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,30}")
_EMPTY = Text("", "")


class PlacesError(ValueError):
    """A places file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Office:
    """An office where one applies (p. 13): empty strings where a detail is unknown."""

    id: str
    kind: str
    name: Text
    role: Text = _EMPTY
    address: Text = _EMPTY
    phone: str = ""
    hours: Text = _EMPTY
    verify: str = ""

    @property
    def is_department(self) -> bool:
        return self.kind == "department"

    def contacts(self, lang: str) -> tuple[str, ...]:
        """The known details in ``lang``, address, phone, hours, in that order; none invented."""
        return tuple(v for v in (self.address.get(lang), self.phone, self.hours.get(lang)) if v)


@dataclass(frozen=True, slots=True)
class Settlement:
    """A settlement (кент) or rural okrug as the application form offers it."""

    id: str
    kind: str
    name: Text
    office: str


@dataclass(frozen=True, slots=True, eq=False)
class Places:
    offices: tuple[Office, ...]
    settlements: tuple[Settlement, ...]
    department: Office
    verified: bool
    source: str
    _offices: dict[str, Office] = field(default_factory=dict, repr=False)
    _settlements: dict[str, Settlement] = field(default_factory=dict, repr=False)

    def office(self, office_id: str) -> Office:
        return self._offices[office_id]

    def settlement(self, settlement_id: str) -> Settlement | None:
        return self._settlements.get(settlement_id)

    def office_for(self, settlement_id: str | None) -> Office:
        """The akim's office serving a settlement; the department for "other" or an unknown id."""
        s = self._settlements.get(settlement_id or "")
        return self._offices[s.office] if s is not None else self.department


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> PlacesError:
        return PlacesError(f"{self.source}: {where}: {message}")

    def table(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "missing or not a table")
        return data

    def id_(self, obj: dict[str, Any], where: str, seen: set[str]) -> str:
        value = obj.get("id")
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise self.fail(f"{where}.id", "missing, or not lower-case letters, digits, - and _")
        if value == OTHER:
            raise self.fail(f"{where}.id", f"{OTHER!r} is reserved for 'not listed'")
        if value in seen:
            raise self.fail(f"{where}.id", f"duplicate id {value!r}")
        seen.add(value)
        return value

    def kind(self, obj: dict[str, Any], where: str, kinds: frozenset[str]) -> str:
        value = obj.get("kind")
        if value not in kinds:
            raise self.fail(f"{where}.kind", f"must be one of {', '.join(sorted(kinds))}")
        return str(value)

    def text(self, obj: dict[str, Any], key: str, where: str, required: bool) -> Text:
        raw = obj.get(key)
        if raw is None and not required:
            return _EMPTY
        t = self.table(raw, f"{where}.{key}")
        kk, ru = t.get("kk", ""), t.get("ru", "")
        if not isinstance(kk, str) or not isinstance(ru, str):
            raise self.fail(f"{where}.{key}", "kk and ru must be strings")
        kk, ru = kk.strip(), ru.strip()
        if required and not (kk and ru):
            raise self.fail(f"{where}.{key}", "needs both kk and ru")
        if bool(kk) != bool(ru):
            raise self.fail(f"{where}.{key}", "give both kk and ru, or leave both empty")
        return Text(kk, ru)

    def plain(self, obj: dict[str, Any], key: str, where: str) -> str:
        value = obj.get(key, "")
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be a string")
        return value.strip()

    def office(self, raw: Any, i: int, seen: set[str]) -> Office:
        obj = self.table(raw, f"office[{i}]")
        oid = self.id_(obj, f"office[{i}]", seen)
        where = f"office[{oid}]"
        phone = self.plain(obj, "phone", where)
        if phone and not _PHONE.fullmatch(phone):
            raise self.fail(f"{where}.phone", "digits, spaces, +, - and brackets only")
        return Office(
            id=oid, kind=self.kind(obj, where, OFFICE_KINDS),
            name=self.text(obj, "name", where, required=True),
            role=self.text(obj, "role", where, required=False),
            address=self.text(obj, "address", where, required=False),
            phone=phone, hours=self.text(obj, "hours", where, required=False),
            verify=self.plain(obj, "verify", where))

    def settlement(self, raw: Any, i: int, seen: set[str], offices: dict[str, Office]
                   ) -> Settlement:
        obj = self.table(raw, f"settlement[{i}]")
        sid = self.id_(obj, f"settlement[{i}]", seen)
        where = f"settlement[{sid}]"
        office = obj.get("office")
        if office not in offices:
            raise self.fail(f"{where}.office", f"no office {office!r}")
        return Settlement(sid, self.kind(obj, where, SETTLEMENT_KINDS),
                          self.text(obj, "name", where, required=True), str(office))


def parse_places(data: dict[str, Any], source: str = "<places>") -> Places:
    """Build and check the places from decoded TOML; raises :class:`PlacesError`."""
    r = _Reader(source)
    meta = r.table(data.get("meta", {}), "meta")
    raw_offices, raw_settlements = data.get("office"), data.get("settlement")
    if not isinstance(raw_offices, list) or not raw_offices:
        raise r.fail("office", "no offices")
    if not isinstance(raw_settlements, list) or not raw_settlements:
        raise r.fail("settlement", "no settlements")
    seen: set[str] = set()
    offices = tuple(r.office(o, i, seen) for i, o in enumerate(raw_offices))
    by_id = {o.id: o for o in offices}
    departments = [o for o in offices if o.is_department]
    if len(departments) != 1:
        raise r.fail("office", "exactly one office of kind 'department' (the authorised body)")
    seen = set()
    settlements = tuple(r.settlement(s, i, seen, by_id) for i, s in enumerate(raw_settlements))
    return Places(offices=offices, settlements=settlements, department=departments[0],
                  verified=meta.get("verified") is True, source=r.plain(meta, "source", "meta"),
                  _offices=by_id, _settlements={s.id: s for s in settlements})


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> Places:
    return parse_places(read_toml(path, PlacesError), str(path))


def load_places(path: str | Path | None = None) -> Places:
    """The places at ``path`` (default: ``bot/places/places.toml``), loaded and checked once."""
    return _load_cached(Path(path).resolve() if path is not None else DEFAULT_PATH)
