"""The screening conversation: statuses, follow-ups, review, result, checklist.

A button is obeyed only when the screen shown now offers it (the step is in its data): a
second tap, a press on an older message or forged data is answered and changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.parsing import (
    InputError,
    dont_know,
    parse_day_or_month,
    parse_int,
    parse_number,
    parse_past_date,
    yes_no,
)
from bot.places import Places
from bot.rules import Calendar, Ruleset
from bot.services.law import checkable_days
from handlers.common import (
    SCREEN,
    at_once,
    renders_steps_of,
    retire_screen,
    show_current_step,
)
from handlers.filters import TYPED, Magic
from handlers.keyboards import MenuCB, menu_button
from handlers.law import out_of_force_line
from handlers.screening import outcome, texts
from handlers.screening.answers import CHECKLISTS, MAX_CHILDREN, Answers
from handlers.screening.flow import KEY, Flow, Today
from handlers.screening.keyboards import SCB, button, markup
from handlers.start import back_to_menu
from storage.repositories import ScreeningRepo

MAX_INCOME = Decimal(100_000_000)  # tenge a month; anything above is a typo
LEAST_INCOME = Decimal(1000)  # a month; below it "did you mean …?"
EARLIEST_EVENT = date(2000, 1, 1)
# What "✏️" on the review reopens: a step and the ones that belong to it.
SECTIONS = {"groups": ("groups", "group."), "child.0": ("child.",),
            "situation": ("situation", "situation_date")}


class Screening(StatesGroup):
    active = State()
    # The entry's question (continue, the last result, or a new check): the current screen
    # for a citizen who types instead of pressing.
    choosing = State()


# -- showing screens -----------------------------------------------------------------------
async def edit_screen(query: CallbackQuery, flow: Flow, state: FSMContext) -> None:
    """The screen in place of the message pressed (an older screen loses its buttons)."""
    text, keyboard = flow.screen()
    if isinstance(query.message, Message) and query.bot is not None:
        await at_once(
            retire_screen(query.bot, query.message.chat.id, flow.others,
                          keep=query.message.message_id),
            query.message.edit_text(text, reply_markup=keyboard),
        )
        flow.others[SCREEN] = query.message.message_id
    await flow.save(state)


async def send_screen(message: Message, flow: Flow, state: FSMContext, bot: Bot) -> None:
    """A fresh screen below the citizen's message; the old one loses its buttons."""
    text, keyboard = flow.screen()
    sent = (await at_once(
        retire_screen(bot, message.chat.id, flow.others),
        message.answer(text, reply_markup=keyboard),
    ))[1]
    flow.others[SCREEN] = sent.message_id
    await flow.save(state)


