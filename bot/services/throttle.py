"""Telegram's limits on one sender: a global rate, one message per chat per interval, and a
pause for everyone after a 429.

The chat's turn is reserved at once, in call order (notices to one chat keep their order), and
waited for; then senders pass one at a time (an asyncio lock is first come, first served) at
the global cadence. The cadence follows the schedule, catching up at most half a step after a
stall of the event loop, so a late start never turns into a burst Telegram would answer 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from math import inf

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
        self._lock = asyncio.Lock()
        self._sent_to: dict[int, float] = {}

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before ``seconds`` have passed."""
        self.paused_until = max(self.paused_until, self._monotonic() + seconds)

    def _reserve_chat(self, chat_id: int) -> float:
        now = self._monotonic()
        slot = max(now, self._next_for_chat.get(chat_id, now))
        self._next_for_chat[chat_id] = slot + self.per_chat_interval
        if len(self._next_for_chat) > 10_000:  # forget chats whose second has long passed
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
            horizon = now - self.per_chat_interval
            self._sent_to = {c: t for c, t in self._sent_to.items() if t > horizon}
        return slot

    async def acquire(self, chat_id: int) -> None:
        turn = self._reserve_chat(chat_id)
        while True:
            # The chat's turn, and a second after the last message it really got.
            wait = max(turn, self._sent_to.get(chat_id, -inf) + self.per_chat_interval)
            wait -= self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            await self._global_turn()
            now = self._monotonic()
            if self._sent_to.get(chat_id, -inf) + self.per_chat_interval <= now:
                self._sent_to[chat_id] = now
                return
            # Another send reached this chat while we queued (after a pause): wait its second.

    async def _global_turn(self) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                slot = max(self._next, self.paused_until)
                if slot <= now:
                    self._next = max(slot, now - self.interval / 2) + self.interval
                    return
                await self._sleep(slot - now)
