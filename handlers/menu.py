"""Main-menu items that are a single screen: about, where to apply, and those not built yet."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rules import Ruleset
from handlers.keyboards import CHOOSE_LANGUAGE, MenuCB, back_to_menu_keyboard, language_keyboard


async def _show(query: CallbackQuery, text: str) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=back_to_menu_keyboard())


async def about(query: CallbackQuery, ruleset: Ruleset) -> None:
    await _show(query, about_text())


def about_text() -> str:
    return _(
        "<b>About this bot</b>\n"
        "It follows decision No. 241 of the Sozak district maslikhat of 19 March 2015 "
        "on the rules of social assistance (әлеуметтік көмек), registered by the "
        "justice department of South Kazakhstan region on 8 April 2015 as No. 3114.\n"
        "Decision No. 293 of 22 September 2015 amended it: monthly assistance of 1 MCI "
        "for three months to low-income families (p. 9.5).\n"
        "Decision No. 25 of 23 June 2016 repealed it. The bot shows what the decision "
        "provided; the district department decides."
    )


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


async def not_ready(query: CallbackQuery) -> None:
    await _show(
        query,
        _(
            "This part of the bot is not ready yet.\n"
            "For now, please apply in person at the district department or to your akim."
        ),
    )


async def language(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(CHOOSE_LANGUAGE, reply_markup=language_keyboard())


def build_router() -> Router:
    router = Router(name="menu")
    router.callback_query.register(about, MenuCB.filter(F.item == "about"))
    router.callback_query.register(where, MenuCB.filter(F.item == "where"))
    router.callback_query.register(not_ready, MenuCB.filter(F.item.in_({"apply", "mine"})))
    router.callback_query.register(language, MenuCB.filter(F.item == "language"))
    return router
