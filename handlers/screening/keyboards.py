"""Buttons of the screening screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.keyboards import menu_button


class SCB(CallbackData, prefix="s"):
    """act: toggle | pick | next | back | why | skip | add_child | edit | result | ..."""

    act: str
    arg: str = ""


Rows = list[list[InlineKeyboardButton]]


def button(text: str, act: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=SCB(act=act, arg=arg).pack())


def toggles(labels: dict[str, str], ticked: set[str] | list[str]) -> Rows:
    return [
        [button(("✅ " if key in ticked else "⬜ ") + label, "toggle", key)]
        for key, label in labels.items()
    ]


def picks(labels: dict[str, str], chosen: str | None, per_row: int = 1) -> Rows:
    buttons = [
        button(("🔘 " if key == chosen else "") + label, "pick", key)
        for key, label in labels.items()
    ]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def navigation(*, why_open: bool, can_skip: bool = False, can_go_on: bool = True) -> Rows:
    rows: Rows = []
    if can_skip:
        rows.append([button(_("Skip ⏭"), "skip")])
    rows.append([button(_("❓ Hide the reason") if why_open else _("❓ Why do we ask?"), "why")])
    last = [button(_("⬅️ Back"), "back")]
    if can_go_on:
        last.append(button(_("Next ➡️"), "next"))
    rows.append(last)
    return rows


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def result_keyboard(*, can_apply: bool = False) -> InlineKeyboardMarkup:
    apply = [[menu_button("apply", _("📝 Apply"))]] if can_apply else []
    return markup([
        *apply,
        [button(_("📄 What to bring and where"), "documents")],
        [button(_("✏️ Change my answers"), "edit", "review")],
        [menu_button("menu", _("⬅️ Main menu"))],
    ])
