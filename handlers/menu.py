"""Main-menu items that are a single screen: about, where to apply, and those not built yet."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.places import Places
from bot.rules import Metadata, Ruleset
from handlers.formatting import current_locale, day
from handlers.keyboards import (
    CHOOSE_LANGUAGE,
    MenuCB,
    back_to_menu_keyboard,
    language_keyboard,
    menu_button,
)
from handlers.places import PlaceCB, find_akim_button, office_block, settlement_rows, where_text
from handlers.screening.keyboards import SCB


async def _show(query: CallbackQuery, text: str) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=back_to_menu_keyboard())


async def about(query: CallbackQuery, ruleset: Ruleset) -> None:
    await _show(query, about_text(ruleset.metadata))


def about_text(meta: Metadata) -> str:
    """The facts come from the ruleset's data: a new decision file changes this screen too."""
    lang = current_locale()
    lines = [
        "<b>" + _("About this bot") + "</b>",
        _("It follows decision No. {number} of {date}: «{title}», registered by the "
          "justice department on {registered} as No. {registration}.").format(
            number=meta.number, date=day(meta.adopted_on),
            title=html.escape(meta.title.get(lang)), registered=day(meta.registered_on),
            registration=meta.registration_number),
    ]
    for amendment in meta.amendments:
        lines.append(_("Decision No. {number} of {date} amended it: {what}").format(
            number=amendment.number, date=day(amendment.adopted_on),
            what=html.escape(amendment.what.get(lang))))
    if meta.repeal is not None:
        lines.append(_("Decision No. {number} of {date} repealed it.").format(
            number=meta.repeal.number, date=day(meta.repeal.adopted_on)))
    lines.append(_("The bot shows what the decision provided; the district department "
                   "decides."))
    return "\n".join(lines)


async def where(query: CallbackQuery, ruleset: Ruleset, clock: Clock, places: Places) -> None:
    await place(query, PlaceCB(act="where"), ruleset, clock, places)


async def place(
    query: CallbackQuery, callback_data: PlaceCB, ruleset: Ruleset, clock: Clock, places: Places
) -> None:
    """Where to apply, the list of settlements, one akim's office; Back where one came from."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    back = callback_data.back
    if callback_data.act == "list":
        text = _("Choose your settlement or rural okrug:")
        rows = settlement_rows(places, back)
        rows.append([_place_button(_("⬅️ Back"), "where", back)])
    elif callback_data.act == "office":
        office = places.office_for(callback_data.arg)
        text = office_block(office)
        if not office.is_department:
            text += "\n\n" + _("or the district department:") + "\n" + office_block(
                places.department)
        rows = [[_place_button(_("⬅️ Back"), "list", back)]]
    else:
        text = where_text(places, ruleset, clock.today())
        rows = [[find_akim_button(back)]]
    rows.append([back_button(back)])
    await query.message.edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def _place_button(text: str, act: str, back: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=PlaceCB(act=act, back=back).pack())


def back_button(back: str) -> InlineKeyboardButton:
    """To the result of the check, or to the main menu."""
    if back == "result":
        return InlineKeyboardButton(text=_("⬅️ Back to the result"),
                                    callback_data=SCB(act="summary").pack())
    return menu_button("menu", _("⬅️ Main menu"))


async def language(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(CHOOSE_LANGUAGE, reply_markup=language_keyboard())


def build_router() -> Router:
    router = Router(name="menu")
    router.callback_query.register(about, MenuCB.filter(F.item == "about"))
    router.callback_query.register(where, MenuCB.filter(F.item == "where"))
    router.callback_query.register(place, PlaceCB.filter())
    router.callback_query.register(language, MenuCB.filter(F.item == "language"))
    return router
