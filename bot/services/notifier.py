"""Background work of every instance: the outbox sender and the morning digest, as periodic
jobs of the dispatcher's :class:`bot.background.Background` (started and stopped with it).

Several instances may run them at once: the sender claims rows (SKIP LOCKED), the digest is
keyed by its day. Installed by the runner (polling or webhook); tests that only feed updates
drive the sender themselves.
"""

from __future__ import annotations

import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.background import Background, Job
from bot.clock import Clock
from bot.config import Settings
from bot.rules import Calendar
from bot.services.digest import enqueue_digest
from bot.services.outbox_sender import OutboxSender
from bot.services.throttle import Throttle

SEND_EVERY = 1.0  # seconds between looks at an empty outbox
DIGEST_EVERY = 60.0  # seconds between looks at the clock for the 09:00 digest
# A run sends batch after batch for at most this long, so a shutdown never waits on a backlog
# (what is left stays due and is sent by the next run, here or in another instance).
RUN_SECONDS = 2.0


def outbox_job(sender: OutboxSender) -> Job:
    async def send_due() -> None:
        until = time.monotonic() + RUN_SECONDS
        while await sender.run_once() and time.monotonic() < until:
            pass

    return send_due


def digest_job(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, calendar: Calendar,
               settings: Settings, i18n: I18n) -> Job:
    async def digest_if_due() -> None:
        async with sessions() as session:
            if await enqueue_digest(session, clock=clock, calendar=calendar, settings=settings,
                                    i18n=i18n):
                await session.commit()

    return digest_if_due


def install_notifier(dp: Dispatcher) -> None:
    async def start(bot: Bot, **data: Any) -> None:
        settings: Settings = data["settings"]
        sessions: async_sessionmaker[AsyncSession] = data["sessions"]
        background: Background = data["background"]
        sender = OutboxSender(bot, sessions, data["clock"],
                              throttle=Throttle(rate=settings.outbox_rate))
        background.every(SEND_EVERY, outbox_job(sender), name="outbox-sender")
        background.every(DIGEST_EVERY, digest_job(
            sessions, clock=data["clock"], calendar=data["calendar"], settings=settings,
            i18n=data["i18n"]), name="digest")

    dp.startup.register(start)
