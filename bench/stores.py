"""A fresh store for each bench part, removed after it: a SQLite file in a temporary folder, or
a PostgreSQL database and an empty Redis database of its own (dropped and flushed after); or
the one line saying why PostgreSQL + Redis are skipped.

TEST_POSTGRES_URL and TEST_REDIS_URL point elsewhere (as for the tests).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
KINDS = ("sqlite", "pg")
NAMES = {"sqlite": "SQLite", "pg": "PostgreSQL + Redis"}
CLAIM = "sozak-bench:claimed"  # the key that marks a Redis database as this run's


@dataclass(frozen=True)
class Store:
    kind: str
    database_url: str
    redis_url: str | None

    @property
    def name(self) -> str:
        return NAMES[self.kind]


@asynccontextmanager
async def fresh_store(kind: str, folder: Path) -> AsyncIterator[Store | str]:
    if kind == "sqlite":
        yield Store(kind, f"sqlite+aiosqlite:///{folder / 'bench.db'}", None)
        return
    async with _postgres() as (database, why), _redis() as (redis, why_not):
        if database is None or redis is None:
            yield why or why_not
            return
        yield Store(kind, database, redis)


@asynccontextmanager
async def _postgres() -> AsyncIterator[tuple[str | None, str]]:
    """A new database's URL, or why there is none."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    try:
        admin = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                      password=url.password, database=url.database, timeout=2)
    except Exception as exc:
        yield None, f"PostgreSQL not reachable at {url.render_as_string()}: {type(exc).__name__}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False), ""
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


@asynccontextmanager
async def _redis() -> AsyncIterator[tuple[str | None, str]]:
    """The URL of an empty Redis database claimed for this run (15 down to 1; the tests use
    0), flushed after; or why there is none. The bot then keeps its usual key names, and
    nothing of another run (whose update ids start at 1 too) is seen as handled."""
    from redis.asyncio import Redis

    claimed: Redis | None = None
    url = ""
    try:
        probe = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            await probe.ping()
        finally:
            await probe.aclose()
        for db in range(15, 0, -1):
            client = Redis.from_url(_with_db(REDIS_URL, db), socket_connect_timeout=2)
            try:
                if await client.dbsize() == 0 and await client.set(CLAIM, "1", nx=True, ex=7200):
                    claimed, url = client, _with_db(REDIS_URL, db)
                    break
            except Exception:  # fewer than 16 databases configured
                pass
            await client.aclose()
    except Exception as exc:
        yield None, f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
        return
    if claimed is None:
        yield None, "Redis: no empty database among 1-15 to bench in"
        return
    try:
        yield url, ""
    finally:
        await claimed.flushdb()
        await claimed.aclose()


async def finished_screenings(database_url: str, users: list[int]) -> int:
    """How many of ``users`` have their screening's result stored."""
    from sqlalchemy import bindparam, text

    from storage.db import create_engine

    engine = create_engine(database_url)
    query = text("SELECT count(DISTINCT user_id) FROM screenings WHERE user_id IN :ids")
    query = query.bindparams(bindparam("ids", expanding=True))
    found = 0
    try:
        async with engine.connect() as connection:
            for start in range(0, len(users), 500):
                found += (await connection.execute(
                    query, {"ids": users[start:start + 500]})).scalar_one()
    finally:
        await engine.dispose()
    return found
