"""/start, the choice of language, /help, /menu and /cancel: reachable from any state."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LOCALES, telegram_locale
from handlers.common import renders_no_step, show_current_step
from handlers.keyboards import CHOOSE_LANGUAGE, LangCB, MenuCB, language_keyboard, menu_keyboard
from storage.repositories import ScreeningRepo, UserRepo
from storage.retention import erase_traces


def menu_text() -> str:
    return _(
        "<b>Main menu</b>\n"
        "I help residents of Sozak district learn which local social assistance "
        "(әлеуметтік көмек) they may get, what to bring and where to apply.\n"
        "Choose below."
    )


@renders_no_step
async def show_menu(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """The menu; or, while no language is known, the question of the language."""
    if data.get("user_language") is None and telegram_locale(data.get("event_from_user")) is None:
        await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
        return
    await message.answer(menu_text(), reply_markup=menu_keyboard())


async def start(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    user_language: str | None = None,
) -> None:
    await state.set_state(None)
    if user_language is None:
        detected = telegram_locale(message.from_user)
        if detected is None:
            await message.answer(CHOOSE_LANGUAGE, reply_markup=language_keyboard())
            return
        await _remember_language(session, i18n, message, detected)
    await message.answer(_("Hello! 👋") + "\n\n" + menu_text(), reply_markup=menu_keyboard())


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
    await show_current_step(message, state, {**data, "user_language": code})


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
    await show_current_step(query.message, state, {**data, "user_language": callback_data.code})


async def _remember_language(
    session: AsyncSession, i18n: I18n, event: Message | CallbackQuery, code: str
) -> None:
    if event.from_user is not None:
        await UserRepo(session).set_language(event.from_user.id, code)
        await session.commit()  # before the FSM storage writes (SQLite: one writer)
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


async def menu(message: Message, state: FSMContext) -> None:
    # Leave the conversation but keep its answers, so "continue" can pick it up.
    await state.set_state(None)
    await message.answer(menu_text(), reply_markup=menu_keyboard())


async def cancel(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.clear()
    if message.from_user is not None:  # "nothing is kept" includes the last saved check
        await ScreeningRepo(session).forget(message.from_user.id)
        await session.commit()
        await erase_traces(session)  # and not left in the SQLite write-ahead log
    await message.answer(_("Stopped. Nothing of it is kept.") + "\n\n" + menu_text(),
                         reply_markup=menu_keyboard())


async def back_to_menu(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(None)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(menu_text(), reply_markup=menu_keyboard())


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(ask_language, Command("language"))
    router.message.register(set_language_command, Command("lang"))
    router.callback_query.register(choose_language, LangCB.filter())
    router.message.register(help_, Command("help"))
    router.message.register(menu, Command("menu"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(back_to_menu, MenuCB.filter(F.item == "menu"))
    return router
