"""The statements the updates of a screening run, as plain SQL on the update's own connection.

Through the ORM each of them costs building the statement, its cache key, a greenlet switch
and result processing, and on SQLite four hand-offs to aiosqlite's thread (cursor, execute,
fetch, close): together more than the handlers' own work. Written out here once: the three of
every update (read the state and "handled already?", write the state, record the update), the
two of a user's first update of the day (their language, seen now), the choice of a language,
the menu's question of an unfinished application, and those of a finished screening.

They run on the session's connection, in its transaction: on SQLite straight on aiosqlite (one
hand-off each, or one for all the writes of an update's end); on PostgreSQL reads and the
writes of an update's end (as one statement, see together()) straight on asyncpg, other writes
through SQLAlchemy's connection (which opens the transaction) without the ORM. Values go
through the columns' own SQLAlchemy types, so the rows are those the ORM writes. Everything
else (the applications, the staff's work) goes through the ORM.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage import unit as units
from storage.models import FSMState, HandledUpdate, Screening, User

SEEN_UPDATE = "SELECT EXISTS (SELECT 1 FROM handled_updates WHERE bot_id = ? AND update_id = ?)"
# The state and "handled already?" in one statement: one row always, from (SELECT 1).
READ_STATE_AND_SEEN = (
    f"{SEEN_UPDATE}, f.state, f.data "
    'FROM (SELECT 1) AS one LEFT JOIN fsm_states AS f ON f."key" = ?'
)
READ_STATE = 'SELECT state, data FROM fsm_states WHERE "key" = ?'
WRITE_STATE = (
    'INSERT INTO fsm_states ("key", state, data, updated_at) VALUES (?, ?, ?, ?) '
    'ON CONFLICT ("key") DO UPDATE SET state = excluded.state, data = excluded.data, '
    'updated_at = excluded.updated_at'
)
DELETE_STATE = 'DELETE FROM fsm_states WHERE "key" = ?'
RECORD_UPDATE = "INSERT INTO handled_updates (bot_id, update_id, handled_at) VALUES (?, ?, ?)"
# A finished screening: the user's one kept (it replaces the earlier one), and read back.
ENSURE_USER = (
    "INSERT INTO users (id, first_seen, last_seen) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"
)
DROP_SCREENINGS = "DELETE FROM screenings WHERE user_id = ?"
SAVE_SCREENING = (
    "INSERT INTO screenings (user_id, answers, created_at) VALUES (?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET answers = excluded.answers, "
    "created_at = excluded.created_at"
)
LAST_SCREENING = "SELECT answers FROM screenings WHERE user_id = ?"
# The menu: whether the user has an unfinished application.
HAS_DRAFT = "SELECT EXISTS (SELECT 1 FROM applications WHERE user_id = ? AND status = 'draft')"
# The language a user chose (the user row is created if missing), and seen now: it stands for
# the update's touch (bot.middlewares.UserMiddleware), one write of the users row, not two.
SET_LANGUAGE = (
    "INSERT INTO users (id, language, first_seen, last_seen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET language = excluded.language, last_seen = excluded.last_seen"
)
# A user's first update of the day (bot.middlewares.UserMiddleware): their language, and seen now.
READ_LANGUAGE = "SELECT language FROM users WHERE id = ?"
TOUCH_USER = (
    "INSERT INTO users (id, first_seen, last_seen) VALUES (?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen"
)


# session.info key: the writes of an update's end, kept to be sent at once (see together()).
TOGETHER = "statements_together"
Statements = list[tuple[str, tuple[Any, ...]]]


def _dialect(session: AsyncSession) -> Dialect:
    bind = session.bind
    if bind is None:  # pragma: no cover - sessions from create_session_factory are bound
        raise RuntimeError("the session is not bound to an engine")
    return bind.dialect


@functools.cache
def _for(sql: str, dialect_name: str) -> str:
    """``?`` placeholders as the dialect's driver wants them (PostgreSQL: ``$1, $2, …``)."""
    return sql if dialect_name == "sqlite" else _numbered(sql)


def _numbered(sql: str, first: int = 1) -> str:
    """``?`` placeholders as ``$first, $first+1, …`` (asyncpg's)."""
    parts = sql.split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], first)) + parts[-1]


def to_db(column: Any, value: Any, dialect: Dialect) -> Any:
    """``value`` as the column's SQLAlchemy type hands it to this dialect's driver."""
    process = _bind(column.type, dialect)
    return value if process is None else process(value)


