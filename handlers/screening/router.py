"""The screening conversation: statuses, follow-ups, review, result, checklist.

Its FSM data lives under one key, "screening": the answers, the current step, whether the
reason is open, and whether the citizen came from the review screen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.parsing import InputError, parse_int, parse_number, parse_past_date
from bot.rules import Calendar, Ruleset
from handlers.common import renders_steps_of
from handlers.keyboards import MenuCB, back_to_menu_keyboard, menu_button
from handlers.screening import texts
from handlers.screening.answers import MAX_CHILDREN, Answers
from handlers.screening.keyboards import SCB, button, markup, result_keyboard
from handlers.screening.result import checklist_text, result_messages
from handlers.screening.screens import render_step
from handlers.start import back_to_menu
from storage.repositories import ScreeningRepo

KEY = "screening"
MAX_INCOME = Decimal(100_000_000)  # tenge a month; anything above is a typo
EARLIEST_EVENT = date(2000, 1, 1)
Today = Callable[[], date]


class Screening(StatesGroup):
    active = State()


class Flow:
    """One citizen's screening as stored in the FSM, with the services it needs."""

    def __init__(
        self, data: dict[str, Any], ruleset: Ruleset, today: date,
        others: dict[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.others = others or {}  # other conversations' FSM data, written back untouched
        self.answers = Answers.from_dict(data.get("answers"))
        self.ruleset, self.today = ruleset, today

    @classmethod
    async def load(cls, state: FSMContext, ruleset: Ruleset, today: Today) -> Flow:
        everything = await state.get_data()
        return cls(dict(everything.get(KEY) or {}), ruleset, today(), everything)

    async def save(self, state: FSMContext) -> None:
        self.data["answers"] = self.answers.to_dict()
        # One write of what was read (set_data), not a locked read-modify-write (update_data).
        await state.set_data({**self.others, KEY: self.data})

    @property
    def step(self) -> str:
        return str(self.data.get("step") or "groups")

    def plan(self) -> list[str]:
        return self.answers.plan(self.ruleset, self.today)

    def go(self, step: str) -> None:
        seen = set(self.data.get("seen") or [])
        seen.add(step)
        self.data.update(step=step, why=False, seen=sorted(seen))

    def forward(self) -> None:
        plan, seen = self.plan(), set(self.data.get("seen") or [])
        later = plan[plan.index(self.step) + 1 :] if self.step in plan else ["review"]
        if self.data.get("reviewing"):
            later = [s for s in later if s not in seen] or ["review"]
        self.go(later[0])

    def backward(self) -> bool:
        """False when there is nothing before: the citizen leaves to the menu."""
        plan = self.plan()
        index = plan.index(self.step) if self.step in plan else len(plan)
        if index == 0:
            return False
        self.go(plan[index - 1])
        return True

    def screen(self) -> tuple[str, InlineKeyboardMarkup]:
        return render_step(
            self.step, self.answers, self.plan(), why_open=bool(self.data.get("why")),
            ruleset=self.ruleset, today=self.today,
        )


# -- showing screens -----------------------------------------------------------------------
async def edit_screen(query: CallbackQuery, flow: Flow, state: FSMContext) -> None:
    await flow.save(state)
    text, keyboard = flow.screen()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=keyboard)


async def send_screen(message: Message, flow: Flow, state: FSMContext, bot: Bot) -> None:
    """A fresh screen below the citizen's message; the old one loses its buttons."""
    old = flow.data.get("screen")
    if old:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=int(old), reply_markup=None
            )
    text, keyboard = flow.screen()
    sent = await message.answer(text, reply_markup=keyboard)
    flow.data["screen"] = sent.message_id
    await flow.save(state)


@renders_steps_of(Screening)
async def show_step_again(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    flow = await Flow.load(state, data["ruleset"], data["today"])
    await send_screen(message, flow, state, data["bot"])


# -- entering ------------------------------------------------------------------------------
async def open_check(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    today: Today,
) -> None:
    await query.answer()
    stored = (await state.get_data()).get(KEY)
    last = await _last_answers(query, session)
    rows = []
    if stored and not stored.get("finished"):
        rows.append([button(_("▶️ Continue where I stopped"), "resume")])
    if last is not None:
        rows.append([button(_("📋 Open my last result"), "last")])
    if not rows:
        await _start(query, state, ruleset, today)
        return
    rows.append([button(_("🔄 Start a new check"), "new")])
    rows.append([menu_button("menu", _("⬅️ Main menu"))])
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("<b>What assistance may I get?</b>\nChoose how to go on."), reply_markup=markup(rows)
        )


