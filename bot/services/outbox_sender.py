"""The outbox sender: claims due notices, sends them within Telegram's limits, records the outcome.

One sender runs in each instance. Exactly once, except for one window:

* a row is claimed (``sending``, with a lease) in a committed transaction before it is sent, so
  a second sender never sends it while the lease holds;
* each outcome is committed on its own right after Telegram answers, naming the claimant;
* a sender that dies leaves its rows ``sending``; when the lease runs out another sender (or the
  same one after the restart) claims and sends them, so nothing is lost.

The window: Telegram accepted the message, and the process dies (or the connection times out)
before the row is marked ``sent``. The Bot API has no idempotency key, so the row is sent again
after the lease: the citizen receives the notice twice. The window is one HTTP response plus one
small commit (``make bench`` measures it); a time-out of a request Telegram did carry out falls
in it too.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.throttle import Sleep, Throttle
from storage.models import utcnow
from storage.outbox import Claimed, OutboxRepo

log = logging.getLogger(__name__)

# Telegram's words for a chat that will never receive the message.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "user not found")


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    undeliverable: int = 0
    throttled: int = 0  # 429 answers
    lost_claims: int = 0  # rows another sender took over before we marked them
    # Seconds from Telegram's answer to the committed mark: the window of a double send.
    mark_windows: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class SenderConfig:
    batch: int = 25
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds; doubled per attempt, with full jitter
    backoff_cap: float = 600.0
    request_timeout: int = 15


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        throttle: Throttle | None = None,
        config: SenderConfig | None = None,
        worker: str | None = None,
        now: Callable[[], datetime] = utcnow,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.throttle = throttle or Throttle()
        self.config = config or SenderConfig()
        self.worker = worker or f"sender-{uuid.uuid4().hex[:12]}"
        self._now = now
        self._sleep = sleep
        self._monotonic = monotonic or time.monotonic
        self._jitter = jitter
        self.stats = SenderStats()

    # ---- one batch ------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch and send it; the number of rows claimed."""
        async with self.sessions() as session:
            claimed = await OutboxRepo(session).claim(
                self.worker, self._now(), self.config.lease, self.config.batch
            )
            await session.commit()
        if claimed:
            claimed_at = self._monotonic()
            await asyncio.gather(*(self._deliver(row, claimed_at) for row in claimed))
        return len(claimed)

    # ---- one row ---------------------------------------------------------------------------

    async def _deliver(self, row: Claimed, claimed_at: float) -> None:
        while True:
            await self.throttle.acquire(row.chat_id)
            if not await self._keep_lease(row, claimed_at):
                return
            try:
                # Straight to the session, past its request middlewares: a retrying middleware
                # would hammer on after a 429 that must pause every send, and retry a time-out
                # that may have been delivered. The sender has its own policy for both.
                message = await self.bot.session.make_request(
                    self.bot, SendMessage(chat_id=row.chat_id, text=row.text),
                    timeout=self.config.request_timeout,
                )
            except TelegramRetryAfter as exc:
                # Everyone waits; this row goes again after the pause (not an attempt).
                self.stats.throttled += 1
                self.throttle.pause(exc.retry_after)
                continue
            except (TelegramForbiddenError, TelegramNotFound) as exc:
                await self._undeliverable(row, "blocked", exc)
                return
            except TelegramBadRequest as exc:
                gone = any(words in exc.message.lower() for words in _GONE)
                await self._undeliverable(row, "chat_gone" if gone else "rejected", exc)
                return
            except Exception as exc:  # 5xx, time-outs, the network: back off and retry
                await self._retry(row, type(exc).__name__)
                return
            answered = self._monotonic()
            async with self.sessions() as session:
                marked = await OutboxRepo(session).mark_sent(
                    row.id, self.worker, message.message_id, self._now(), self.clock.today()
                )
                await session.commit()
            self.stats.mark_windows.append(self._monotonic() - answered)
            if marked:
                self.stats.sent += 1
            else:
                self.stats.lost_claims += 1
            return

    async def _keep_lease(self, row: Claimed, claimed_at: float) -> bool:
        """Renew the lease when most of it is gone (long 429 pauses, per-chat waits)."""
        lease = self.config.lease.total_seconds()
        if self._monotonic() - claimed_at < lease / 2:
            return True
        async with self.sessions() as session:
            kept = await OutboxRepo(session).extend(
                row.id, self.worker, self._now() + self.config.lease
            )
            await session.commit()
        if not kept:
            self.stats.lost_claims += 1
        return kept

    def backoff(self, attempts: int) -> float:
        """Exponential back-off with full jitter, in seconds."""
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2.0**attempts)
        return ceiling * (0.5 + self._jitter() / 2)

    async def _retry(self, row: Claimed, error: str) -> None:
        attempts = row.attempts + 1
        async with self.sessions() as session:
            repo = OutboxRepo(session)
            if attempts >= self.config.max_attempts:
                await repo.mark_undeliverable(row.id, self.worker, "gave_up")
                self.stats.undeliverable += 1
            else:
                due = self._now() + timedelta(seconds=self.backoff(attempts))
                await repo.retry_later(row.id, self.worker, due, error[:32])
                self.stats.retried += 1
            await session.commit()
        log.info("outbox row %s: %s (attempt %s)", row.id, error, attempts)

    async def _undeliverable(self, row: Claimed, error: str, exc: Exception) -> None:
        async with self.sessions() as session:
            await OutboxRepo(session).mark_undeliverable(row.id, self.worker, error)
            await session.commit()
        self.stats.undeliverable += 1
        log.info("outbox row %s undeliverable: %s", row.id, type(exc).__name__)

