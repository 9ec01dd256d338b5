"""A Bot API that hangs for one chat, and another citizen who must not wait for it: for the
tests that a slow answer at Telegram holds up no one else (SQLite has one write lock)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot

from bot.console.session import LocalSession
from tests.test_screening import Persona

T = TypeVar("T")


def _hang_answers_to(bot: Bot, chat_id: int) -> tuple[asyncio.Event, asyncio.Event]:
    """From now on the Bot API keeps ``chat_id``'s calls waiting until the gate is set:
    (gate, set once one waits)."""
    gate, waiting = asyncio.Event(), asyncio.Event()
    session = bot.session
    assert isinstance(session, LocalSession)
    real = session.make_request

    async def slow(bot: Bot, method: Any, timeout: int | None = None) -> Any:
        if getattr(method, "chat_id", None) == chat_id:
            waiting.set()
            await gate.wait()
        return await real(bot, method, timeout)

    session.make_request = slow  # type: ignore[method-assign]
    return gate, waiting


async def _stored_at_once(b: Persona, bot: Bot) -> None:
    """A citizen on the first step of a check is answered and their answer stored without
    waiting for anyone else's update."""
    await asyncio.wait_for(b.press("Pensioners and the elderly"), 2)
    me = b.chat.chat.id  # a private chat: the user's id
    state = b.chat.dp.fsm.get_context(bot, chat_id=me, user_id=me)
    assert "elderly" in (await state.get_data())["screening"]["answers"]["groups"]


async def others_go_on_while_it_hangs(
    bot: Bot, chat_id: int, action: Awaitable[T], other: Persona
) -> T:
    """``action`` (an update of ``chat_id``) hangs at its first Bot API call; meanwhile
    ``other`` is answered and stored at once; then Telegram answers and ``action`` ends."""
    gate, waiting = _hang_answers_to(bot, chat_id)
    task = asyncio.ensure_future(action)
    await asyncio.wait_for(waiting.wait(), 5)
    await _stored_at_once(other, bot)
    gate.set()
    return await asyncio.wait_for(task, 5)
