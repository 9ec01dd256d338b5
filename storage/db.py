"""Engine and session factory.

SQLite (aiosqlite) is the default; PostgreSQL (asyncpg) is chosen by the URL.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000

# Readable Cyrillic in the JSON columns; the same text on every backend.
_json_serializer = partial(json.dumps, ensure_ascii=False)


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return Path(database)


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the database; it fsyncs at checkpoints, not at
        # every commit (a power cut may lose the last moments, never the file).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free space: an erased answer
        # cannot be read back from the file (see storage.retention).
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def create_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url``.

    SQLite: the parent folder of the file is created, and every new connection gets
    ``journal_mode=WAL``, ``busy_timeout=5000``, ``foreign_keys=ON`` and ``secure_delete=ON``.
    PostgreSQL (and others): a normal pool; on PostgreSQL a connection the server closed is
    replaced on checkout (``_drop_closed``).
    ``pool_size``: exactly that many pooled connections (no overflow); a caller that asks for
    more waits. Extra keyword arguments go to :func:`sqlalchemy.ext.asyncio.create_async_engine`.
    """
    sa_url = make_url(url)
    if pool_size is not None and not (
        sa_url.get_backend_name() == "sqlite" and _sqlite_file(sa_url) is None
    ):  # an in-memory SQLite database is one shared connection, not a pool
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("json_serializer", _json_serializer)
    # Statement parameters carry answers (health, income): never into an error message or log.
    kwargs.setdefault("hide_parameters", True)
    # Sessions end their transactions themselves (commit, or rollback on close): the pool's
    # own rollback on return would be one more round trip per update, for nothing.
    kwargs.setdefault("pool_reset_on_return", None)
    if sa_url.get_backend_name() == "sqlite":
        path = _sqlite_file(sa_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = _create_async_engine(sa_url, **kwargs)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    engine = _create_async_engine(sa_url, **kwargs)
    if sa_url.get_backend_name() == "postgresql" and not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkout", _drop_closed)
    return engine


def _drop_closed(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
    """A pooled connection the server closed (a restart, an idle time-out) is replaced on
    checkout. SQLAlchemy's pre-ping would ask the server each time: on asyncpg BEGIN, a ping
    and ROLLBACK, three round trips on every update; asyncpg knows a closed socket by itself.
    A connection that died silently fails its first statement, and SQLAlchemy then replaces
    the whole pool (that update gets the apology)."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the database closed this connection")


def pool_capacity(engine: AsyncEngine) -> int | None:
    """How many connections the engine's pool hands out at most (None: no fixed bound)."""
    pool = engine.pool
    # create_engine() gives a pool size with no overflow: its size is the bound (for a pool
    # made elsewhere, with overflow, a safe lower one).
    if isinstance(pool, QueuePool):
        return pool.size()
    return None


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)
