"""One citizen's screening as stored in the FSM: the answers, the step shown, where Next leads.

Its FSM data lives under one key, "screening":
- answers: the Answers;
- step: the step on screen; total: the number of steps counted when it was opened (the
  counter "k of n" does not move while a screen is open);
- done: step -> what it was answered for (history: the benefits it asked about), so the
  review, after a change, asks again only what is new or no longer answered;
- reviewing: the citizen came from the review screen; why: the reason is open;
- guess: an income so small it is probably thousands ("did you mean …?");
- finished: the result was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup

from bot.rules import Ruleset
from bot.services.law import can_apply
from handlers.screening.answers import Answers
from handlers.screening.keyboards import packed
from handlers.screening.screens import render_step, step_keys

KEY = "screening"
Today = Callable[[], date]


class Flow:
    def __init__(
        self, data: dict[str, Any], ruleset: Ruleset, today: date,
        others: dict[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.others = others or {}  # other conversations' FSM data, written back untouched
        self.answers = Answers.from_dict(data.get("answers"))
        self.ruleset, self.clock_today = ruleset, today
        if data and self.step not in self.plan():  # stored by an older version: start over
            self.data["step"] = "review" if self.reviewing else self.plan()[0]

    @property
    def today(self) -> date:
        """The day of the check: today, or the day the citizen asked for."""
        return self.answers.check_day(self.clock_today)

    @property
    def live(self) -> bool:
        """Today the decision is in force: applying means something."""
        return can_apply(self.ruleset, self.clock_today)

    @classmethod
    async def load(cls, state: FSMContext, ruleset: Ruleset, today: Today) -> Flow:
        everything = await state.get_data()
        return cls(dict(everything.get(KEY) or {}), ruleset, today(), everything)

    async def save(self, state: FSMContext) -> None:
        self.data["answers"] = self.answers.to_dict()
        # One write of what was read (set_data), not a locked read-modify-write (update_data).
        await state.set_data({**self.others, KEY: self.data})

    def restart(self, answers: Answers | None = None, step: str | None = None) -> None:
        self.answers = answers or Answers()
        self.data = {}
        self.go(step or self.plan()[0])

    # -- where the citizen is ----------------------------------------------------------------
    @property
    def step(self) -> str:
        """Always a step of the plan: checked on load, and every move goes to one."""
        return str(self.data.get("step") or self.plan()[0])

    @property
    def reviewing(self) -> bool:
        return bool(self.data.get("reviewing"))

    def plan(self) -> list[str]:
        return self.answers.plan(self.ruleset, self.today, asks_date=not self.live)

    def go(self, step: str) -> None:
        self.data.update(step=step, why=False, total=len(self.plan()))
        self.data.pop("guess", None)

    # -- answered steps ------------------------------------------------------------------------
    def _mark(self, step: str) -> str:
        """What an answer of the step was given for: a changed question is asked again."""
        if step == "history":
            return ",".join(self.answers.history_candidates(self.ruleset, self.today))
        if step == "situation_date":
            return str(self.answers.situation)
        return "✓"

    def answered(self, step: str) -> bool:
        return (self.data.get("done") or {}).get(step) == self._mark(step)

    def forget(self, steps: list[str]) -> None:
        done = dict(self.data.get("done") or {})
        self.data["done"] = {s: m for s, m in done.items() if s not in steps}

    def missing(self) -> str | None:
        """Why Next may not leave this step yet; a step answered before may be left as is."""
        reason = self.answers.missing(self.step)
        return None if reason is None or self.answered(self.step) else reason

    # -- moving ------------------------------------------------------------------------------
    def forward(self) -> None:
        """The step is answered: on to the next one (from the review: the next one not
        answered yet, or whose question changed; else back to the review)."""
        step = self.step
        self.data["done"] = {**(self.data.get("done") or {}), step: self._mark(step)}
        plan = self.plan()
        later = plan[plan.index(step) + 1 :]
        if self.reviewing:
            later = [s for s in later if not self.answered(s)]
        self.go(later[0] if later else "review")

    def backward(self) -> bool:
        """False when there is nothing before: the citizen leaves to the menu."""
        plan = self.plan()
        index = plan.index(self.step)
        if index == 0:
            return False
        self.go(plan[index - 1])
        return True

    # -- the screen ----------------------------------------------------------------------------
    def screen(self) -> tuple[str, InlineKeyboardMarkup]:
        plan = self.plan()
        return render_step(
            self.step, self.answers, plan, why_open=bool(self.data.get("why")),
            ruleset=self.ruleset, today=self.today, clock_today=self.clock_today,
            total=max(int(self.data.get("total") or len(plan)), plan.index(self.step) + 1),
            guess=self.data.get("guess"),
        )

    def offers(self, data: str | None) -> bool:
        """The press is of a button the current screen shows: nothing else is obeyed. Checked
        against the screen's keys, without its texts or buttons."""
        if data is None:
            return False
        keys = step_keys(self.step, self.answers, self.plan(), why_open=bool(self.data.get("why")),
                         ruleset=self.ruleset, today=self.today, guess=self.data.get("guess"))
        return data in packed(keys, self.step)
