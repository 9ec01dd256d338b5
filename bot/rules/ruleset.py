"""The ruleset: a maslikhat decision read from a TOML file into frozen, checked dataclasses."""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.rules.profile import CHILD_FLAGS, STATUS_SET, WHEELCHAIRS

DEFAULT_PATH = Path(__file__).with_name("decision_241.toml")
DOCUMENT_IDS: tuple[str, ...] = (
    "id_document", "residence_registration", "family_composition", "income_statement",
    "situation_proof", "category_proof",
)
PERIODS = frozenset({"once", "monthly"})
DATE_RULES = frozenset({"second_sunday_of_september"})
_CONDITION_KEYS = frozenset({
    "any_status", "all_status", "no_status", "equated", "child", "wheelchair", "age_over",
    "low_income_family", "per_capita_below_poverty_line", "difficult_situation",
})
# Where a day stands against the decision's period of force (Ruleset.force_on).
NOT_YET_IN_FORCE = "not_yet_in_force"
IN_FORCE = "in_force"
REPEALED = "repealed"
EXPIRED = "expired"  # past in_force_until with no repeal recorded


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Text:
    kk: str
    ru: str

    def get(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.kk

    def to_dict(self) -> dict[str, str]:
        return {"kk": self.kk, "ru": self.ru}


@dataclass(frozen=True, slots=True)
class DatedValue:
    start: date
    value: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class DatedSeries:
    """A parameter whose value changes on given dates; looked up by date, not by year."""

    name: Text
    unit: str
    values: tuple[DatedValue, ...]
    reading: str | None = None
    _starts: tuple[date, ...] = field(default=(), repr=False, compare=False)

    def entry_at(self, on: date) -> DatedValue:
        """The value in force on ``on`` (before the first date: the first value)."""
        i = bisect_right(self._starts, on) - 1
        return self.values[max(i, 0)]

    def at(self, on: date) -> Decimal:
        return self.entry_at(on).value


@dataclass(frozen=True, slots=True)
class ChildTest:
    disabled: bool = False
    home_schooled: bool = False
    hiv: bool = False
    without_parental_care: bool = False
    age_min: int = 0
    age_max: int = 17


@dataclass(frozen=True, slots=True)
class Condition:
    """One alternative of a benefit's `when`: every field that is set must hold."""

    any_status: tuple[str, ...] = ()
    all_status: tuple[str, ...] = ()
    no_status: frozenset[str] = frozenset()
    # `equated = true`: any_status is the ruleset's equated statuses, which count only through
    # the equation to war participants; the engine reports them in GrantedBenefit.equated.
    equated: bool = False
    child: ChildTest | None = None
    wheelchair: str | None = None
    age_over: int | None = None
    low_income_family: bool = False
    per_capita_below_poverty_line: bool = False
    difficult_situation: bool = False


@dataclass(frozen=True, slots=True)
class Benefit:
    id: str
    cite: str
    title: Text
    explanation: Text
    amount_mci: Decimal
    up_to: bool
    period: str
    months: int | None
    holiday: str | None
    holiday_rule: str | None
    needs_application: bool
    documents: tuple[str, ...]
    when: tuple[Condition, ...]
    per_person: bool = False
    added_by: str | None = None
    available_from: date | None = None
    reading: str | None = None
    documents_reading: str | None = None

    @property
    def one_off_application(self) -> bool:
        """Subject to the one-year repeat rule of p. 23."""
        return self.period == "once" and self.needs_application

    @property
    def amount_mci_json(self) -> int | float:
        """2 rather than 2.0; 13.5 stays 13.5."""
        return int(self.amount_mci) if self.amount_mci == self.amount_mci.to_integral_value() \
            else float(self.amount_mci)


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    name: Text
    plain: Text
    where: Text
    cite: str | None = None
    reading: str | None = None


@dataclass(frozen=True, slots=True)
class Amendment:
    number: str
    adopted_on: date
    in_force_from: date
    added: tuple[str, ...]
    what: Text
    reading: str


@dataclass(frozen=True, slots=True)
class Repeal:
    number: str
    adopted_on: date
    effective_on: date  # the first day the decision is no longer in force
    reading: str


@dataclass(frozen=True, slots=True)
class Equation:
    """Statuses the decision equates to war participants (for p. 9.8 and 9.9)."""

    statuses: tuple[str, ...]
    cite: str
    reading: str


@dataclass(frozen=True, slots=True)
class Metadata:
    """What an "about" screen shows: the decision, its registration, amendments and repeal."""

    ruleset_id: str
    number: str
    adopted_on: date
    body: Text
    title: Text
    standard_rules: str
    registration_number: str
    registered_on: date
    registered_by: str
    in_force_from: date
    in_force_until: date
    reading: str
    publication_verified: bool
    amendments: tuple[Amendment, ...]
    repeal: Repeal | None


@dataclass(frozen=True, slots=True, eq=False)
class Ruleset:
    """A decision as data. Compared and hashed by identity (it is loaded once and cached)."""

    metadata: Metadata
    benefits: tuple[Benefit, ...]
    documents: dict[str, Document]
    mci: DatedSeries
    subsistence_minimum: DatedSeries
    poverty_line_share: DatedSeries
    situation_income_share: DatedSeries
    exclusions: dict[str, str]
    source: str
    equation: Equation | None = None
    # p. 3.3: the region's own subsistence minimum; when given it wins from its first date.
    subsistence_minimum_regional: DatedSeries | None = None
    benefits_by_id: dict[str, Benefit] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.metadata.ruleset_id

    # --- the period of force (the chat words a repealed decision on these) ---------------

    @property
    def first_day(self) -> date:
        """The first day the decision is in force."""
        return self.metadata.in_force_from

    @property
    def last_day(self) -> date:
        """The last day the decision is in force (the day before the repeal takes effect)."""
        return self.metadata.in_force_until

    @property
    def repeal(self) -> Repeal | None:
        """The repealing decision (number, adopted_on, effective_on), if any."""
        return self.metadata.repeal

    def in_force_on(self, on: date) -> bool:
        return self.metadata.in_force_from <= on <= self.metadata.in_force_until

    in_force = in_force_on  # the earlier name, kept for callers

    def force_on(self, on: date) -> str:
        """NOT_YET_IN_FORCE, IN_FORCE, REPEALED or EXPIRED on ``on``."""
        if on < self.metadata.in_force_from:
            return NOT_YET_IN_FORCE
        if on <= self.metadata.in_force_until:
            return IN_FORCE
        return REPEALED if self.metadata.repeal is not None else EXPIRED

    def mci_at(self, on: date) -> int:
        return int(self.mci.at(on))

    def subsistence_minimum_entry_at(self, on: date) -> DatedValue:
        """The subsistence minimum on ``on`` with its source: the region's (p. 3.3) when the
        ruleset has a regional value from that day on, else the national stand-in."""
        regional = self.subsistence_minimum_regional
        if regional is not None and on >= regional.values[0].start:
            return regional.entry_at(on)
        return self.subsistence_minimum.entry_at(on)

    def subsistence_minimum_at(self, on: date) -> Decimal:
        return self.subsistence_minimum_entry_at(on).value

    def poverty_line_at(self, on: date) -> Decimal:
        """The poverty line in tenge per person per month on ``on``."""
        return self.poverty_line_share.at(on) * self.subsistence_minimum_at(on)

    def situation_income_limit_at(self, on: date) -> Decimal:
        """60% of the subsistence minimum (p. 9, third ground)."""
        return self.situation_income_share.at(on) * self.subsistence_minimum_at(on)

    def checklist(self, benefit_ids: list[str] | tuple[str, ...]) -> tuple[Document, ...]:
        """The documents the given benefits need, merged, in the order of p. 13."""
        wanted = {d for bid in benefit_ids for d in self.benefits_by_id[bid].documents}
        return tuple(self.documents[d] for d in DOCUMENT_IDS if d in wanted)


# --- loading ------------------------------------------------------------------------------

class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> RulesetError:
        return RulesetError(f"{self.source}: {where}: {message}")

    def table(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "missing or not a table")
        return data

    def str_(self, data: dict[str, Any], key: str, where: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "missing or empty")
        return value

    def date_(self, data: dict[str, Any], key: str, where: str) -> date:
        value = data.get(key)
        if not isinstance(value, date):
            raise self.fail(f"{where}.{key}", "missing or not a date (write it as 2015-04-19)")
        return value

    def text(self, data: dict[str, Any], key: str, where: str) -> Text:
        obj = self.table(data.get(key), f"{where}.{key}")
        return Text(kk=self.str_(obj, "kk", f"{where}.{key}"),
                    ru=self.str_(obj, "ru", f"{where}.{key}"))

    def series(self, params: dict[str, Any], key: str) -> DatedSeries:
        where = f"parameters.{key}"
        obj = self.table(params.get(key), where)
        values, starts = self.values(obj.get("values"), f"{where}.values")
        reading = obj.get("reading")
        return DatedSeries(self.text(obj, "name", where), self.str_(obj, "unit", where),
                           values, reading if isinstance(reading, str) else None, starts)

    def regional(self, params: dict[str, Any], key: str) -> DatedSeries | None:
        """``[[parameters.KEY.regional]]``: optional dated values that replace the national
        ones from their first date (same form as ``values``)."""
        where = f"parameters.{key}"
        obj = self.table(params.get(key), where)
        if "regional" not in obj:
            return None
        values, starts = self.values(obj["regional"], f"{where}.regional")
        return DatedSeries(self.text(obj, "name", where), self.str_(obj, "unit", where),
                           values, None, starts)

    def values(self, raw: Any, where: str) -> tuple[tuple[DatedValue, ...], tuple[date, ...]]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "missing or empty")
        values: list[DatedValue] = []
        for i, item in enumerate(raw):
            at = f"{where}[{i}]"
            item = self.table(item, at)
            if not isinstance(item.get("from"), date):
                raise self.fail(at, "undated value: every value needs `from = YYYY-MM-DD`")
            value = item.get("value")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise self.fail(f"{at}.value", "missing or not a number >= 0")
            values.append(DatedValue(item["from"], Decimal(str(value)),
                                     self.str_(item, "source", at)))
        starts = tuple(v.start for v in values)
        if any(a >= b for a, b in pairwise(starts)):
            raise self.fail(where, "dates must be strictly increasing")
        return tuple(values), starts

    def statuses(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of statuses")
        for status in value:
            if status not in STATUS_SET:
                raise self.fail(where, f"unknown status {status!r}")
        return tuple(value)

    def condition(self, raw: Any, where: str, equation: Equation | None) -> Condition:
        obj = self.table(raw, where)
        unknown = set(obj) - _CONDITION_KEYS
        if unknown:
            raise self.fail(where, f"unknown condition {sorted(unknown)[0]!r}")
        if not obj:
            raise self.fail(where, "empty condition")
        child = None
        if "child" in obj:
            c = self.table(obj["child"], f"{where}.child")
            bad = set(c) - {*CHILD_FLAGS, "age_min", "age_max"}
            if bad:
                raise self.fail(f"{where}.child", f"unknown key {sorted(bad)[0]!r}")
            child = ChildTest(**c)
        wheelchair = obj.get("wheelchair")
        if wheelchair is not None and wheelchair not in WHEELCHAIRS:
            raise self.fail(f"{where}.wheelchair", f"unknown wheelchair {wheelchair!r}")
        equated = obj.get("equated") is True
        if equated:
            if equation is None:
                raise self.fail(f"{where}.equated", "no [equated] table in the ruleset")
            if "any_status" in obj:
                raise self.fail(f"{where}.equated", "use either equated or any_status")
        return Condition(
            any_status=equation.statuses if equated and equation is not None
            else self.statuses(obj["any_status"], f"{where}.any_status")
            if "any_status" in obj else (),
            equated=equated,
            all_status=self.statuses(obj["all_status"], f"{where}.all_status")
            if "all_status" in obj else (),
            no_status=frozenset(self.statuses(obj["no_status"], f"{where}.no_status"))
            if "no_status" in obj else frozenset(),
            child=child,
            wheelchair=wheelchair,
            age_over=obj.get("age_over"),
            low_income_family=obj.get("low_income_family") is True,
            per_capita_below_poverty_line=obj.get("per_capita_below_poverty_line") is True,
            difficult_situation=obj.get("difficult_situation") is True,
        )

    def benefit(self, raw: Any, index: int, amendments: dict[str, Amendment],
                equation: Equation | None) -> Benefit:
        obj = self.table(raw, f"benefit[{index}]")
        bid = self.str_(obj, "id", f"benefit[{index}]")
        where = f"benefit[{bid}]"
        amount = obj.get("amount_mci")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise self.fail(f"{where}.amount_mci", "missing or not a number > 0")
        period = obj.get("period")
        if period not in PERIODS:
            raise self.fail(f"{where}.period", "must be once or monthly")
        date_rule = obj.get("date_rule")
        if date_rule is not None and date_rule not in DATE_RULES:
            raise self.fail(f"{where}.date_rule", f"unknown date rule {date_rule!r}")
        needs_application = obj.get("needs_application")
        if not isinstance(needs_application, bool):
            raise self.fail(f"{where}.needs_application", "missing or not true/false")
        documents = tuple(obj.get("documents", ()))
        for doc in documents:
            if doc not in DOCUMENT_IDS:
                raise self.fail(f"{where}.documents", f"unknown document {doc!r}")
        if needs_application and not documents:
            raise self.fail(f"{where}.documents", "a benefit on application lists its documents")
        when_raw = obj.get("when")
        if not isinstance(when_raw, list) or not when_raw:
            raise self.fail(f"{where}.when", "missing: a benefit needs at least one condition")
        added_by = obj.get("added_by")
        available_from = None
        if added_by is not None:
            if added_by not in amendments:
                raise self.fail(f"{where}.added_by", f"no amendment No. {added_by}")
            available_from = amendments[added_by].in_force_from
        return Benefit(
            id=bid,
            cite=self.str_(obj, "cite", where),
            title=self.text(obj, "title", where),
            explanation=self.text(obj, "explanation", where),
            amount_mci=Decimal(str(amount)),
            up_to=obj.get("up_to", False) is True,
            period=period,
            months=obj.get("months"),
            holiday=obj.get("date"),
            holiday_rule=date_rule,
            needs_application=needs_application,
            documents=documents,
            when=tuple(self.condition(c, f"{where}.when[{i}]", equation)
                       for i, c in enumerate(when_raw)),
            per_person=obj.get("per_person", False) is True,
            added_by=added_by,
            available_from=available_from,
            reading=obj.get("reading"),
            documents_reading=obj.get("documents_reading"),
        )

    def metadata(self, data: dict[str, Any]) -> Metadata:
        rs = self.table(data.get("ruleset"), "ruleset")
        dec = self.table(data.get("decision"), "decision")
        amendments = []
        for i, raw in enumerate(dec.get("amendments", [])):
            at = f"decision.amendments[{i}]"
            a = self.table(raw, at)
            added = a.get("added", ())
            amendments.append(Amendment(
                number=self.str_(a, "number", at), adopted_on=self.date_(a, "adopted_on", at),
                in_force_from=self.date_(a, "in_force_from", at),
                added=(added,) if isinstance(added, str) else tuple(added),
                what=self.text(a, "what", at), reading=self.str_(a, "reading", at)))
        repeal = None
        if "repeal" in dec:
            r = self.table(dec["repeal"], "decision.repeal")
            repeal = Repeal(self.str_(r, "number", "decision.repeal"),
                            self.date_(r, "adopted_on", "decision.repeal"),
                            self.date_(r, "effective_on", "decision.repeal"),
                            self.str_(r, "reading", "decision.repeal"))
        meta = Metadata(
            ruleset_id=self.str_(rs, "id", "ruleset"),
            number=self.str_(dec, "number", "decision"),
            adopted_on=self.date_(dec, "adopted_on", "decision"),
            body=self.text(dec, "body", "decision"),
            title=self.text(dec, "title", "decision"),
            standard_rules=self.str_(dec, "standard_rules", "decision"),
            registration_number=self.str_(dec, "registration_number", "decision"),
            registered_on=self.date_(dec, "registered_on", "decision"),
            registered_by=self.str_(dec, "registered_by", "decision"),
            in_force_from=self.date_(dec, "in_force_from", "decision"),
            in_force_until=self.date_(dec, "in_force_until", "decision"),
            reading=self.str_(dec, "reading", "decision"),
            publication_verified=dec.get("publication_verified") is True,
            amendments=tuple(amendments),
            repeal=repeal,
        )
        if meta.in_force_until < meta.in_force_from:
            raise self.fail("decision.in_force_until", "before in_force_from")
        if repeal is not None and repeal.effective_on != meta.in_force_until + timedelta(days=1):
            raise self.fail("decision.repeal.effective_on",
                            "must be the day after decision.in_force_until")
        return meta

    def equation(self, data: dict[str, Any]) -> Equation | None:
        if "equated" not in data:
            return None
        obj = self.table(data["equated"], "equated")
        return Equation(self.statuses(obj.get("statuses"), "equated.statuses"),
                        self.str_(obj, "cite", "equated"), self.str_(obj, "reading", "equated"))


def parse_ruleset(data: dict[str, Any], source: str = "<ruleset>") -> Ruleset:
    """Build and check a ruleset from decoded TOML; raises :class:`RulesetError`."""
    r = _Reader(source)
    meta = r.metadata(data)
    amendments = {a.number: a for a in meta.amendments}
    equation = r.equation(data)
    raw_benefits = data.get("benefit")
    if not isinstance(raw_benefits, list) or not raw_benefits:
        raise r.fail("benefit", "no benefits")
    benefits = tuple(r.benefit(b, i, amendments, equation) for i, b in enumerate(raw_benefits))
    by_id: dict[str, Benefit] = {}
    for b in benefits:
        if b.id in by_id:
            raise r.fail(f"benefit[{b.id}]", "duplicate id")
        by_id[b.id] = b
    documents: dict[str, Document] = {}
    for i, raw in enumerate(data.get("document", [])):
        d = r.table(raw, f"document[{i}]")
        did = r.str_(d, "id", f"document[{i}]")
        at = f"document[{did}]"
        if did not in DOCUMENT_IDS:
            raise r.fail(at, "unknown document id")
        documents[did] = Document(did, r.text(d, "name", at), r.text(d, "plain", at),
                                  r.text(d, "where", at), d.get("cite"), d.get("reading"))
    for b in benefits:
        for doc in b.documents:
            if doc not in documents:
                raise r.fail(f"benefit[{b.id}].documents", f"document {doc!r} is not defined")
    params = r.table(data.get("parameters"), "parameters")
    exclusions = data.get("exclusions", {})
    return Ruleset(
        metadata=meta, benefits=benefits, documents=documents,
        mci=r.series(params, "mci"),
        subsistence_minimum=r.series(params, "subsistence_minimum"),
        poverty_line_share=r.series(params, "poverty_line_share"),
        situation_income_share=r.series(params, "situation_income_share"),
        exclusions={str(k): str(v) for k, v in r.table(exclusions, "exclusions").items()},
        source=source, equation=equation,
        subsistence_minimum_regional=r.regional(params, "subsistence_minimum"),
        benefits_by_id=by_id,
    )


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """A data file's TOML; ``error`` (naming the file) when it cannot be read or parsed."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> Ruleset:
    return parse_ruleset(read_toml(path, RulesetError), str(path))


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """The ruleset at ``path`` (default: decision No. 241), loaded and checked once."""
    return _load_cached(Path(path).resolve() if path is not None else DEFAULT_PATH)
