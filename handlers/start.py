"""/start, the choice of language, /help, /menu and /cancel: reachable from any state."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import LOCALES, telegram_locale
from bot.rules import Ruleset
from bot.services.law import can_apply
from handlers.common import SCREEN, renders_no_step, retire_screen, show_current_step
from handlers.keyboards import CHOOSE_LANGUAGE, LangCB, MenuCB, language_keyboard, menu_keyboard
from handlers.law import out_of_force_line
from storage.applications import ApplicationRepo
from storage.repositories import ScreeningRepo, UserRepo
from storage.retention import erase_traces
from storage.unit import commit_then


def menu_text(ruleset: Ruleset, today: date) -> str:
    lines = ["<b>" + _("Main menu") + "</b>"]
    warning = out_of_force_line(ruleset, today)
    if warning:
        lines.append(warning)
    lines.append(_(
        "I help residents of Sozak district learn which local social assistance "
        "(әлеуметтік көмек) they may get, what to bring and where to apply.\n"
        "Choose below."
    ))
    return "\n".join(lines)


def main_menu(
    ruleset: Ruleset, clock: Clock, *, has_draft: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The menu's text and buttons for today: "apply" only while the decision is in force,
    «Continue my application» while the user has a draft."""
    today = clock.today()
    keyboard = menu_keyboard(applying=can_apply(ruleset, today), has_draft=has_draft)
    return menu_text(ruleset, today), keyboard


async def has_draft(session: AsyncSession | None, user: User | None) -> bool:
    """Whether the user has an unfinished application (False when it cannot be told: the menu
    never fails for it)."""
    if session is None or user is None:
        return False
    try:
        return await ApplicationRepo(session).has_draft(user.id)
    except SQLAlchemyError:
        return False


@renders_no_step
async def show_menu(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """The menu; or, while no language is known, the question of the language."""
    if data.get("user_language") is None and telegram_locale(data.get("event_from_user")) is None:
        await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
        return
    draft = await has_draft(data.get("session"), data.get("event_from_user"))
    text, keyboard = main_menu(data["ruleset"], data["clock"], has_draft=draft)
    await message.answer(text, reply_markup=keyboard)


async def start(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    ruleset: Ruleset,
    clock: Clock,
    user_language: str | None = None,
) -> None:
    await leave_screen(message, state)
    if user_language is None:
        detected = telegram_locale(message.from_user)
        if detected is None:
            await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
            return
        await _remember_language(session, i18n, message, detected)
    draft = await has_draft(session, message.from_user)
    text, keyboard = main_menu(ruleset, clock, has_draft=draft)
    await message.answer(_("Hello! 👋") + "\n\n" + text, reply_markup=keyboard)


async def ask_language(message: Message) -> None:
    await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())


async def set_language_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    **data: Any,
) -> None:
    code = (command.args or "").strip().lower()
    if code not in LOCALES:
        await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
        return
    await _remember_language(session, i18n, message, code)
    await message.answer(_("Language: English"))
    await show_current_step(message, state, {**data, "session": session, "user_language": code})


async def choose_language(
    query: CallbackQuery,
    callback_data: LangCB,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    **data: Any,
) -> None:
    if not isinstance(query.message, Message):
        await query.answer()
        return
    if callback_data.code not in LOCALES:  # an old button: ask again rather than stay silent
        await query.answer()
        await query.message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
        return
    await _remember_language(session, i18n, query, callback_data.code)
    await query.answer()
    await query.message.edit_text(_("Language: English"))
    await show_current_step(
        query.message, state, {**data, "session": session, "user_language": callback_data.code}
    )


async def _remember_language(
    session: AsyncSession, i18n: I18n, event: Message | CallbackQuery, code: str
) -> None:
    if event.from_user is not None:
        await UserRepo(session).set_language(event.from_user.id, code)
    i18n.current_locale = code


async def help_(message: Message, state: FSMContext, **data: Any) -> None:
    await message.answer(
        _(
            "You can press the buttons or type a number where one is asked.\n"
            "/menu — main menu (your answers are kept)\n"
            "/cancel — stop and forget the answers of this check\n"
            "/forget — erase everything the bot keeps about you\n"
            "/language — Қазақша / Русский\n"
            "/help — this help"
        )
    )
    await show_current_step(message, state, data)


async def menu(
    message: Message, state: FSMContext, ruleset: Ruleset, clock: Clock, session: AsyncSession
) -> None:
    # Leave the conversation but keep its answers, so "continue" can pick it up.
    await leave_screen(message, state)
    draft = await has_draft(session, message.from_user)
    text, keyboard = main_menu(ruleset, clock, has_draft=draft)
    await message.answer(text, reply_markup=keyboard)


async def cancel(
    message: Message, state: FSMContext, session: AsyncSession, ruleset: Ruleset, clock: Clock
) -> None:
    await leave_screen(message, state)
    await state.clear()
    if message.from_user is not None:  # "nothing is kept" includes the last saved check
        await ScreeningRepo(session).forget(message.from_user.id)
        # ... and not left in the SQLite write-ahead log, once the update commits.
        await commit_then(session, partial(erase_traces, session))
    draft = await has_draft(session, message.from_user)
    text, keyboard = main_menu(ruleset, clock, has_draft=draft)
    await message.answer(_("Stopped. Nothing of it is kept.") + "\n\n" + text,
                         reply_markup=keyboard)


async def leave_screen(message: Message, state: FSMContext) -> None:
    """Out of any conversation, its answers kept; the screen left behind loses its buttons."""
    await state.set_state(None)
    data = await state.get_data()
    if SCREEN in data and message.bot is not None:
        await retire_screen(message.bot, message.chat.id, data)
        await state.set_data(data)


async def back_to_menu(
    query: CallbackQuery, state: FSMContext, ruleset: Ruleset, clock: Clock,
    session: AsyncSession | None = None,
) -> None:
    await state.set_state(None)
    await query.answer()
    if isinstance(query.message, Message):
        draft = await has_draft(session, query.from_user)
        text, keyboard = main_menu(ruleset, clock, has_draft=draft)
        await query.message.edit_text(text, reply_markup=keyboard)


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart(ignore_case=True))
    router.message.register(ask_language, Command("language", ignore_case=True))
    router.message.register(set_language_command, Command("lang", ignore_case=True))
    router.callback_query.register(choose_language, LangCB.filter())
    router.message.register(help_, Command("help", ignore_case=True))
    router.message.register(menu, Command("menu", ignore_case=True))
    router.message.register(cancel, Command("cancel", ignore_case=True))
    router.callback_query.register(back_to_menu, MenuCB.filter(F.item == "menu"))
    return router
