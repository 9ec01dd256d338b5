"""Anything unexpected: a hint in the user's language and the current step again.

The fallback router is included last. Failures are caught by the outermost of our middlewares,
so one in the database session or the user's record (a database down, a schema behind) gets
the apology too, in the language the user is known to speak; the rare failure before it (in
aiogram's own FSM middleware) reaches dp.errors, which apologises the same way. Failures are
logged without the user's data.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import locale_for
from bot.logs import log_failure
from bot.middlewares import Handler
from bot.telegram import NotDelivered
from handlers.common import show_current_step

log = logging.getLogger(__name__)

async def unexpected_message(message: Message, state: FSMContext, **data: Any) -> None:
    if message.text:
        hint = _("Sorry, I did not understand that. Please use the buttons below.")
    else:
        hint = _("I can read only text and buttons. Please use the buttons below.")
    await message.answer(hint)
    await show_current_step(message, state, data)


async def stale_button(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await query.answer(_("That button is from an earlier message. Here is where you are now."))
    if isinstance(query.message, Message):
        await show_current_step(query.message, state, data)


async def last_resort(event: ErrorEvent, i18n: I18n, **data: Any) -> bool:
    """A failure before our middlewares (the FSM's event lock): logged by type and place like
    the others, not with aiogram's message and traceback, and apologised for."""
    log_failure(f"update {event.update.update_id} failed before its handler", event.exception)
    await apologise(i18n, event.update, data)
    return True


def build_router() -> Router:
    """Included last: it takes whatever no conversation took."""
    router = Router(name="errors")
    router.message.register(unexpected_message)
    router.callback_query.register(stale_button)
    # Not an update that failed: Telegram did not take its answer, it is handled again later.
    router.errors.register(last_resort, ~ExceptionTypeFilter(NotDelivered))
    return router


class ErrorReplyMiddleware(BaseMiddleware):
    """The outermost of our update middlewares (see bot/app.py)."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Exception as exc:
            later = NotDelivered.of(exc)
            if later is not None:  # an apology would not be taken either: the update again
                raise later from exc
            log_failure("update failed", exc)
            # Nothing of a failed update is kept: its unit of work (inside) was rolled back.
            await apologise(self.i18n, event, data)
            return None


async def apologise(i18n: I18n, event: TelegramObject, data: dict[str, Any]) -> None:
    """The apology in the user's language, then the current step (when it can be read).

    The locale middleware may not have been reached, or has already left its context.
    """
    if not isinstance(event, Update):
        return
    if "event_from_user" not in data:
        data = {**data, "event_from_user": UserContextMiddleware.resolve_event_context(event).user}
    with i18n.context(), i18n.use_locale(locale_for(data, i18n.default_locale)):
        await _apologise(event, data)


async def _apologise(event: Update, data: dict[str, Any]) -> None:
    if event.callback_query is not None:
        with contextlib.suppress(Exception):  # stop the button's spinner; may be answered
            await event.callback_query.answer()
    message = event.message or (event.callback_query.message if event.callback_query else None)
    if not isinstance(message, Message):
        return
    try:
        await message.answer(
            _("Sorry, something went wrong on our side. Your answers are kept; "
              "let us go on from here.")
        )
        state = data.get("state")
        if isinstance(state, FSMContext):
            await _show_step_again(message, state, data)
    except Exception as exc:  # the apology itself must never crash the update
        log.error("apology failed: %s", type(exc).__name__)


async def _show_step_again(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """The update's own session was closed with its rolled-back unit: reading the step through
    it would check out a connection nobody returns, so the step is read in a session of its own."""
    sessions: async_sessionmaker[AsyncSession] | None = data.get("sessions")
    if sessions is None:
        await show_current_step(message, state, data)
        return
    async with sessions() as session:
        await show_current_step(message, state, {**data, "session": session})
