"""Fixtures for the storage tests: a migrated SQLite file, a throwaway PostgreSQL database,
a Redis client under a unique key prefix, and FSM storages over each of them.

PostgreSQL and Redis are optional: when they cannot be reached within about a second the
tests that need them are skipped with the reason. Override the servers with
``TEST_POSTGRES_URL`` (an asyncpg URL of a database we may connect to and CREATE DATABASE
from) and ``TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_session_factory
from storage.fsm import SQLStorage
from storage.migrate import upgrade_async

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CONNECT_TIMEOUT = 1.0

SQL_BACKENDS = ["sqlite", "postgresql"]

# Why a server was found unreachable: after the first failure the rest skip at once instead
# of each waiting for the connect timeout.
_unreachable: dict[str, str] = {}
FSM_BACKENDS = [*SQL_BACKENDS, "redis"]


async def _pg_admin_connection() -> asyncpg.Connection:
    url = make_url(POSTGRES_URL)
    if POSTGRES_URL in _unreachable:
        pytest.skip(_unreachable[POSTGRES_URL])
    try:
        return await asyncpg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
            timeout=CONNECT_TIMEOUT,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        _unreachable[POSTGRES_URL] = (
            f"PostgreSQL not reachable at {url.render_as_string()}: {exc!r}"
        )
        pytest.skip(_unreachable[POSTGRES_URL])


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards (tables and
    alembic_version go with it). Skips when PostgreSQL is unreachable."""
    name = f"storage_test_{uuid.uuid4().hex[:16]}"
    admin = await _pg_admin_connection()
    try:
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.InsufficientPrivilegeError as exc:
            pytest.skip(f"cannot CREATE DATABASE on {POSTGRES_URL}: {exc}")
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, not yet migrated database of the given backend."""
    if backend == "sqlite":
        # A missing sub-folder on purpose: create_engine must create it.
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"
    elif backend == "postgresql":
        async with postgres_database() as url:
            yield url
    else:  # pragma: no cover
        raise ValueError(backend)


@asynccontextmanager
async def migrated_engine(url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def redis_storage() -> AsyncIterator[RedisStorage]:
    """aiogram's RedisStorage under a unique key prefix; its keys are deleted afterwards."""
    if REDIS_URL in _unreachable:
        pytest.skip(_unreachable[REDIS_URL])
    redis = Redis.from_url(
        REDIS_URL, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
    )
    try:
        await redis.ping()
    except Exception as exc:  # redis raises its own ConnectionError/TimeoutError types
        await redis.aclose()
        _unreachable[REDIS_URL] = f"Redis not reachable at {REDIS_URL}: {exc!r}"
        pytest.skip(_unreachable[REDIS_URL])
    prefix = f"test-storage-{uuid.uuid4().hex}"
    storage = RedisStorage(
        redis, key_builder=DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True)
    )
    try:
        yield storage
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await storage.close()


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest_asyncio.fixture
async def db_url(sql_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """URL of an empty database (SQLite file or throwaway PostgreSQL database)."""
    async with database_url(sql_backend, tmp_path) as url:
        yield url


@pytest_asyncio.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a freshly migrated database."""
    async with migrated_engine(db_url) as eng:
        yield eng


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest_asyncio.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as sess:
        yield sess


@pytest_asyncio.fixture(params=FSM_BACKENDS)
async def fsm_storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BaseStorage]:
    """The same FSM contract, three backends: SQLStorage on SQLite, SQLStorage on PostgreSQL,
    aiogram's RedisStorage."""
    backend: str = request.param
    async with AsyncExitStack() as stack:
        storage: BaseStorage
        if backend == "redis":
            storage = await stack.enter_async_context(redis_storage())
        else:
            url = await stack.enter_async_context(database_url(backend, tmp_path))
            eng = await stack.enter_async_context(migrated_engine(url))
            storage = SQLStorage(create_session_factory(eng))
        yield storage
