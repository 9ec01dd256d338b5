"""Buttons of the application screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.keyboards import ApplicationId, menu_button


class ACB(CallbackData, prefix="a"):
    """act: agree | decline | toggle | pick | rel | occ | paper | item | clear | next | back |
    edit | submit | resume | restart | fix_iin"""

    act: str
    arg: str = ""
    step: str = ""  # the step whose screen carried the button (see stamp_step)


def stamp_step(markup: InlineKeyboardMarkup, step: str) -> InlineKeyboardMarkup:
    """Mark every button of a step's screen with the step, so a press on an older screen is
    recognised instead of acting on whatever step is current."""
    for row in markup.inline_keyboard:
        for b in row:
            if b.callback_data and b.callback_data.startswith(ACB.__prefix__ + ":"):
                cb = ACB.unpack(b.callback_data)
                b.callback_data = ACB(act=cb.act, arg=cb.arg, step=step).pack()
    return markup


class MineCB(CallbackData, prefix="my"):
    """act: withdraw | confirm | keep; app: the application's id."""

    act: str
    app: ApplicationId


Rows = list[list[InlineKeyboardButton]]


def button(text: str, act: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ACB(act=act, arg=arg).pack())


def grid(buttons: list[InlineKeyboardButton], per_row: int) -> Rows:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def navigation(*, can_go_on: bool = True) -> Rows:
    last = [button(_("⬅️ Back"), "back")]
    if can_go_on:
        last.append(button(_("Next ➡️"), "next"))
    return [last]


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def menu_only() -> InlineKeyboardMarkup:
    return markup([[menu_button("menu", _("⬅️ Main menu"))]])