async def _start(query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today) -> None:
    await state.set_state(Screening.active)
    flow = await Flow.load(state, ruleset, today)
    flow.data, flow.answers = {"step": "groups", "seen": ["groups"]}, Answers()
    await edit_screen(query, flow, state)


async def new_check(
    query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today
) -> None:
    await query.answer()
    await _start(query, state, ruleset, today)


async def resume(query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today) -> None:
    await query.answer()
    await state.set_state(Screening.active)
    await edit_screen(query, await Flow.load(state, ruleset, today), state)


# -- answering with buttons ----------------------------------------------------------------
async def on_button(
    query: CallbackQuery, callback_data: SCB, state: FSMContext, session: AsyncSession,
    ruleset: Ruleset, today: Today, calendar: Calendar,
) -> None:
    flow = await Flow.load(state, ruleset, today)
    act, arg = callback_data.act, callback_data.arg
    if act == "why":
        flow.data["why"] = not flow.data.get("why")
    elif act == "toggle":
        _toggle(flow, arg)
    elif act == "add_child":
        if len(flow.answers.children) < MAX_CHILDREN:
            flow.answers.children.append({})
            flow.go(f"child.{len(flow.answers.children) - 1}")
    elif act == "drop_child" and flow.step.startswith("child."):
        index = int(flow.step.partition(".")[2])
        if len(flow.answers.children) > 1 and index < len(flow.answers.children):
            del flow.answers.children[index]
            flow.go(f"child.{max(0, index - 1)}")
    elif act == "pick":
        _pick(flow, arg)
        flow.forward()
    elif act == "skip":
        if flow.step == "income":
            flow.answers.income, flow.answers.income_skipped = None, True
        elif flow.step == "age":
            flow.answers.age = None
        flow.forward()
    elif act == "next":
        problem = _missing(flow)
        if problem:
            await query.answer(texts.input_error(problem), show_alert=True)
            return
        flow.forward()
    elif act == "back":
        if not flow.backward():
            await flow.save(state)
            await back_to_menu(query, state, session)  # the first step: the menu, answers kept
            return
    elif act == "edit":
        flow.data["reviewing"] = True
        flow.go(arg)
    elif act == "result":
        await query.answer()
        await show_result(query, flow, state, session, calendar)
        return
    await query.answer()
    await edit_screen(query, flow, state)


def _toggle(flow: Flow, item: str) -> None:
    a, step = flow.answers, flow.step
    if step == "groups":
        _flip(a.groups, item)
    elif step == "group.family" and item == "children":
        a.has_children = not a.has_children
        if a.has_children and not a.children:
            a.children.append({})
    elif step.startswith("group."):
        _flip(a.statuses, item)
    elif step.startswith("child."):
        child = a.children[int(step.partition(".")[2])]
        child[item] = not child.get(item)
    elif step == "history":
        _flip(a.history, item)


def _flip(items: list[str], item: str) -> None:
    if item in items:
        items.remove(item)
    else:
        items.append(item)


def _pick(flow: Flow, value: str) -> None:
    a, step = flow.answers, flow.step
    if step == "wheelchair":
        a.wheelchair = value
    elif step == "situation":
        if value != a.situation:
            a.occurred_on = None
        a.situation = value
    elif step == "situation_date":
        delta = 0 if value == "today" else 1
        a.occurred_on = (flow.today - timedelta(days=delta)).isoformat()
    elif step == "members":
        a.members = int(value)


def _missing(flow: Flow) -> str | None:
    """What a step still needs before Next, as an input_error reason."""
    a, step = flow.answers, flow.step
    if step.startswith("child."):
        index = int(step.partition(".")[2])
        if index < len(a.children) and a.children[index].get("age") is None:
            return "need_age"
    if step == "situation" and a.situation is None:
        return "need_answer"
    if step == "situation_date" and a.occurred_on is None:
        return "need_date"
    return None


# -- answering with text -------------------------------------------------------------------
async def on_text(
    message: Message, state: FSMContext, bot: Bot, ruleset: Ruleset, today: Today
) -> None:
    flow = await Flow.load(state, ruleset, today)
    try:
        moved = _typed(flow, message.text or "")
    except InputError as err:
        await message.answer(texts.input_error(err.reason, flow.step))
        await send_screen(message, flow, state, bot)
        return
    if moved:
        flow.forward()
    await send_screen(message, flow, state, bot)


