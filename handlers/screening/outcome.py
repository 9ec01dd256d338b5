"""After the check: the one-screen answer, each benefit one tap away, the checklist and where
to apply, and back. Every screen edits the same message, so the chat stays short.

The answers come from the finished check in the FSM, or else the last saved check; the result
is computed again on the day the check was for, so nothing of it is stored twice.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.places import Places
from bot.rules import Calendar, Result, Ruleset
from bot.services.law import can_apply
from handlers.formatting import current_locale, money
from handlers.keyboards import MenuCB, menu_button
from handlers.places import PlaceCB, find_akim_button
from handlers.screening.answers import Answers
from handlers.screening.flow import KEY
from handlers.screening.keyboards import SCB, Rows, button, markup
from handlers.screening.result import (
    benefit_text,
    checklist_text,
    exclusion_line,
    income_text,
    summary_text,
)
from handlers.screening.result_pdf import result_pdf
from storage.repositories import ScreeningRepo


def evaluate(answers: Answers, ruleset: Ruleset, clock: Clock, calendar: Calendar) -> Result:
    return answers.evaluate(ruleset, answers.check_day(clock.today()), calendar=calendar)


def summary_keyboard(live: bool, *, to_apply: bool = False) -> InlineKeyboardMarkup:
    """``to_apply``: something in the result needs an application (the application starts)."""
    rows: Rows = [[menu_button("apply", _("📝 Apply"))]] if live and to_apply else []
    rows.append([button(_("📋 Each kind of assistance"), "details")])
    if live:
        rows.append([button(_("📄 What to bring and where"), "documents")])
    where = _("📍 Where to apply") if live else _("📍 Where to ask today")
    rows.append([_place(where)])
    rows.append([button(_("💾 Save as PDF"), "pdf")])
    rows.append([button(_("✏️ Change my answers"), "edit", "review")])
    rows.append([menu_button("menu", _("⬅️ Main menu"))])
    return markup(rows)


def _place(text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=PlaceCB(act="where", back="result").pack())


def _back_rows(*, to_list: bool = False) -> Rows:
    rows: Rows = []
    if to_list:
        rows.append([button(_("⬅️ Each kind of assistance"), "details")])
    rows.append([button(_("⬅️ Back to the result"), "summary")])
    return rows


async def present(
    message: Message, answers: Answers, ruleset: Ruleset, clock: Clock, calendar: Calendar,
    places: Places,
) -> None:
    """The one-screen answer, in place of the screen the citizen pressed on."""
    result = evaluate(answers, ruleset, clock, calendar)
    today = clock.today()
    text = summary_text(result, answers, ruleset, today=today, calendar=calendar, places=places)
    to_apply = any(g.benefit.needs_application for g in result.benefits)
    await message.edit_text(
        text, reply_markup=summary_keyboard(can_apply(ruleset, today), to_apply=to_apply))


async def finished_answers(
    query: CallbackQuery, state: FSMContext, session: AsyncSession
) -> Answers | None:
    """The finished check of this conversation, else the last saved one."""
    stored = (await state.get_data()).get(KEY) or {}
    data = stored.get("answers") if stored.get("finished") else None
    if data is None and query.from_user is not None:
        data = await ScreeningRepo(session).last(query.from_user.id)
    return None if data is None else Answers.from_dict(data)


async def _answers_here(
    query: CallbackQuery, state: FSMContext, session: AsyncSession
) -> tuple[Message, Answers] | None:
    """The press answered, and the message and answers to show; without a check, how to get
    one (None)."""
    await query.answer()
    if not isinstance(query.message, Message):
        return None
    answers = await finished_answers(query, state, session)
    if answers is None:
        await _no_check(query.message)
        return None
    return query.message, answers


async def _result_here(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    clock: Clock, calendar: Calendar,
) -> tuple[Message, Answers, Result] | None:
    """As :func:`_answers_here`, with the result of those answers."""
    here = await _answers_here(query, state, session)
    if here is None:
        return None
    message, answers = here
    return message, answers, evaluate(answers, ruleset, clock, calendar)


async def _no_check(message: Message) -> None:
    rows = [[menu_button("check", _("🔎 What assistance may I get?"))],
            [menu_button("menu", _("⬅️ Main menu"))]]
    await message.edit_text(
        _("The documents depend on the assistance. Do the check first, and I will make "
          "one list for everything you may apply for."), reply_markup=markup(rows))


async def on_result_button(
    query: CallbackQuery, callback_data: SCB, state: FSMContext, session: AsyncSession,
    ruleset: Ruleset, clock: Clock, calendar: Calendar, places: Places,
) -> None:
    """summary | details | detail:<id> | documents, under a result."""
    here = await _answers_here(query, state, session)
    if here is None:
        return
    message, answers = here
    act = callback_data.act
    if act == "summary":
        await present(message, answers, ruleset, clock, calendar, places)
        return
    result = evaluate(answers, ruleset, clock, calendar)
    live = can_apply(ruleset, clock.today())
    if act == "details":
        text, rows = _details(result, answers, ruleset, calendar)
    elif act == "detail":
        text, rows = _detail(callback_data.arg, result, answers, ruleset, calendar, live)
    else:
        text = checklist_text(result, ruleset, places, live=live)
        rows = [[find_akim_button("result")], *_back_rows()]
    await message.edit_text(text, reply_markup=markup(rows))


def _details(
    result: Result, answers: Answers, ruleset: Ruleset, calendar: Calendar
) -> tuple[str, Rows]:
    lang = current_locale()
    lines = ["<b>" + _("Each kind of assistance") + "</b>",
             _("Press one to read how much, when and why.")]
    rows: Rows = []
    for g in result.benefits:
        amount = money(g.total_kzt)
        if g.benefit.up_to:
            amount = _("up to {amount}").format(amount=amount)
        rows.append([button(f"{g.benefit.title.get(lang)} — {amount}", "detail", g.id)])
    if result.excluded:
        lines += ["", "<b>" + _("Not granted, and why") + "</b>"]
        lines += [exclusion_line(e, result, answers, ruleset, calendar) for e in result.excluded]
    income = income_text(result, answers)
    if income:
        lines += ["", income]
    return "\n".join(lines), rows + _back_rows()


def _detail(
    bid: str, result: Result, answers: Answers, ruleset: Ruleset, calendar: Calendar,
    live: bool,
) -> tuple[str, Rows]:
    granted = next((g for g in result.benefits if g.id == bid), None)
    if granted is None:  # an old button after the answers changed: the list as it is now
        return _details(result, answers, ruleset, calendar)
    text = benefit_text(granted, answers, ruleset, calendar, result, live=live)
    return text, _back_rows(to_list=True)


def register(router: Router) -> None:
    """On the screening's router, outside any state: a result stays readable afterwards."""
    acts = {"summary", "details", "detail", "documents"}
    router.callback_query.register(on_result_button, SCB.filter(F.act.in_(acts)))
    # Only as a result's button ("" step): the same act with a step is forged or stale.
    router.callback_query.register(save_pdf, SCB.filter((F.act == "pdf") & (F.step == "")))
    router.callback_query.register(documents_from_menu, MenuCB.filter(F.item == "documents"))


async def save_pdf(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    clock: Clock, calendar: Calendar, places: Places,
) -> None:
    """The result and the checklist as a one-page PDF, sent below; the screen stays."""
    here = await _result_here(query, state, session, ruleset, clock, calendar)
    if here is None:
        return
    message, answers, result = here
    data = result_pdf(result, answers, ruleset, clock, calendar, places)
    name = f"result-{result.on_date.isoformat()}.pdf"
    await message.answer_document(BufferedInputFile(data, name), caption=_(
        "Your result and the list of documents: print it or show it at the office."))


async def documents_from_menu(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, ruleset: Ruleset,
    clock: Clock, calendar: Calendar, places: Places,
) -> None:
    """The merged checklist of the last result, or how to get one; Back to the menu."""
    here = await _result_here(query, state, session, ruleset, clock, calendar)
    if here is None:
        return
    message, _answers, result = here
    await message.edit_text(
        checklist_text(result, ruleset, places, live=can_apply(ruleset, clock.today())),
        reply_markup=markup([[find_akim_button("menu")],
                             [menu_button("menu", _("⬅️ Main menu"))]]))
