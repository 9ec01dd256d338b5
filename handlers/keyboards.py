"""Keyboards and callback data shared by several conversations."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

# Shown before a language is known, so it speaks both.
CHOOSE_LANGUAGE = "Тілді таңдаңыз · Выберите язык"


class MenuCB(CallbackData, prefix="m"):
    item: str


class LangCB(CallbackData, prefix="lang"):
    code: str


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
    return InlineKeyboardButton(text=text, callback_data=MenuCB(item=item).pack())


def back_to_menu_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button("menu", _("⬅️ Main menu"))]])
