"""The command menu Telegram shows, set once per language; staff see theirs too."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.i18n import LOCALES, N_

log = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Start again")),
    ("menu", N_("Main menu")),
    ("language", N_("Language · Тіл · Язык")),
    ("help", N_("Help")),
    ("cancel", N_("Stop and forget this check")),
    ("forget", N_("Erase everything about me")),
)


# Staff only (handlers/staff): shown in the staff chat and in staff members' private chats.
STAFF_COMMANDS = (
    ("queue", N_("Open applications, oldest first")),
    ("app", N_("An application by its reference")),
    ("find", N_("Find by reference, IIN or phone")),
    ("export", N_("Applications of a period as XLSX")),
    ("overdue", N_("Decisions due today and overdue, notices not delivered")),
    ("stats", N_("Statistics of a period, without personal data")),
)


def commands_for(
    i18n: I18n, locale: str, commands: tuple[tuple[str, str], ...] = COMMANDS
) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in commands
    ]


async def set_commands(bot: Bot, i18n: I18n, settings: Settings | None = None) -> None:
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(i18n, locale), language_code=locale)
    await bot.set_my_commands(commands_for(i18n, i18n.default_locale))
    if settings is not None:
        await _set_staff_commands(bot, i18n, settings)


async def _set_staff_commands(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """Per chat: the staff chat lists the staff commands only (nothing else answers there); a
    staff member's private chat lists both. A chat Telegram does not know yet (a staff member
    who never wrote to the bot) is skipped: the commands work all the same."""
    staff_locale = settings.staff_locale or settings.default_locale
    calls: list[tuple[int, list[BotCommand], str | None]] = []
    if settings.staff_chat_id is not None:
        calls.append((settings.staff_chat_id,
                      commands_for(i18n, staff_locale, STAFF_COMMANDS), None))
    for staff_id in settings.staff_ids:
        for locale in (*LOCALES, None):
            both = COMMANDS + STAFF_COMMANDS
            calls.append((staff_id, commands_for(i18n, locale or staff_locale, both), locale))
    for chat_id, commands, locale in calls:
        try:
            await bot.set_my_commands(
                commands, scope=BotCommandScopeChat(chat_id=chat_id), language_code=locale)
        except TelegramAPIError as exc:
            log.warning("staff commands not shown in a chat: %s", type(exc).__name__)
