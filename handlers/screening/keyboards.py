"""Buttons of the screening screens.

A step's screen is laid out as keys (label, act, argument) and becomes Telegram buttons only
when it is shown, with the step written into each: a press is checked against the keys alone
(Flow.offers), without building a button. Callback data is packed as a string, the same as
``SCB(...).pack()`` gives, without a model per button (a screen has up to 25 of them).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.keyboards import data_button


class SCB(CallbackData, prefix="s"):
    """step: the screen the button belongs to ("" off the steps, e.g. under a result), so a
    press of an older screen is told apart from one of the screen shown now.
    act: toggle | pick | none | next | back | why | skip | add_child | edit | result | ..."""

    step: str = ""
    act: str
    arg: str = ""


class Key(NamedTuple):
    """A button of a step's screen before it is built."""

    text: str
    act: str
    arg: str = ""


Keys = list[list[Key]]
# A step's keys as the screen shows them: immutable, so they may be remembered (screens.py).
Layout = tuple[tuple[Key, ...], ...]
Rows = list[list[InlineKeyboardButton]]


def pack(act: str, arg: str = "", step: str = "") -> str:
    """What ``SCB(step=step, act=act, arg=arg).pack()`` gives, with the same checks."""
    sep = SCB.__separator__
    data = sep.join((SCB.__prefix__, step, act, arg))
    if data.count(sep) != 3 or len(data.encode()) > MAX_CALLBACK_LENGTH:
        raise ValueError(f"Bad screening callback data {data!r}")
    return data


def button(text: str, act: str, arg: str = "", step: str = "") -> InlineKeyboardButton:
    return data_button(text, pack(act, arg, step))


def step_keyboard(keys: Layout, step: str) -> InlineKeyboardMarkup:
    """A step's keyboard, built anew for the screen shown."""
    return markup([[button(k.text, k.act, k.arg, step) for k in row] for row in keys])


def packed(keys: Layout, step: str) -> frozenset[str]:
    """The callback data of a step's buttons, without building them."""
    return _packed(tuple(k[1:] for row in keys for k in row), step)


@functools.lru_cache(maxsize=2048)  # pure, and a frozenset: nothing a caller could change
def _packed(acts: tuple[tuple[str, str], ...], step: str) -> frozenset[str]:
    return frozenset(pack(act, arg, step) for act, arg in acts)


def toggles(labels: dict[str, str], ticked: set[str] | list[str]) -> Keys:
    return [
        [Key(("✅ " if key in ticked else "⬜ ") + label, "toggle", key)]
        for key, label in labels.items()
    ]


def picks(labels: dict[str, str], chosen: str | None, per_row: int = 1) -> Keys:
    keys = [
        Key(("🔘 " if key == chosen else "") + label, "pick", key) for key, label in labels.items()
    ]
    return [keys[i : i + per_row] for i in range(0, len(keys), per_row)]


def none_button() -> Keys:
    """The explicit "nothing here" of a checklist: Next with nothing ticked asks for it."""
    return [[Key(_("➖ None of these"), "none")]]


def navigation(*, why_open: bool, can_skip: bool = False, can_go_on: bool = True) -> Keys:
    rows: Keys = []
    if can_skip:
        rows.append([Key(_("Skip ⏭"), "skip")])
    rows.append([Key(_("❓ Hide the reason") if why_open else _("❓ Why do we ask?"), "why")])
    last = [Key(_("⬅️ Back"), "back")]
    if can_go_on:
        last.append(Key(_("Next ➡️"), "next"))
    rows.append(last)
    return rows


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)
