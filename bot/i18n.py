"""Gettext catalogs and the choice of a user's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LOCALES = ("kk", "ru")


def create_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")


def telegram_locale(user: User | None) -> str | None:
    """kk or ru from Telegram's language_code, or None when it is neither."""
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in LOCALES else None


def locale_for(data: dict[str, Any], default: str) -> str:
    """The language saved for the user, else Telegram's, else the configured default."""
    saved = data.get("user_language")
    if saved in LOCALES:
        return str(saved)
    return telegram_locale(data.get("event_from_user")) or default


class UserLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_for(data, self.i18n.default_locale)
