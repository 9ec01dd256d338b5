"""A citizen's screening answers, the steps they call for, and the profile they make.

Plain data (JSON in the FSM storage), no aiogram: the plan of steps is derived from the
answers every time, so Back, review and resume need no bookkeeping of their own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from bot.rules import Calendar, Profile, Result, Ruleset, evaluate, parse_profile

# The status groups of the first screen, in the order shown; each opens its own checklist.
GROUPS: dict[str, tuple[str, ...]] = {
    "veterans": (
        "wwii_participant", "wwii_disabled", "wwii_equated", "war_widow", "home_front_worker",
        "afghan_veteran", "radiation_liquidator", "radiation_disabled", "chernobyl_1988_1989",
        "semipalatinsk_victim",
    ),
    "disability": ("disabled",),
    "family": ("large_family_mother", "tsa_family", "low_income_family"),
    "elderly": ("pensioner", "lives_alone", "needs_care"),
    "health": ("hiv", "hiv_medical_fault", "chronic_renal_failure"),
    "hardship": (),
}
CHILD_FLAGS = ("disabled", "home_schooled", "hiv", "without_parental_care")
SITUATIONS = ("fire", "natural_disaster", "disease", "legal_ground", "other")
DATED_SITUATIONS = ("fire", "natural_disaster")
MAX_CHILDREN = 10
# Steps answered by ticking boxes: "None of these" is their explicit empty answer.
CHECKLISTS = ("groups", "group", "history")
# Steps are named "groups", "group.family", "child.0", "review"...: no ":" (callback data).


@dataclass
class Answers:
    groups: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    has_children: bool = False
    children: list[dict[str, Any]] = field(default_factory=list)
    wheelchair: str | None = None  # walking | room | none
    situation: str | None = None
    occurred_on: str | None = None
    age: int | None = None
    members: int | None = None
    income: str | None = None  # Decimal as text: JSON keeps it exact
    income_skipped: bool = False
    history: list[str] = field(default_factory=list)
    check_on: str | None = None  # the day of the check, when not today (ISO)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Answers:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def fingerprint(self, without: str = "") -> bytes:
        """The answers as a memo key, immutable and hashable (orjson: a tenth of repr's time;
        a child's ticks in another order only miss the memo). ``from_fingerprint`` reads them
        back (less the field ``without``)."""
        return orjson.dumps({k: v for k, v in vars(self).items() if k != without})

    @classmethod
    def from_fingerprint(cls, fingerprint: bytes) -> Answers:
        return cls.from_dict(orjson.loads(fingerprint))

    def to_dict(self) -> dict[str, Any]:
        """A copy that shares nothing with the answers. Fields are JSON: scalars, lists of
        strings, and the children's flat dicts (dataclasses.asdict took ten times as long)."""
        return {
            k: [dict(x) if isinstance(x, dict) else x for x in v] if isinstance(v, list) else v
            for k, v in vars(self).items()
        }

    # -- what a step still needs -----------------------------------------------------------
    def ticks(self, step: str) -> set[str]:
        """What is ticked on a checklist step (groups, group.X, history)."""
        kind, _sep, arg = step.partition(".")
        if kind == "groups":
            return set(self.groups)
        if kind == "group":
            ticked = {s for s in self.statuses if s in GROUPS[arg]}
            return ticked | ({"children"} if arg == "family" and self.has_children else set())
        if kind == "history":
            return set(self.history)
        return set()

    def clear(self, step: str) -> None:
        """"None of these" on a checklist step."""
        kind, _sep, arg = step.partition(".")
        if kind == "groups":
            self.groups.clear()
        elif kind == "group":
            self.statuses[:] = [s for s in self.statuses if s not in GROUPS[arg]]
            if arg == "family":
                self.has_children = False
        elif kind == "history":
            self.history.clear()

    def missing(self, step: str) -> str | None:
        """Why Next cannot leave the step yet (an input_error reason), or None.

        No silent defaults: an empty checklist needs "None of these", a question its answer
        or Skip."""
        kind, _sep, arg = step.partition(".")
        if kind in CHECKLISTS:
            return None if self.ticks(step) else "need_tick"
        if kind == "child":
            child = self.children[int(arg)] if int(arg) < len(self.children) else {}
            if child.get("age") is None:
                return "need_age"
            return None if any(child.get(f) for f in CHILD_FLAGS) else "need_flag"
        needs = {
            "wheelchair": (self.wheelchair, "need_answer"),
            "situation": (self.situation, "need_answer"),
            "situation_date": (self.occurred_on, "need_date"),
            "members": (self.members, "need_members"),
            "income": (None if self.income is None and not self.income_skipped else 1,
                       "need_income"),
            "age": (self.age, "need_years"),
        }
        value, reason = needs.get(kind, (1, ""))
        return reason if value is None else None

    # -- derived -------------------------------------------------------------------------
    def effective_statuses(self) -> set[str]:
        """Ticked statuses of the groups still chosen (unticking a group drops its details)."""
        chosen = {s for g in self.groups for s in GROUPS.get(g, ())}
        statuses = {s for s in self.statuses if s in chosen}
        if "disability" in self.groups:
            statuses.add("disabled")  # the group's only status: choosing it is the answer
        return statuses

    def lives_alone(self) -> bool:
        return "lives_alone" in self.effective_statuses()

    def wants_children(self) -> bool:
        return "family" in self.groups and self.has_children

    def check_day(self, today: date) -> date:
        """The day the engine evaluates: the one asked for, else today."""
        return date.fromisoformat(self.check_on) if self.check_on else today

    def plan(self, ruleset: Ruleset, on: date, *, asks_date: bool = False) -> list[str]:
        """The screens this citizen needs, in order; only questions that can change the result.

        ``asks_date``: today no ruleset is in force, so the day of the check is asked first.
        Asked several times per press: remembered for the same answers (as the candidates)."""
        return list(_planned(ruleset, on, asks_date, self.fingerprint()))

    def _plan(self, ruleset: Ruleset, on: date, asks_date: bool) -> list[str]:
        steps = ["check_date"] if asks_date else []
        steps.append("groups")
        steps += [f"group.{g}" for g in GROUPS if g in self.groups and g not in _NO_CHECKLIST]
        if "disability" in self.groups:
            steps.append("wheelchair")
        if self.wants_children():
            steps += [f"child.{i}" for i in range(max(1, len(self.children)))]
        if "hardship" in self.groups:
            steps.append("situation")
            if self.situation in DATED_SITUATIONS:
                steps.append("situation_date")
        if "needs_care" in self.effective_statuses():
            steps.append("age")  # p. 9.10 is for those over 80
        if not self.lives_alone():
            steps.append("members")
        steps.append("income")
        if self.history_candidates(ruleset, on):
            steps.append("history")
        steps.append("review")
        return steps

    def profile(self, on: date, *, with_history: bool = True) -> Profile:
        data: dict[str, Any] = {
            "on_date": on.isoformat(),
            "statuses": sorted(self.effective_statuses()),
            "household": {"members": 1 if self.lives_alone() else (self.members or 1)},
        }
        if self.income is not None and not self.income_skipped:
            data["household"]["monthly_income"] = float(self.income)
        if self.age is not None and "needs_care" in self.effective_statuses():
            data["age"] = self.age
        if self.wants_children():
            data["children"] = [
                {"age": c["age"], **{f: bool(c.get(f)) for f in CHILD_FLAGS}}
                for c in self.children
                if c.get("age") is not None
            ]
        if "hardship" in self.groups and self.situation:
            situation: dict[str, Any] = {"kind": self.situation}
            if self.situation in DATED_SITUATIONS and self.occurred_on:
                situation["occurred_on"] = self.occurred_on
            if self.situation not in DATED_SITUATIONS or self.occurred_on:
                data["situation"] = situation
        if "disability" in self.groups and self.wheelchair in ("walking", "room"):
            data["wheelchair"] = self.wheelchair
        if with_history:
            # "Received within the past year" is all we ask; the day itself does not matter.
            data["history"] = [{"id": h, "granted_on": on.isoformat()} for h in self.history]
        return parse_profile(data)

    def evaluate(self, ruleset: Ruleset, on: date, calendar: Calendar | None = None) -> Result:
        return evaluate(self.profile(on), ruleset, calendar)

    def history_candidates(self, ruleset: Ruleset, on: date) -> list[str]:
        """One-off application benefits this profile would get: p. 23 may block a repeat.

        Asked several times per button press (the plan, the screen, the review's follow-ups):
        remembered for the same answers, as the engine is the costly part of a press."""
        return list(_candidates(ruleset, on, self.fingerprint(without="history")))


# Remembered: pure functions of hashable arguments (a ruleset is loaded once and hashed by
# identity; the answers as their fingerprint), giving tuples, which no caller can change.
@functools.lru_cache(maxsize=1024)
def _planned(ruleset: Ruleset, on: date, asks_date: bool, answers: bytes) -> tuple[str, ...]:
    return tuple(Answers.from_fingerprint(answers)._plan(ruleset, on, asks_date))


@functools.lru_cache(maxsize=1024)
def _candidates(ruleset: Ruleset, on: date, answers: bytes) -> tuple[str, ...]:
    """``answers``: the fingerprint without the history (the profile is made without it)."""
    result = evaluate(Answers.from_fingerprint(answers).profile(on, with_history=False), ruleset)
    return tuple(g.id for g in result.benefits if g.benefit.one_off_application)


# Disability has a single status (ticked with the group); hardship asks about the situation.
_NO_CHECKLIST = ("disability", "hardship")
