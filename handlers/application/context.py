"""What every handler of the application shares: its states, the handler context, showing
the draft's step, and refusing bad input politely."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.places import Places
from bot.rules import Calendar, Ruleset
from bot.services.law import can_apply
from handlers.application import texts
from handlers.application.draft import (
    MAX_FILES_PER_ITEM,
    SITUATION_MAX,
    Draft,
)
from handlers.application.keyboards import menu_only
from handlers.application.screens import Screens
from handlers.common import at_once
from handlers.formatting import day
from storage.applications import ApplicationRepo

KEY = "application"  # the FSM data key: the screen message id, the share-contact keyboard


class Applying(StatesGroup):
    consent = State()
    active = State()


@dataclass
class Ctx:
    """What every handler of this conversation needs, taken from the dispatcher's data."""

    session: AsyncSession
    state: FSMContext
    bot: Bot
    ruleset: Ruleset
    settings: Settings
    clock: Clock
    calendar: Calendar
    places: Places
    user_id: int
    chat_id: int

    @classmethod
    def of(cls, event: Message | CallbackQuery, data: dict[str, Any]) -> Ctx:
        user = event.from_user
        if isinstance(event, CallbackQuery):
            chat = event.message.chat.id if event.message else (user.id if user else 0)
        else:
            chat = event.chat.id
        return cls(
            data["session"], data["state"], data["bot"], data["ruleset"], data["settings"],
            data["clock"], data["calendar"], data["places"], user.id if user else 0, chat,
        )

    @property
    def repo(self) -> ApplicationRepo:
        return ApplicationRepo(self.session)

    async def draft(self) -> Draft | None:
        app = await self.repo.draft_for(self.user_id)
        return Draft.of(app) if app is not None else None

    async def save(self, draft: Draft) -> None:
        draft.store()
        await self.repo.save_draft(draft.app, self.clock.now())  # committed with the update

    async def screens(self, draft: Draft) -> Screens:
        counts: dict[str, int] = {}
        # A read that leaves the draft's changes pending: written at the end of the update,
        # they would otherwise take SQLite's one write lock now, through the Bot API call.
        attachments = []
        if draft.app.id is not None:  # else made in this update, not written yet: no files
            attachments = await self.repo.attachments_so_far(draft.app.id)
        for attachment in attachments:
            counts[attachment.item] = counts.get(attachment.item, 0) + 1
        return Screens(draft, self.ruleset, self.places, self.clock.today(), counts)

    async def ui(self) -> dict[str, Any]:
        return dict((await self.state.get_data()).get(KEY) or {})

    async def set_ui(self, **values: Any) -> None:
        everything = await self.state.get_data()
        ui = {**(everything.get(KEY) or {}), **values}
        await self.state.set_data({**everything, KEY: ui})


# -- showing screens -----------------------------------------------------------------------
async def show(
    event: Message | CallbackQuery, ctx: Ctx, draft: Draft, notes: list[str] | None = None
) -> None:
    """The draft's step: edited in place after a button, a fresh message after typing."""
    text, keyboard = (await ctx.screens(draft)).render(notes)
    ui = await ctx.ui()
    if ui.get("contact_keyboard") and draft.step != "phone":
        await ctx.bot.send_message(ctx.chat_id, _("Phone: {value}").format(
            value=draft.app.phone or "—"), reply_markup=ReplyKeyboardRemove())
        ui["contact_keyboard"] = False
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        await event.message.edit_text(text, reply_markup=keyboard)
        ui["screen"] = event.message.message_id
    else:
        sent = (await at_once(
            _retire(ctx, ui.get("screen")),
            ctx.bot.send_message(ctx.chat_id, text, reply_markup=keyboard),
        ))[1]
        ui["screen"] = sent.message_id
    if draft.step == "phone" and not ui.get("contact_keyboard"):
        share = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=_("📱 Share my number"), request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True)
        await ctx.bot.send_message(ctx.chat_id, _("👇 Or press the button below."),
                                   reply_markup=share)
        ui["contact_keyboard"] = True
    await ctx.set_ui(**ui)


async def _retire(ctx: Ctx, old: Any) -> None:
    """The screen left behind loses its buttons."""
    if old:
        with contextlib.suppress(TelegramBadRequest):
            await ctx.bot.edit_message_reply_markup(
                chat_id=ctx.chat_id, message_id=int(old), reply_markup=None)



async def load_draft(
    event: Message | CallbackQuery, data: dict[str, Any]
) -> tuple[Ctx, Draft] | None:
    """The handler's context and the user's draft; None (and said so) when it is gone."""
    ctx = Ctx.of(event, data)
    draft = await ctx.draft()
    if draft is None:
        if isinstance(event, CallbackQuery):
            await event.answer()
        await draft_gone(event, ctx)
        return None
    return ctx, draft


async def draft_gone(event: Message | CallbackQuery, ctx: Ctx) -> None:
    """The draft expired (or was erased elsewhere) while the conversation pointed at it."""
    await ctx.state.set_state(None)
    text = _("Your unfinished application is no longer kept (it is erased after {days} days "
             "without changes). Please start again from «📝 Apply».").format(
        days=ctx.settings.draft_days)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=menu_only())


async def in_force(message: Message, ctx: Ctx) -> bool:
    today, ruleset = ctx.clock.today(), ctx.ruleset
    if can_apply(ruleset, today):
        return True
    await message.edit_text(_(
        "Applications under decision No. {number} can be made only while it is in force, from "
        "{start} to {end}. Today, {today}, it is not. Please ask the district department about "
        "the assistance in force now."
    ).format(number=ruleset.metadata.number, start=day(ruleset.first_day),
             end=day(ruleset.last_day), today=day(today)), reply_markup=menu_only())
    return False


async def refuse(message: Message, ctx: Ctx, draft: Draft, reason: str,
                 limit: int | None = None) -> None:
    """The reason in the user's language (with the limit it names, if any), then the same step
    again: nothing is lost."""
    limits = {"too_long": SITUATION_MAX, "too_many_files": MAX_FILES_PER_ITEM}
    text = texts.input_error(reason)
    if limit is None:
        limit = limits.get(reason)
    if limit is not None:
        text = text.format(limit=limit)
    await message.answer(text)
    await show(message, ctx, draft)


