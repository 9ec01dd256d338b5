"""/forget: erase everything the bot keeps about me, after a confirmation (or a cancel)."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.drafts import erase_drafts_of
from handlers.common import show_current_step
from storage.retention import erase_traces, forget_user
from storage.unit import commit_then


class ForgetCB(CallbackData, prefix="forget"):
    erase: bool


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("🗑 Yes, erase everything"),
                              callback_data=ForgetCB(erase=True).pack())],
        [InlineKeyboardButton(text=_("↩️ No, keep it"),
                              callback_data=ForgetCB(erase=False).pack())],
    ])


async def ask(message: Message) -> None:
    await message.answer(
        _(
            "<b>Erase everything about you?</b>\n"
            "The bot will forget your answers to the check in progress, your last check "
            "and your choice of language. This cannot be undone.\n"
            "Applications you have already submitted stay with the district department: "
            "they are its records."
        ),
        reply_markup=confirm_keyboard(),
    )


async def erase(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    await query.answer()
    await state.clear()  # the conversation in whichever FSM storage is in use (Redis too)
    if query.from_user is not None:
        await erase_drafts_of(session, settings, query.from_user.id)  # with the draft's files
        await forget_user(session, query.from_user.id)
        await commit_then(session, partial(erase_traces, session))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Everything the bot kept about you is erased. To start again, send /start.")
        )


async def keep(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Nothing was erased."))
        await show_current_step(query.message, state, data)


def build_router() -> Router:
    router = Router(name="forget")
    router.message.register(ask, Command("forget", ignore_case=True))
    router.callback_query.register(erase, ForgetCB.filter(F.erase))
    router.callback_query.register(keep, ForgetCB.filter(~F.erase))
    return router