def from_db(column: Any, value: Any, dialect: Dialect) -> Any:
    process = _result(column.type, dialect)
    return value if process is None or value is None else process(value)


# Keyed by the type object and the dialect object: both live as long as the process.
@functools.cache
def _bind(type_: Any, dialect: Dialect) -> Any:
    return type_.bind_processor(dialect)


@functools.cache
def _result(type_: Any, dialect: Dialect) -> Any:
    return type_.result_processor(dialect, None)


async def _driver(session: AsyncSession) -> Any:
    """The driver's connection of the session's transaction, aiosqlite's or asyncpg's
    (kept until the transaction ends)."""
    raw = session.info.get(units.DRIVER)
    if raw is None:
        connection = await session.connection()
        # Checked out just now: the pooled connection is at hand (get_raw_connection() would
        # fetch it through a greenlet, for nothing).
        sync = connection.sync_connection
        assert sync is not None  # started by session.connection()
        raw = sync.connection.driver_connection
        session.info[units.DRIVER] = raw
    return raw


async def fetch_one(
    session: AsyncSession, sql: str, params: Sequence[Any]
) -> tuple[Any, ...] | None:
    """The first row of ``sql`` run in the session's transaction, or None."""
    dialect = _dialect(session)
    if dialect.name == "sqlite":
        rows = await (await _driver(session)).execute_fetchall(sql, tuple(params))
        return tuple(rows[0]) if rows else None
    # A read needs no transaction of its own: on asyncpg it runs in the session's if one is
    # open, else alone, without the BEGIN SQLAlchemy would send first.
    row = await (await _driver(session)).fetchrow(_for(sql, dialect.name), *params)
    return None if row is None else tuple(row)


