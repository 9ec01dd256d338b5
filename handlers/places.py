"""Offices as chat text: where to apply (or, on a day out of force, where to ask), from the
places data (bot/places). Only the details the operator filled in are shown."""

from __future__ import annotations

import html
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.places import Office, Places
from bot.rules import Ruleset
from bot.services.law import can_apply
from handlers.formatting import current_locale


class PlaceCB(CallbackData, prefix="pl"):
    """act: "list" (the settlements) or "office" (one office, ``arg`` a settlement id);
    ``back``: where "Back" leads, "menu" or "result"."""

    act: str
    arg: str = ""
    back: str = "menu"


def office_block(office: Office) -> str:
    """The office's name, its role, and the contacts that are known; nothing invented."""
    lang = current_locale()
    lines = [f"<b>{html.escape(office.name.get(lang))}</b>"]
    if office.role.get(lang):
        lines[0] += f" — {html.escape(office.role.get(lang))}"
    icons = ("📍", "☎️", "🕘")
    known = (office.address.get(lang), office.phone, office.hours.get(lang))
    lines += [f"{icon} {html.escape(value)}" for icon, value in zip(icons, known, strict=True)
              if value]
    return "\n".join(lines)


def where_text(places: Places, ruleset: Ruleset, today: date) -> str:
    """Where to apply while the decision is in force; where to ask about today's assistance
    when it is not."""
    if can_apply(ruleset, today):
        lines = [
            "<b>" + _("Where to apply") + "</b> " + _("(decision No. {number}, p. 13)").format(
                number=ruleset.metadata.number),
            office_block(places.department),
            _("or the akim of your settlement or rural okrug: find yours below."),
            _("Bring originals and copies: the originals are returned to you (p. 14). Holiday "
              "payments need no application: they are paid by list (p. 12)."),
        ]
    else:
        lines = [
            "<b>" + _("Where to ask about the assistance in force today") + "</b>",
            _("Decision No. {number} is no longer in force; the district department knows "
              "the assistance of today and how to apply for it.").format(
                number=ruleset.metadata.number),
            office_block(places.department),
            _("or the akim of your settlement or rural okrug: find yours below."),
        ]
    return "\n\n".join(lines)


def find_akim_button(back: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("🏘 Find my akim"),
                                callback_data=PlaceCB(act="list", back=back).pack())


def settlement_rows(places: Places, back: str) -> list[list[InlineKeyboardButton]]:
    """The settlements and rural okrugs, two a row: a press shows the akim that serves it."""
    lang = current_locale()
    buttons = [
        InlineKeyboardButton(text=s.name.get(lang),
                             callback_data=PlaceCB(act="office", arg=s.id, back=back).pack())
        for s in places.settlements
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