@renders_steps_of(Screening)
async def show_step_again(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    if await state.get_state() == Screening.choosing.state:
        await _ask_again_how_to_go_on(message, state, data)
        return
    flow = await Flow.load(state, data["ruleset"], data["today"])
    await send_screen(message, flow, state, data["bot"])


# -- entering ------------------------------------------------------------------------------
async def open_check(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    today: Today,
) -> None:
    await query.answer()
    data = await state.get_data()
    asked = how_to_go_on(data, await _last_answers(query.from_user, session), ruleset, today)
    if asked is None:
        await _start(query, state, ruleset, today)
        return
    if isinstance(query.message, Message):
        await query.message.edit_text(asked[0], reply_markup=asked[1])
        await _choosing(state, data, query.message.message_id)


def how_to_go_on(
    data: dict[str, Any], last: dict[str, Any] | None, ruleset: Ruleset, today: Today
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The entry's question, or None when there is nothing to continue or reopen."""
    stored = data.get(KEY)
    rows = []
    if stored and not stored.get("finished"):
        rows.append([button(_("▶️ Continue where I stopped"), "resume")])
    if last is not None:
        rows.append([button(_("📋 Open my last result"), "last")])
    if not rows:
        return None
    rows.append([button(_("🔄 Start a new check"), "new")])
    rows.append([menu_button("menu", _("⬅️ Main menu"))])
    text = _("<b>What assistance may I get?</b>\nChoose how to go on.")
    warning = out_of_force_line(ruleset, today())  # before the question, as on step 1
    if warning:
        head, _nl, question = text.partition("\n")
        text = f"{head}\n{warning}\n{question}"
    return text, markup(rows)


async def _choosing(state: FSMContext, data: dict[str, Any], message_id: int) -> None:
    await state.set_state(Screening.choosing)
    data[SCREEN] = message_id  # a newer screen takes its buttons off
    await state.set_data(data)


async def _ask_again_how_to_go_on(
    message: Message, state: FSMContext, data: dict[str, Any]
) -> None:
    """The entry's question below what the citizen typed (the one above loses its buttons)."""
    stored = await state.get_data()
    last = await _last_answers(message.from_user, data.get("session"))
    asked = how_to_go_on(stored, last, data["ruleset"], data["today"])
    if message.bot is not None:
        await retire_screen(message.bot, message.chat.id, stored)
    if asked is None:  # nothing left to continue or reopen (erased meanwhile): the menu
        await state.set_data(stored)
        await state.set_state(None)
        await show_current_step(message, state, data)
        return
    sent = await message.answer(asked[0], reply_markup=asked[1])
    await _choosing(state, stored, sent.message_id)


async def _start(query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today) -> None:
    await state.set_state(Screening.active)
    flow = await Flow.load(state, ruleset, today)
    flow.restart()
    await edit_screen(query, flow, state)


async def new_check(
    query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today
) -> None:
    await at_once(query.answer(), _start(query, state, ruleset, today))


async def resume(query: CallbackQuery, state: FSMContext, ruleset: Ruleset, today: Today) -> None:
    await query.answer()
    flow = await Flow.load(state, ruleset, today)
    if not flow.data or flow.data.get("finished"):  # an old "Continue" after a result
        await _start(query, state, ruleset, today)
        return
    await state.set_state(Screening.active)
    await edit_screen(query, flow, state)


async def stale(query: CallbackQuery) -> None:
    """A press the screen shown now does not offer: a double tap, an older message, or
    forged data. Said in a notice; nothing changes."""
    await query.answer(_("That button is from an earlier message: nothing was changed."))


# -- answering with buttons ----------------------------------------------------------------
async def on_button(
    query: CallbackQuery, callback_data: SCB, state: FSMContext, session: AsyncSession,
    ruleset: Ruleset, today: Today, calendar: Calendar, clock: Clock, places: Places,
) -> None:
    flow = await Flow.load(state, ruleset, today)
    if not flow.offers(query.data):
        await stale(query)
        return
    act, arg = callback_data.act, callback_data.arg
    if act == "why":
        flow.data["why"] = not flow.data.get("why")
    elif act == "toggle":
        _toggle(flow, arg)
    elif act == "none":
        flow.answers.clear(flow.step)
        flow.forward()
    elif act == "add_child":  # offered below MAX_CHILDREN only
        flow.answers.children.append({})
        flow.go(f"child.{len(flow.answers.children) - 1}")
    elif act == "drop_child":
        index = int(flow.step.partition(".")[2])
        del flow.answers.children[index]
        flow.forget([f"child.{i}" for i in range(index, MAX_CHILDREN)])
        flow.go(f"child.{max(0, index - 1)}")
    elif act == "pick":
        _pick(flow, arg)
        flow.forward()
    elif act == "skip":
        if flow.step == "income":
            flow.answers.income, flow.answers.income_skipped = None, True
        else:
            flow.answers.age = None
        flow.forward()
    elif act == "next":
        problem = flow.missing()
        if problem:
            await query.answer(texts.input_error(problem, flow.step), show_alert=True)
            return
        flow.forward()
    elif act == "back":
        if not flow.backward():
            await flow.save(state)
            # Leaving the first step: the menu, answers kept.
            await back_to_menu(query, state, ruleset, clock, session)
            return
    elif act == "edit":
        flow.data["reviewing"] = True
        prefixes = SECTIONS.get(arg, (arg,))
        flow.forget([s for s in flow.plan() if s == arg or s.startswith(prefixes)])
        flow.go(arg)
    elif act == "result":
        await at_once(query.answer(),
                      show_result(query, flow, state, session, calendar, clock, places))
        return
    await at_once(query.answer(), edit_screen(query, flow, state))


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
    if step == "check_date":
        a.check_on = None  # "today"
    elif step == "wheelchair":
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
    elif step == "income":  # the answer to "did you mean …?"
        a.income, a.income_skipped = value, False


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
    kind = step.partition(".")[0]
    if dont_know(text):
        if kind not in ("income", "age"):
            raise InputError("need_this")
        if kind == "income":
            a.income, a.income_skipped = None, True
        else:
            a.age = None
        return True
    said = yes_no(text)
    if said is not None and kind in (*CHECKLISTS, "wheelchair"):
        return _yes_no(flow, said)
    if kind == "check_date":
        first, last = checkable_days(flow.ruleset, flow.clock_today)
        a.check_on = parse_day_or_month(
            text, today=flow.clock_today, first=first, last=last).isoformat()
        return True
    guess = flow.data.pop("guess", None)
    if said is not None and kind == "income" and guess is not None:  # "did you mean …?"
        if said:
            a.income, a.income_skipped = str(Decimal(guess) * 1000), False
        return said  # "no": the question again, without the guess
    if kind == "age":
        a.age = parse_int(text, low=0, high=130)
        return True
    if kind == "members":
        a.members = parse_int(text, low=1, high=50)
        return True
    if kind == "income":
        amount = parse_number(text, low=Decimal(0), high=MAX_INCOME)
        if amount < LEAST_INCOME:
            flow.data["guess"] = str(amount)  # asked about on the screen, not stored
            return False
        a.income, a.income_skipped = str(amount), False
        return True
    if kind == "situation_date":
        a.occurred_on = parse_past_date(
            text, today=flow.today, earliest=EARLIEST_EVENT
        ).isoformat()
        return True
    if kind == "child":
        a.children[int(step.partition(".")[2])]["age"] = parse_int(text, low=0, high=17)
        return False  # the flags are on the same screen: stay for them
    raise InputError("use_buttons")


def _yes_no(flow: Flow, yes: bool) -> bool:
    """"да"/"жоқ" typed on a screen of boxes or on the wheelchair question."""
    a, step = flow.answers, flow.step
    if not yes:
        if step == "wheelchair":
            a.wheelchair = "none"
        else:
            a.clear(step)
        return True
    candidates = a.history_candidates(flow.ruleset, flow.today) if step == "history" else []
    if len(candidates) != 1:
        raise InputError("which_one")
    a.history[:] = candidates
    return True


# -- the result ----------------------------------------------------------------------------
async def show_result(
    query: CallbackQuery, flow: Flow, state: FSMContext, session: AsyncSession,
    calendar: Calendar, clock: Clock, places: Places,
) -> None:
    if query.from_user is not None:
        await ScreeningRepo(session).save(query.from_user.id, flow.answers.to_dict())
    flow.data.update(finished=True, reviewing=False)
    flow.others.pop(SCREEN, None)  # the screen becomes the result: its buttons stay
    await flow.save(state)
    await state.set_state(None)
    if isinstance(query.message, Message):
        await outcome.present(query.message, flow.answers, flow.ruleset, clock, calendar, places)


async def open_last(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    today: Today, calendar: Calendar, clock: Clock, places: Places,
) -> None:
    await query.answer()
    last = await _last_answers(query.from_user, session)
    if last is None:
        await _start(query, state, ruleset, today)
        return
    flow = await Flow.load(state, ruleset, today)
    flow.restart(Answers.from_dict(last), "review")
    await show_result(query, flow, state, session, calendar, clock, places)


async def _last_answers(
    user: User | None, session: AsyncSession | None
) -> dict[str, Any] | None:
    if user is None or session is None:
        return None
    return await ScreeningRepo(session).last(user.id)


def build_router() -> Router:
    router = Router(name="screening")
    # First, as most updates are presses on a step's screen: buttons that carry a step are
    # only those (a result's and the entry's carry none), so none of the below would take one
    # but as forged. The state is checked before the data is unpacked.
    router.callback_query.register(on_button, StateFilter(Screening.active),
                                   SCB.filter(F.step != ""))
    router.callback_query.register(open_check, MenuCB.filter(F.item == "check"))
    outcome.register(router)  # the result's own screens
    router.callback_query.register(new_check, SCB.filter(F.act == "new"))
    router.callback_query.register(resume, SCB.filter(F.act == "resume"))
    router.callback_query.register(open_last, SCB.filter(F.act == "last"))
    # During a check no result is finished: "edit" without a step is stale there too.
    router.callback_query.register(_edit_after_result, SCB.filter(F.act == "edit"))
    router.callback_query.register(stale, SCB.filter())
    router.message.register(on_text, StateFilter(Screening.active), Magic(TYPED))
    return router


async def _edit_after_result(
    query: CallbackQuery, callback_data: SCB, state: FSMContext, ruleset: Ruleset, today: Today
) -> None:
    """"Change my answers" under a result: back into the flow at the review screen."""
    flow = await Flow.load(state, ruleset, today)
    if not flow.data.get("finished"):  # no result to change: a check since, or /cancel
        await stale(query)
        return
    await query.answer()
    await state.set_state(Screening.active)
    flow.data.update(finished=False, reviewing=True)
    flow.go("review")
    await edit_screen(query, flow, state)
