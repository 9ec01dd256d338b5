"""Main-menu items that are a single screen: about, where to apply, and those not built yet."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rules import Metadata, Ruleset
from handlers.formatting import current_locale, day
from handlers.keyboards import CHOOSE_LANGUAGE, MenuCB, back_to_menu_keyboard, language_keyboard


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


async def where(query: CallbackQuery) -> None:
    await _show(query, where_text())


def where_text() -> str:
    return _(
        "<b>Where to apply</b> (p. 13)\n"
        "• the authorised body (уәкілетті орган): the district department of social "
        "protection in Sholakkorgan;\n"
        "• or the akim of your settlement, village or rural okrug.\n"
        "Bring originals and copies: the originals are returned to you (p. 14).\n"
        "Holiday payments (p. 7, 9.9) need no application: they are paid by list (p. 12)."
    )


async def language(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(CHOOSE_LANGUAGE, reply_markup=language_keyboard())


def build_router() -> Router:
    router = Router(name="menu")
    router.callback_query.register(about, MenuCB.filter(F.item == "about"))
    router.callback_query.register(where, MenuCB.filter(F.item == "where"))
    router.callback_query.register(language, MenuCB.filter(F.item == "language"))
    return router
