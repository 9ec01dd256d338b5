"""Updates per second through our dispatcher against bare aiogram, in the same process.

    .venv/bin/python bench/dispatcher_bench.py [CITIZENS_ONE_AT_A_TIME] [CITIZENS_AT_ONCE]

Full screenings of the test personas (tests/test_screening.py: the lonely veteran, the family
after a fire, the low-income family with a disabled child, someone with nothing to get; about
a dozen updates a citizen) are recorded once, then replayed for many citizens as updates
built beforehand and already bound to the bot (aiogram re-validates an unbound update on every
feed: that would measure the harness). Bot API calls are answered in-process (LocalSession),
for both sides. Bare aiogram (one trivial handler per kind of update, MemoryStorage) is fed the
very same updates. Both sides are warmed up first.

Measured: one citizen at a time (bare aiogram and ours taking turns every few citizens, so
that a drift in the machine's speed touches both alike), then CITIZENS_AT_ONCE citizens at
once; on SQLite, and on PostgreSQL + Redis when they answer (else one line says why they are
skipped). Printed:
updates/s, p50 and p99 per update, ratio to bare aiogram, screenings finished, failed updates.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy import func, select

from bot.app import create_bot, create_dispatcher, create_storage
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import Screening
from tests.test_screening import (
    Persona,
    family_of_four_after_fire,
    lonely_veteran,
    low_income_family,
    nothing_to_get,
)

DAY = date(2015, 4, 20)
RECORDED_USER = 987_650_001  # replaced by each citizen's id in the replayed updates
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def fire_family(p: Persona) -> str:
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    return await p.result()


PERSONAS: list[tuple[Callable[[Persona], Awaitable[str]], str]] = [
    (lonely_veteran, "ru"), (fire_family, "kk"), (low_income_family, "ru"), (nothing_to_get, "kk"),
]


class RecordingChat(LocalChat):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates: list[dict[str, Any]] = []

    async def _feed(self, update: Update) -> Any:
        self.updates.append(update.model_dump(mode="json", exclude_none=True))
        return await super()._feed(update)


async def record_scripts(settings: Settings) -> list[list[dict[str, Any]]]:
    """Each persona's screening once through our dispatcher: the updates it took (each with
    its own user, replaced by RECORDED_USER)."""
    scripts = []
    for n, (script, lang) in enumerate(PERSONAS):
        dp = create_dispatcher(settings, today=lambda: DAY)
        bot = create_bot(settings, session=LocalSession())
        chat = RecordingChat(dp, bot, user_id=RECORDED_USER + n + 1, language_code=lang)
        await script(Persona(chat, dp["i18n"], lang))
        raw = json.dumps(chat.updates).replace(str(RECORDED_USER + n + 1), str(RECORDED_USER))
        scripts.append(json.loads(raw))
        await dp.emit_shutdown()
    return scripts


class Citizens:
    """Replayable screenings: updates built and bound to the bot before the clock starts."""

    def __init__(self, scripts: list[list[dict[str, Any]]], bot: Bot) -> None:
        self.scripts, self.bot = scripts, bot
        self._next_id = int(time.time() * 1000)
        self._next_user = 10_000_000

    def make(self, count: int) -> list[tuple[int, list[Update]]]:
        citizens = []
        for i in range(count):
            self._next_user += 1
            raw = json.dumps(self.scripts[i % len(self.scripts)])
            raw = raw.replace(str(RECORDED_USER), str(self._next_user))
            updates = []
            for data in json.loads(raw):
                self._next_id += 1
                data["update_id"] = self._next_id
                updates.append(Update.model_validate(data, context={"bot": self.bot}))
            citizens.append((self._next_user, updates))
        return citizens


def bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def answer(message: Message) -> None:
        await message.answer("menu")

    @router.callback_query()
    async def press(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text("screen")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


class Failures(logging.Handler):
    """Counts updates that failed (logged by handlers.errors, by type only)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def forget_history(bot: Bot) -> None:
    """The stand-in Bot API keeps every request, answer and message (the tests read them): a
    run starts without the earlier runs', which would only grow the heap the garbage collector
    walks, slowing whichever side runs later."""
    session = bot.session
    assert isinstance(session, LocalSession)
    session.requests.clear()
    session.results.clear()
    session.messages.clear()


async def run(
    dp: Dispatcher, bot: Bot, citizens: list[tuple[int, list[Update]]], at_once: bool
) -> tuple[float, list[float], int]:
    forget_history(bot)
    # What exists before the run (the updates built beforehand, the recorded scripts, the
    # other side's leftovers) is set aside from the garbage collector: a full collection
    # walking it would land in whichever run it happens to fall, and a bare run is short.
    gc.collect()
    gc.freeze()
    try:
        return await _timed(dp, bot, citizens, at_once)
    finally:
        gc.unfreeze()


