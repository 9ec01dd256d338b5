"""Keyboards and callback data shared by several conversations."""

from __future__ import annotations

import functools
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from storage.limits import int_range
from storage.models import Application

# Shown before a language is known, so it speaks both.
CHOOSE_LANGUAGE = "Тілді таңдаңыз · Выберите язык"

# A number a button carries that the database compares with a column: an application's id or
# version. A forged one past the column's range does not unpack (aiogram's filter refuses the
# press), so it is an old button like any other, not an overflow in the database.
_APP_LOW, _APP_HIGH = int_range(Application.id)
ApplicationId = Annotated[int, Field(ge=_APP_LOW, le=_APP_HIGH)]
_VERSION_LOW, _VERSION_HIGH = int_range(Application.version)
Version = Annotated[int, Field(ge=_VERSION_LOW, le=_VERSION_HIGH)]


class MenuCB(CallbackData, prefix="m"):
    item: str


class LangCB(CallbackData, prefix="lang"):
    code: str


def data_button(text: str, callback_data: str) -> InlineKeyboardButton:
    """A button that sends ``callback_data``: a new one each time (a model can be changed, so
    none is shared between screens or citizens)."""
    return InlineKeyboardButton(text=text, callback_data=callback_data)


def language_keyboard() -> InlineKeyboardMarkup:
    # Each language is named in itself, so anyone can find theirs.
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Қазақша", callback_data=LangCB(code="kk").pack()),
                InlineKeyboardButton(text="Русский", callback_data=LangCB(code="ru").pack()),
            ]
        ]
    )


def menu_keyboard(*, applying: bool = True, has_draft: bool = False) -> InlineKeyboardMarkup:
    """``applying``: False on a day no ruleset is in force, when applying means nothing;
    ``has_draft``: the user has an unfinished application («Continue my application»)."""
    items = [("resume_app", _("▶️ Continue my application"))] if has_draft else []
    items += [
        ("check", _("🔎 What assistance may I get?")),
        *([("apply", _("📝 Apply"))] if applying else []),
        ("mine", _("📂 My applications")),
        ("documents", _("📄 Documents to bring")),
        ("where", _("📍 Where to apply")),
        ("language", _("🌐 Language")),
        ("about", _("ℹ️ About this bot")),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button(item, text)] for item, text in items])


def menu_button(item: str, text: str) -> InlineKeyboardButton:
    return data_button(text, _menu_data(item))


@functools.lru_cache(maxsize=64)  # a few items; the text is immutable
def _menu_data(item: str) -> str:
    return MenuCB(item=item).pack()


def back_to_menu_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button("menu", _("⬅️ Main menu"))]])
