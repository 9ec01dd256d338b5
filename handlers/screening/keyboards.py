"""Buttons of the screening screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class SCB(CallbackData, prefix="s"):
    """step: the screen the button belongs to ("" off the steps, e.g. under a result), so a
    press of an older screen is told apart from one of the screen shown now.
    act: toggle | pick | none | next | back | why | skip | add_child | edit | result | ..."""

    step: str = ""
    act: str
    arg: str = ""


Rows = list[list[InlineKeyboardButton]]


def button(text: str, act: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=SCB(act=act, arg=arg).pack())


def stamp(rows: Rows, step: str) -> Rows:
    """The step written into every screening button of a screen (built with step "")."""
    blank = f"{SCB.__prefix__}{SCB.__separator__}{SCB.__separator__}"  # "s::"

    def stamped(b: InlineKeyboardButton) -> InlineKeyboardButton:
        if b.callback_data is None or not b.callback_data.startswith(blank):
            return b
        data = blank[:-1] + step + b.callback_data[len(blank) - 1 :]
        return b.model_copy(update={"callback_data": data})

    return [[stamped(b) for b in row] for row in rows]


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


def none_button() -> Rows:
    """The explicit "nothing here" of a checklist: Next with nothing ticked asks for it."""
    return [[button(_("➖ None of these"), "none")]]


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

def callback_data(keyboard: InlineKeyboardMarkup) -> set[str]:
    return {b.callback_data for row in keyboard.inline_keyboard for b in row if b.callback_data}
