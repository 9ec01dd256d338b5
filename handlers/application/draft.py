"""An application being filled in: the row's columns plus its ``draft`` JSON, and the plan of
steps derived from them (no aiogram here: the screens and the router use it).

The ``draft`` JSON holds what has no column until submission: the current step, the steps seen,
whether the citizen came from the review, the benefits offered and chosen, the family members
and the checklist item files go to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.rules import Calendar, Result, Ruleset
from handlers.screening.answers import Answers
from storage.limits import text_limit
from storage.models import Application, Member

MAX_FILES_PER_ITEM = 10
SITUATION_MAX = 500  # kept in a JSON column: the limit is ours
# What a typed answer may hold is what its column holds (checked at its step, not by the
# database on submission).
NAME_MAX = text_limit(Application.full_name)
MEMBER_NAME_MAX = text_limit(Member.full_name)
SETTLEMENT_OTHER_MAX = text_limit(Application.settlement_other)
ADDRESS_MAX = text_limit(Application.address)
RELATIONS = ("spouse", "child", "parent", "sibling", "grandchild", "other")
OCCUPATIONS = ("works", "pensioner", "pupil", "unemployed", "other")


@dataclass
class MemberAnswers:
    full_name: str | None = None
    iin: str | None = None
    birth_date: str | None = None  # ISO
    relation: str | None = None
    occupation: str | None = None
    on_paper: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MemberAnswers:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def complete(self) -> bool:
        return self.on_paper or bool(
            self.full_name and self.birth_date and self.relation and self.occupation
        )

    def row(self) -> dict[str, Any]:
        """The columns of a storage Member row."""
        return {
            "full_name": self.full_name,
            "relation": self.relation or "",
            "iin": self.iin,
            "birth_date": date.fromisoformat(self.birth_date) if self.birth_date else None,
            "occupation": self.occupation,
            "on_paper": self.on_paper,
        }


@dataclass
class Draft:
    app: Application
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, app: Application) -> Draft:
        return cls(app, dict(app.draft or {}))

    def store(self) -> None:
        # A new dict: the JSON column is saved when the attribute is assigned.
        self.app.draft = dict(self.data)

    # -- the screening it starts from ---------------------------------------------------
    @property
    def answers(self) -> Answers:
        return Answers.from_dict((self.app.screening or {}).get("answers"))

    def evaluate(self, ruleset: Ruleset, on: date, calendar: Calendar | None = None) -> Result:
        """The engine on ``on`` with the screening's answers and the income as confirmed."""
        answers = self.answers
        if self.app.monthly_income is not None:
            answers.income, answers.income_skipped = str(self.app.monthly_income), False
        return answers.evaluate(ruleset, on, calendar)

    # -- steps --------------------------------------------------------------------------
    @property
    def step(self) -> str:
        return str(self.data.get("step") or "benefits")

    @property
    def chosen(self) -> list[str]:
        return list(self.data.get("chosen") or [])

    @property
    def members(self) -> list[MemberAnswers]:
        return [MemberAnswers.from_dict(m) for m in self.data.get("members") or []]

    def set_member(self, index: int, member: MemberAnswers) -> None:
        members = list(self.data.get("members") or [])
        members[index] = member.__dict__.copy()
        self.data["members"] = members

    def checklist(self, ruleset: Ruleset) -> list[str]:
        return [d.id for d in ruleset.checklist([b for b in self.chosen
                                                 if b in ruleset.benefits_by_id])]

    def needs_situation(self, ruleset: Ruleset) -> bool:
        return bool(self.answers.situation) and "situation_proof" in self.checklist(ruleset)

    def plan(self, ruleset: Ruleset) -> list[str]:
        steps = ["consent", "benefits", "name", "iin", "phone", "place"]
        steps += [f"member.{i}" for i in range(len(self.data.get("members") or []))]
        if self.needs_situation(ruleset):
            steps.append("situation")
        steps += ["documents", "review"]
        return steps

    def go(self, step: str) -> None:
        seen = set(self.data.get("seen") or [])
        seen.add(step)
        self.data.update(step=step, seen=sorted(seen))

    def forward(self, ruleset: Ruleset) -> None:
        """The next step; from an edit begun on the review, back to the review."""
        plan = self.plan(ruleset)
        if self.data.get("reviewing"):
            seen = set(self.data.get("seen") or [])
            after = plan[plan.index(self.step) + 1 :] if self.step in plan else []
            # An edit may open new steps (a benefit that needs the situation): ask those too.
            later = [s for s in after if s not in seen] or ["review"]
        else:
            later = plan[plan.index(self.step) + 1 :] if self.step in plan else ["review"]
        self.go(later[0] if later else "review")

    def backward(self, ruleset: Ruleset) -> bool:
        plan = self.plan(ruleset)
        index = plan.index(self.step) if self.step in plan else len(plan)
        if index <= 1:  # the consent is given: Back from the first question leaves
            return False
        self.go(plan[index - 1])
        return True

    def missing(self, ruleset: Ruleset) -> str | None:
        """What the current step still needs before Next, as an input error reason."""
        a, step = self.app, self.step
        if step == "benefits" and not self.chosen:
            return "need_benefit"
        if step == "name" and not a.full_name:
            return "need_name"
        if step == "iin" and not a.iin:
            return "need_iin"
        if step == "phone" and not a.phone:
            return "need_phone"
        if step == "place" and not (a.settlement and a.address):
            return "need_place"
        if step.startswith("member."):
            member = self.members[int(step.partition(".")[2])]
            if not member.complete():
                return "need_member"
        if step == "situation" and not (a.situation or {}).get("description"):
            return "need_description"
        return None

    def first_incomplete(self, ruleset: Ruleset) -> str | None:
        """The first step of the plan still missing an answer (checked before submitting)."""
        keep = self.step
        try:
            for step in self.plan(ruleset):
                if step in ("consent", "documents", "review"):
                    continue
                self.data["step"] = step
                if self.missing(ruleset):
                    return step
            return None
        finally:
            self.data["step"] = keep
