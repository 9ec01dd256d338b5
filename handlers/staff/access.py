"""The one staff check, and what everyone else gets when they try a staff command or button.

Staff are the accounts in ``STAFF_IDS``; they work in the staff chat (``STAFF_CHAT_ID``) or in
a private chat with the bot. Anyone else gets the citizen menu (in a private chat) or nothing
(in a group), and the attempt is logged by kind and place only: no id, no name, no text.
The citizen conversation stays out of the staff chat altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import STAFF_COMMANDS as COMMAND_LIST
from bot.config import Settings
from bot.rules import Ruleset
from handlers.filters import Magic
from handlers.start import has_draft, main_menu

log = logging.getLogger(__name__)

# Staff commands (named in bot/commands.py, for Telegram's menu) and the callback-data prefixes
# of staff buttons. A staff module that adds a button kind lists its prefix here, so the guard
# below refuses it to everyone else.
STAFF_COMMANDS: list[str] = [name for name, _description in COMMAND_LIST]
STAFF_CALLBACK_PREFIXES: list[str] = ["st", "dc"]


def is_staff(user_id: int | None, settings: Settings) -> bool:
    return user_id is not None and user_id in settings.staff_ids


def is_staff_chat(chat: Chat | None, settings: Settings) -> bool:
    return chat is not None and settings.staff_chat_id is not None \
        and chat.id == settings.staff_chat_id


def _place_allowed(chat: Chat | None, settings: Settings) -> bool:
    return chat is not None and (chat.type == "private" or is_staff_chat(chat, settings))


def _chat_of(event: Message | CallbackQuery) -> Chat | None:
    if isinstance(event, Message):
        return event.chat
    return event.message.chat if event.message is not None else None


class StaffOnly(BaseFilter):
    """A staff member, in the staff chat or in a private chat with the bot."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user: User | None = event.from_user
        return is_staff(user.id if user else None, settings) \
            and _place_allowed(_chat_of(event), settings)


def is_staff_callback(data: str | None) -> bool:
    return data is not None and data.split(":", 1)[0] in STAFF_CALLBACK_PREFIXES


STAFF_PRESS = F.data.func(is_staff_callback)


def is_staff_command(text: str) -> bool:
    """``/queue``, ``/QUEUE@sozak_bot 5``…: a staff command by its name, in any case."""
    words = text[1:].split(maxsplit=1) if text.startswith("/") else []
    return bool(words) and words[0].partition("@")[0].casefold() in STAFF_COMMANDS


class StaffMatter(BaseFilter):
    """What the staff routers may take at all: a staff member's update, anything in the staff
    chat, a staff button, or a staff command (the guard refuses them to everyone else).
    Checked once for them all, so a citizen's update, /start included, passes them by at
    once."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user: User | None = event.from_user
        if is_staff(user.id if user else None, settings) \
                or is_staff_chat(_chat_of(event), settings):
            return True
        if isinstance(event, CallbackQuery):
            return is_staff_callback(event.data)
        return is_staff_command(event.text or event.caption or "")


# --- the staff chat speaks the staff language -------------------------------------------------

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StaffChatLocale(BaseMiddleware):
    """In the staff chat everyone reads ``STAFF_LOCALE`` (else ``DEFAULT_LOCALE``); in a private
    chat a staff member keeps their own /language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        settings: Settings = data["settings"]
        i18n: I18n = data["i18n"]
        chat = _chat_of(event) if isinstance(event, Message | CallbackQuery) else None
        if not is_staff_chat(chat, settings):
            return await handler(event, data)
        with i18n.use_locale(settings.staff_locale or settings.default_locale):
            return await handler(event, data)


# --- everyone else --------------------------------------------------------------------------


def _log_refusal(what: str, chat: Chat | None) -> None:
    log.warning("staff %s refused: not staff or not a staff place (%s chat)",
                what, chat.type if chat else "no")


async def refuse_command(message: Message, ruleset: Ruleset, clock: Clock,
                         session: AsyncSession) -> None:
    _log_refusal("command", message.chat)
    if message.chat.type == "private":
        await _citizen_menu(message, message.from_user, ruleset, clock, session)


async def refuse_button(query: CallbackQuery, ruleset: Ruleset, clock: Clock,
                        session: AsyncSession) -> None:
    chat = _chat_of(query)
    _log_refusal("button", chat)
    await query.answer()
    if chat is not None and chat.type == "private" and isinstance(query.message, Message):
        await _citizen_menu(query.message, query.from_user, ruleset, clock, session)


async def _citizen_menu(message: Message, user: User | None, ruleset: Ruleset, clock: Clock,
                        session: AsyncSession) -> None:
    """The citizen's menu, as /menu shows it."""
    text, keyboard = main_menu(ruleset, clock, has_draft=await has_draft(session, user))
    await message.answer(text, reply_markup=keyboard)


async def old_staff_button(query: CallbackQuery) -> None:
    """A staff member's button that no staff handler took (malformed or from an old card)."""
    await query.answer(_("That button is no longer valid."))


async def ignore(event: TelegramObject) -> None:
    """In the staff chat, what is not staff work gets no answer (no citizen conversation)."""
    if isinstance(event, CallbackQuery):
        await event.answer()


def build_guard_router() -> Router:
    """Included after every staff router: takes what they refused."""
    router = Router(name="staff-guard")
    router.message.register(refuse_command, Command(*STAFF_COMMANDS, ignore_case=True))
    router.callback_query.register(old_staff_button, Magic(STAFF_PRESS), StaffOnly())
    router.callback_query.register(refuse_button, Magic(STAFF_PRESS))
    router.message.register(ignore, _InStaffChat())
    router.callback_query.register(ignore, _InStaffChat())
    return router


class _InStaffChat(BaseFilter):
    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        return is_staff_chat(_chat_of(event), settings)