async def execute(session: AsyncSession, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` in the session's transaction (committed with it)."""
    dialect = _dialect(session)
    kept: Statements | None = session.info.get(TOGETHER)
    if kept is not None:
        kept.append((sql, tuple(params)))
    elif dialect.name == "sqlite":
        await (await _driver(session)).execute_fetchall(sql, tuple(params))
    else:
        connection = await session.connection()
        await connection.exec_driver_sql(_for(sql, dialect.name), tuple(params))
    if dialect.name == "sqlite":
        # The ORM's flush events do not see this write: mark the session as having written
        # (on SQLite it now holds the write lock; see storage.unit).
        session.info[units.WROTE] = True


@asynccontextmanager
async def together(session: AsyncSession) -> AsyncIterator[None]:
    """The end of an update: the writes asked for inside (through ``execute`` and
    ``record_update``) are kept, then sent at once. On SQLite: to aiosqlite's thread in one
    hand-off with the commit, instead of one hand-off each and one more for the commit (about
    60 µs a trip). On PostgreSQL: as one statement where they write different tables (else one
    after the other, in the transaction), instead of BEGIN, one round trip each and COMMIT.
    The ORM's pending changes are flushed first, into the same transaction; the caller's
    ``session.commit()`` then finds nothing left to send (storage.db). Writes only: nothing
    inside may read what it wrote."""
    name = _dialect(session).name
    if units.orm_pending(session):  # an empty flush costs a greenlet switch
        await session.flush()
    kept: Statements = []
    session.info[TOGETHER] = kept
    try:
        yield
    finally:
        session.info.pop(TOGETHER, None)
    if not kept:
        return
    if name == "sqlite":
        raw = await _driver(session)
        # aiosqlite runs a function in its thread only through this (its own methods are
        # built on it); the statements must run in that thread, where the connection lives.
        await raw._execute(_run_and_commit, raw._conn, kept)
    elif (combined := _one_statement(kept)) is not None:
        # On the session's connection: inside its transaction if one is open (committed with
        # it), else alone, atomic by itself, without a BEGIN and a COMMIT around it.
        await (await _driver(session)).execute(*combined)
    else:
        connection = await session.connection()
        for sql, params in kept:
            await connection.exec_driver_sql(_for(sql, name), params)


def _one_statement(kept: Statements) -> tuple[Any, ...] | None:
    """PostgreSQL: the writes as one statement, all but the last as data-modifying CTEs, or
    None when two of them write one table (they would see the same snapshot, not each other's
    rows: two upserts of one row fail)."""
    tables = [_TABLE.match(sql) for sql, _ in kept]
    names = [match.group(1) for match in tables if match]
    if len(names) != len(kept) or len(set(names)) != len(names):
        return None
    parts: list[str] = []
    params: list[Any] = []
    for sql, values in kept:
        parts.append(_numbered(sql, len(params) + 1))
        params.extend(values)
    ctes = ", ".join(f"w{n} AS ({part})" for n, part in enumerate(parts[:-1]))
    return ((f"WITH {ctes} " if ctes else "") + parts[-1], *params)


_TABLE = re.compile(r"^(?:INSERT INTO|DELETE FROM|UPDATE) (\w+)")


def _run_and_commit(connection: sqlite3.Connection, kept: Statements) -> None:
    try:
        for sql, params in kept:
            connection.execute(sql, params)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


# -- the statements of every update ------------------------------------------------------------

_FSM: Any = FSMState.__table__.c
_HANDLED: Any = HandledUpdate.__table__.c
_USERS: Any = User.__table__.c
_SCREENINGS: Any = Screening.__table__.c


async def read_state_and_seen(
    session: AsyncSession, key: str, update: tuple[int, int]
) -> tuple[str | None, dict[str, Any] | None, bool]:
    dialect = _dialect(session)
    row = await fetch_one(session, READ_STATE_AND_SEEN, (update[0], update[1], key))
    assert row is not None  # one row always, from (SELECT 1)
    seen, state, data = row
    return state, from_db(_FSM.data, data, dialect), bool(seen)


async def read_state(session: AsyncSession, key: str) -> tuple[str | None, dict[str, Any] | None]:
    row = await fetch_one(session, READ_STATE, (key,))
    if row is None:
        return None, None
    return row[0], from_db(_FSM.data, row[1], _dialect(session))


async def write_state(
    session: AsyncSession, key: str, state: str | None, data: dict[str, Any], at: Any
) -> None:
    dialect = _dialect(session)
    await execute(session, WRITE_STATE, (
        key, state, to_db(_FSM.data, data, dialect), to_db(_FSM.updated_at, at, dialect),
    ))


async def delete_state(session: AsyncSession, key: str) -> None:
    await execute(session, DELETE_STATE, (key,))


async def record_update(session: AsyncSession, bot_id: int, update_id: int, at: Any) -> None:
    """The update's id, last of its writes (within together(): sent with them)."""
    params = (bot_id, update_id, to_db(_HANDLED.handled_at, at, _dialect(session)))
    await execute(session, RECORD_UPDATE, params)


async def seen_update(session: AsyncSession, bot_id: int, update_id: int) -> bool:
    row = await fetch_one(session, SEEN_UPDATE, (bot_id, update_id))
    return bool(row and row[0])



async def read_language(session: AsyncSession, user_id: int) -> str | None:
    row = await fetch_one(session, READ_LANGUAGE, (user_id,))
    return None if row is None else row[0]


async def touch_user(session: AsyncSession, user_id: int, at: Any) -> None:
    dialect = _dialect(session)
    seen = to_db(_USERS.last_seen, at, dialect)
    await execute(session, TOUCH_USER, (user_id, seen, seen))


async def save_screening(
    session: AsyncSession, user_id: int, answers: dict[str, Any], at: Any
) -> None:
    dialect = _dialect(session)
    seen = to_db(_USERS.last_seen, at, dialect)
    await execute(session, ENSURE_USER, (user_id, seen, seen))  # the user row may be gone
    await execute(session, SAVE_SCREENING, (
        user_id, to_db(_SCREENINGS.answers, answers, dialect),
        to_db(_SCREENINGS.created_at, at, dialect),
    ))


async def drop_screenings(session: AsyncSession, user_id: int) -> None:
    await execute(session, DROP_SCREENINGS, (user_id,))


async def last_screening(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    row = await fetch_one(session, LAST_SCREENING, (user_id,))
    return None if row is None else from_db(_SCREENINGS.answers, row[0], _dialect(session))


async def has_draft(session: AsyncSession, user_id: int) -> bool:
    row = await fetch_one(session, HAS_DRAFT, (user_id,))
    return bool(row and row[0])


async def set_language(session: AsyncSession, user_id: int, language: str, at: Any) -> None:
    seen = to_db(_USERS.last_seen, at, _dialect(session))
    await execute(session, SET_LANGUAGE, (user_id, language, seen, seen))
