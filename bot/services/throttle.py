"""Telegram's limits on one sender: a global rate, one message per chat per interval, and a
pause for everyone after a 429.

A slot is reserved at once (so concurrent senders queue in call order: notices to one chat keep
their order) and waited for; after waking, a pause that began meanwhile is honoured by reserving
again. asyncio runs one coroutine at a time, so the reservation needs no lock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class Throttle:
    def __init__(
        self,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._next_for_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before ``seconds`` have passed."""
        self.paused_until = max(self.paused_until, self._monotonic() + seconds)

    def _reserve(self, chat_id: int) -> float:
        now = self._monotonic()
        slot = max(now, self._next, self.paused_until, self._next_for_chat.get(chat_id, now))
        self._next = slot + self.interval
        self._next_for_chat[chat_id] = slot + self.per_chat_interval
        if len(self._next_for_chat) > 10_000:
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        return slot

    async def acquire(self, chat_id: int) -> None:
        while True:
            slot = self._reserve(chat_id)
            wait = slot - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            if self.paused_until <= self._monotonic():
                return
