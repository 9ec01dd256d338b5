"""Background work of every instance: the outbox sender and the morning digest.

Started with the dispatcher (polling or webhook) and stopped with it. Several instances may
run it at once: the sender claims rows (SKIP LOCKED), the digest is keyed by its day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.rules import Calendar
from bot.services.digest import enqueue_digest
from bot.services.outbox_sender import OutboxSender
from bot.services.throttle import Throttle

log = logging.getLogger(__name__)

DIGEST_CHECK_SECONDS = 60.0


async def digest_loop(stop: asyncio.Event, sessions: async_sessionmaker[AsyncSession], *,
                      clock: Clock, calendar: Calendar, settings: Settings, i18n: I18n,
                      every: float = DIGEST_CHECK_SECONDS) -> None:
    while not stop.is_set():
        try:
            async with sessions() as session:
                if await enqueue_digest(session, clock=clock, calendar=calendar,
                                        settings=settings, i18n=i18n):
                    await session.commit()
        except Exception as exc:  # the database away for a moment: the next check retries
            log.warning("digest: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def install_notifier(dp: Dispatcher) -> None:
    """Run the sender and the digest while ``dp`` runs (polling or webhook): the runner calls
    this; tests that only feed updates do not, and drive the sender themselves."""
    running: list[tuple[asyncio.Event, list[asyncio.Task[None]]]] = []

    async def start(bot: Bot, **data: Any) -> None:
        settings: Settings = data["settings"]
        sessions: async_sessionmaker[AsyncSession] = data["sessions"]
        clock: Clock = data["clock"]
        stop = asyncio.Event()
        sender = OutboxSender(bot, sessions, clock, throttle=Throttle(rate=settings.outbox_rate))
        digest = digest_loop(stop, sessions, clock=clock, calendar=data["calendar"],
                             settings=settings, i18n=data["i18n"])
        running.append((stop, [asyncio.create_task(sender.run(stop), name="outbox-sender"),
                               asyncio.create_task(digest, name="digest")]))

    async def stop() -> None:
        while running:
            event, tasks = running.pop()
            event.set()
            # A send in flight finishes and is marked; a row not yet sent stays claimed until
            # its lease runs out, then any instance sends it.
            _done, pending = await asyncio.wait(tasks, timeout=10)
            for task in pending:
                task.cancel()

    dp.startup.register(start)
    dp.shutdown.register(stop)