def _typed(flow: Flow, text: str) -> bool:
    """Store a typed answer; True when the step is complete and the flow moves on."""
    a, step = flow.answers, flow.step
    if step == "age":
        a.age = parse_int(text, low=0, high=130)
        return True
    if step == "members":
        a.members = parse_int(text, low=1, high=50)
        return True
    if step == "income":
        a.income = str(parse_number(text, low=Decimal(0), high=MAX_INCOME))
        a.income_skipped = False
        return True
    if step == "situation_date":
        a.occurred_on = parse_past_date(
            text, today=flow.today, earliest=EARLIEST_EVENT
        ).isoformat()
        return True
    if step.startswith("child."):
        index = int(step.partition(".")[2])
        a.children[index]["age"] = parse_int(text, low=0, high=17)
        return False  # the flags are on the same screen: stay for them
    raise InputError("use_buttons")


# -- the result ----------------------------------------------------------------------------
async def show_result(
    query: CallbackQuery, flow: Flow, state: FSMContext, session: AsyncSession,
    calendar: Calendar,
) -> None:
    result = flow.answers.evaluate(flow.ruleset, flow.today, calendar=calendar)
    if query.from_user is not None:
        await ScreeningRepo(session).save(query.from_user.id, flow.answers.to_dict())
        await session.commit()  # before the FSM storage writes (SQLite: one writer)
    flow.data.update(finished=True, reviewing=False)
    await flow.save(state)
    await state.set_state(None)
    if not isinstance(query.message, Message):
        return
    messages = result_messages(result, flow.answers, flow.ruleset)
    keyboard = result_keyboard(can_apply=any(g.benefit.needs_application
                                             for g in result.benefits))
    await query.message.edit_text(messages[0], reply_markup=None if len(messages) > 1
                                  else keyboard)
    for i, text in enumerate(messages[1:], start=2):
        await query.message.answer(text, reply_markup=keyboard if i == len(messages) else None)


async def open_last(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    today: Today, calendar: Calendar,
) -> None:
    await query.answer()
    last = await _last_answers(query, session)
    if last is None:
        await _start(query, state, ruleset, today)
        return
    flow = await Flow.load(state, ruleset, today)
    flow.data, flow.answers = {"step": "review"}, Answers.from_dict(last)
    await show_result(query, flow, state, session, calendar)


async def documents(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    today: Today, calendar: Calendar,
) -> None:
    """The merged checklist of the last result, or how to get one."""
    await query.answer()
    stored = (await state.get_data()).get(KEY) or {}
    answers = stored.get("answers") if stored.get("finished") else None
    answers = answers or await _last_answers(query, session)
    if not isinstance(query.message, Message):
        return
    if answers is None:
        rows = [[menu_button("check", _("🔎 What assistance may I get?"))],
                [menu_button("menu", _("⬅️ Main menu"))]]
        await query.message.edit_text(
            _("The documents depend on the assistance. Do the check first, and I will make "
              "one list for everything you may apply for."), reply_markup=markup(rows))
        return
    result = Answers.from_dict(answers).evaluate(ruleset, today(), calendar=calendar)
    await query.message.answer(
        checklist_text(result, ruleset), reply_markup=back_to_menu_keyboard()
    )


async def _last_answers(query: CallbackQuery, session: AsyncSession) -> dict[str, Any] | None:
    if query.from_user is None:
        return None
    return await ScreeningRepo(session).last(query.from_user.id)


def build_router() -> Router:
    router = Router(name="screening")
    router.callback_query.register(open_check, MenuCB.filter(F.item == "check"))
    router.callback_query.register(documents, MenuCB.filter(F.item == "documents"))
    router.callback_query.register(documents, SCB.filter(F.act == "documents"))
    router.callback_query.register(new_check, SCB.filter(F.act == "new"))
    router.callback_query.register(resume, SCB.filter(F.act == "resume"))
    router.callback_query.register(open_last, SCB.filter(F.act == "last"))
    router.callback_query.register(on_button, SCB.filter(), Screening.active)
    router.callback_query.register(_edit_after_result, SCB.filter(F.act == "edit"))
    router.message.register(on_text, Screening.active, F.text, ~F.text.startswith("/"))
    return router


async def _edit_after_result(
    query: CallbackQuery, callback_data: SCB, state: FSMContext, ruleset: Ruleset, today: Today
) -> None:
    """"Change my answers" under a result: back into the flow at the review screen."""
    await query.answer()
    await state.set_state(Screening.active)
    flow = await Flow.load(state, ruleset, today)
    flow.data.update(finished=False, reviewing=True)
    flow.go("review")
    await edit_screen(query, flow, state)