async def _timed(
    dp: Dispatcher, bot: Bot, citizens: list[tuple[int, list[Update]]], at_once: bool
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def citizen(updates: list[Update]) -> None:
        nonlocal errors
        for update in updates:
            started = time.perf_counter()
            try:
                await dp.feed_update(bot, update)
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    if at_once:
        await asyncio.gather(*(citizen(updates) for _, updates in citizens))
    else:
        for _, updates in citizens:
            await citizen(updates)
    return time.perf_counter() - started, latencies, errors


Side = tuple[Dispatcher, Bot, list[tuple[int, list[Update]]]]


async def taking_turns(*sides: Side, turn: int = 4) -> list[tuple[float, list[float], int]]:
    """Each side's citizens one at a time, the sides taking turns every ``turn`` citizens: a
    machine whose speed drifts during the run (a shared one does, by tens of per cent within
    seconds) then slows both sides alike instead of whichever ran in the slow moment."""
    totals: list[tuple[float, list[float], int]] = [(0.0, [], 0) for _ in sides]
    for start in range(0, max(len(citizens) for _, _, citizens in sides), turn):
        for i, (dp, bot, citizens) in enumerate(sides):
            elapsed, latencies, errors = await run(
                dp, bot, citizens[start:start + turn], at_once=False
            )
            total = totals[i]
            totals[i] = (total[0] + elapsed, total[1] + latencies, total[2] + errors)
    return totals


def line(name: str, elapsed: float, latencies: list[float], bare_rate: float | None) -> str:
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 else p50
    ratio = f"{rate / bare_rate:6.3f}" if bare_rate else "     1"
    return f"{name:<42} {rate:8.0f} {p50:9.2f} {p99:9.2f}   {ratio}"


async def bench_backend(
    name: str, settings: Settings, storage: BaseStorage | None, one: int, many: int,
    scripts: list[list[dict[str, Any]]],
) -> None:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = create_session_factory(engine)
    dp = create_dispatcher(settings, engine=engine, storage=storage, today=lambda: DAY)
    bot = create_bot(settings, session=LocalSession())
    bare, bare_bot = bare_dispatcher(), create_bot(settings, session=LocalSession())
    citizens, bare_citizens = Citizens(scripts, bot), Citizens(scripts, bare_bot)
    failures = Failures()
    logging.getLogger("handlers.errors").addHandler(failures)
    try:
        for warm_dp, warm_bot, warm in ((dp, bot, citizens), (bare, bare_bot, bare_citizens)):
            await run(warm_dp, warm_bot, warm.make(8), at_once=False)
            await run(warm_dp, warm_bot, warm.make(20), at_once=True)
        failures.count = 0

        ones = citizens.make(one)
        (b_elapsed, b_lat, _), (elapsed, lat, errors) = await taking_turns(
            (bare, bare_bot, bare_citizens.make(one)), (dp, bot, ones)
        )
        bare_rate = len(b_lat) / b_elapsed
        print(f"\n{name}: {len(b_lat) / one:.1f} updates a citizen on average")
        print(f"{'':<42} {'upd/s':>8} {'p50 ms':>9} {'p99 ms':>9}   vs bare")
        print(line("bare aiogram, one at a time", b_elapsed, b_lat, None))
        print(line("ours, one citizen at a time", elapsed, lat, bare_rate))
        await report(sessions, ones, errors + failures.count)
        failures.count = 0

        b_many = bare_citizens.make(many)
        b_elapsed2, b_lat2, _ = await run(bare, bare_bot, b_many, at_once=True)
        print(line(f"bare aiogram, {many} at once", b_elapsed2, b_lat2, None))
        crowd = citizens.make(many)
        elapsed, lat, errors = await run(dp, bot, crowd, at_once=True)
        print(line(f"ours, {many} citizens at once", elapsed, lat, len(b_lat2) / b_elapsed2))
        await report(sessions, crowd, errors + failures.count)
    finally:
        logging.getLogger("handlers.errors").removeHandler(failures)
        await dp.emit_shutdown()
        await engine.dispose()


async def report(sessions: Any, citizens: list[tuple[int, list[Update]]], failed: int) -> None:
    ids = [user for user, _ in citizens]
    async with sessions() as session:
        finished = await session.scalar(
            select(func.count(func.distinct(Screening.user_id))).where(Screening.user_id.in_(ids))
        )
    print(f"{'':<42} screenings finished {finished}/{len(ids)}, failed updates {failed}")


@asynccontextmanager
async def postgres_and_redis() -> AsyncIterator[tuple[str, str] | str]:
    """A throwaway PostgreSQL database and a Redis key prefix, or why there are none."""
    import asyncpg
    from redis.asyncio import Redis
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    try:
        admin = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                      password=url.password, database=url.database, timeout=2)
    except Exception as exc:
        yield f"PostgreSQL not reachable at {url.render_as_string()}: {type(exc).__name__}"
        return
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await redis.ping()
    except Exception as exc:
        await admin.close()
        await redis.aclose()
        yield f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False), prefix
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        async for key in redis.scan_iter(f"{prefix}:*"):
            await redis.delete(key)
        await redis.aclose()


async def main(one: int, many: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade_async(url)
        settings = Settings(_env_file=None, database_url=url, redis_url=None)
        scripts = await record_scripts(settings)
        print(f"personas: {len(scripts)}, updates a screening: "
              f"{', '.join(str(len(s)) for s in scripts)}")
        await bench_backend("SQLite", settings, None, one, many, scripts)

    async with postgres_and_redis() as found:
        if isinstance(found, str):
            print(f"\nPostgreSQL + Redis: skipped ({found})")
            return
        url, prefix = found
        await upgrade_async(url)
        settings = Settings(_env_file=None, database_url=url, redis_url=REDIS_URL)
        storage = create_storage(settings, create_session_factory(create_engine(url)))
        storage.key_builder = DefaultKeyBuilder(prefix=prefix)  # type: ignore[attr-defined]
        await bench_backend("PostgreSQL + Redis", settings, storage, one, many, scripts)


if __name__ == "__main__":
    one = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    many = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    asyncio.run(main(one, many))
