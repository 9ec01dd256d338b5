"""Periodic background jobs: run at start-up and then periodically, survive a failing run, stop
with the dispatcher (a run in progress finishes, or is cut short after the grace period); the
purge of idle conversations is one of them."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_dispatcher
from bot.background import Background
from bot.config import Settings
from storage.db import create_session_factory
from storage.models import FSMState, utcnow

BOUND = 10.0  # seconds: a bound on waiting for something that happens at once, not a timing


async def until(condition: asyncio.Event) -> None:
    await asyncio.wait_for(condition.wait(), BOUND)


async def test_a_job_runs_at_start_and_then_again() -> None:
    runs: list[int] = []
    third = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 3:
            third.set()

    background = Background()
    background.every(0.001, job)
    assert runs == []  # nothing before start
    await background.start()
    await until(third)
    await background.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.01)

    assert stopped_at >= 3
    assert len(runs) == stopped_at  # nothing after stop


async def test_a_failing_run_is_logged_by_type_and_the_job_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0
    recovered = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("IIN 900101300123 in a message")
        recovered.set()

    background = Background()
    background.every(0.001, flaky, name="flaky job")
    with caplog.at_level(logging.ERROR):
        await background.start()
        await until(recovered)
        await background.stop()

    assert "background job flaky job failed: RuntimeError" in caplog.text
    assert "900101300123" not in caplog.text


async def test_stop_lets_a_run_in_progress_finish() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def unit_of_work() -> None:
        started.set()
        await release.wait()
        finished.append(True)

    background = Background(grace=BOUND)
    background.every(3600, unit_of_work)
    await background.start()
    await until(started)
    stopping = asyncio.ensure_future(background.stop())
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(stopping, BOUND)

    assert finished == [True]


async def test_stop_cuts_a_stuck_run_short_after_the_grace_period() -> None:
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def stuck() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    background = Background(grace=0.01)
    background.every(3600, stuck)
    await background.start()
    await until(started)
    await asyncio.wait_for(background.stop(), BOUND)

    assert cancelled == [True]
    assert not background.running


async def test_stop_without_start_and_twice_is_harmless() -> None:
    background = Background()
    await background.stop()
    await background.start()
    await background.stop()
    await background.stop()


async def test_a_job_added_while_running_starts_at_once() -> None:
    ran = asyncio.Event()

    async def late() -> None:
        ran.set()

    background = Background()
    await background.start()
    background.every(3600, late)
    await until(ran)
    await background.stop()


def test_a_period_must_be_positive() -> None:
    async def job() -> None: ...

    with pytest.raises(ValueError, match="positive"):
        Background().every(0, job)


async def test_the_dispatcher_purges_idle_conversations_when_it_starts(
    settings: Settings, engine: AsyncEngine, bot: Bot
) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session:
        for key, days in (("idle", 31), ("active", 1)):
            session.add(FSMState(key=key, state="S:step", data={"income": 90000},
                                 updated_at=utcnow() - timedelta(days=days)))
        await session.commit()
    dp: Dispatcher = create_dispatcher(settings.model_copy(update={"data_days": 30}), engine=engine)

    await dp.emit_startup(bot=bot, **dp.workflow_data)
    try:
        for _ in range(int(BOUND / 0.02)):
            async with sessions() as session:
                left = set(await session.scalars(select(FSMState.key)))
            if left == {"active"}:
                break
            await asyncio.sleep(0.02)
    finally:
        await dp.emit_shutdown()

    assert left == {"active"}
