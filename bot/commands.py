"""The command menu Telegram shows, set once per language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from bot.i18n import LOCALES


def N_(message: str) -> str:
    """Marks a message for extraction; translated later, per language."""
    return message


COMMANDS = (
    ("start", N_("Start again")),
    ("menu", N_("Main menu")),
    ("language", N_("Language · Тіл · Язык")),
    ("help", N_("Help")),
    ("cancel", N_("Stop and forget this check")),
    ("forget", N_("Erase everything about me")),
)


def commands_for(i18n: I18n, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in COMMANDS
    ]


async def set_commands(bot: Bot, i18n: I18n) -> None:
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(i18n, locale), language_code=locale)
    await bot.set_my_commands(commands_for(i18n, i18n.default_locale))
