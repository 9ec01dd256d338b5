"""What every conversation shares: showing "the current step" again after unexpected input,
and taking the buttons off a screen left behind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import Message

# Renders the step a user is on as a new message; keyed by the state group's name.
StepRenderer = Callable[[Message, FSMContext, dict[str, Any]], Awaitable[None]]
_renderers: dict[str, StepRenderer] = {}
_fallback: list[StepRenderer] = []


def renders_steps_of(group: type[StatesGroup]) -> Callable[[StepRenderer], StepRenderer]:
    def register(renderer: StepRenderer) -> StepRenderer:
        _renderers[group.__full_group_name__] = renderer
        return renderer

    return register


def renders_no_step(renderer: StepRenderer) -> StepRenderer:
    """The screen of a user in no conversation: the main menu."""
    _fallback[:] = [renderer]
    return renderer


async def show_current_step(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    current = await state.get_state()
    group = current.split(":", 1)[0] if current else ""
    renderer = _renderers.get(group) or _fallback[0]
    await renderer(message, state, data)


async def at_once(*calls: Awaitable[Any]) -> list[Any]:
    """Bot API calls that do not depend on each other, sent together: the citizen waits for one
    round trip to Telegram, not one each (a press's answer beside its new screen, an old
    screen's buttons taken off beside the new one). Their results, in order."""
    return list(await asyncio.gather(*map(_awaited, calls)))


async def _awaited(call: Awaitable[Any]) -> Any:
    # aiogram's methods (query.answer()) are awaitables, not coroutines: gather hashes them.
    return await call


# FSM data key shared by every conversation: the id of the message that carries the buttons
# of the current step. A newer screen, /menu or /cancel takes the buttons off it.
SCREEN = "screen"


async def retire_screen(bot: Bot, chat_id: int, data: dict[str, Any], keep: int = 0) -> None:
    """The screen left behind loses its buttons (unless it is message `keep`)."""
    old = data.pop(SCREEN, None)
    if old and int(old) != keep:
        with contextlib.suppress(TelegramAPIError):
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=int(old), reply_markup=None)
