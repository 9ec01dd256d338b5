"""aiogram FSM storage over our own database (SQLite or PostgreSQL).

One row per storage key in ``fsm_states``: the state and a JSON data column. Writes are atomic
upserts (``INSERT ... ON CONFLICT DO UPDATE``), so several bot instances sharing one database
never clash. Outside an update every operation is its own short transaction; within one it runs
in the update's session (storage.unit), and :class:`UnitStorage` reads each record once per
update and writes it once, at the update's end.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import Text, bindparam, cast, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import unit as units
from storage._upsert import dialect_insert, upsert
from storage.handled import SEEN
from storage.models import FSMState, utcnow

KEY_SEPARATOR = ":"
MAX_KEY_LENGTH = 255
_EMPTY_JSON = "{}"


def build_key(key: StorageKey) -> str:
    """``bot_id:chat_id:user_id:thread_id:business_connection_id:destiny`` (None -> '')."""
    parts = (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id,
        key.business_connection_id,
        key.destiny,
    )
    built = KEY_SEPARATOR.join("" if part is None else str(part) for part in parts)
    if len(built) > MAX_KEY_LENGTH:
        raise ValueError(f"FSM storage key longer than {MAX_KEY_LENGTH} characters: {built!r}")
    return built


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


def _checked_data(key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
    return _checked_json(key, data)[0]


# The FSM data's JSON, encoded and parsed by orjson: a press parses it three times and encodes
# it once, and the standard library's json takes several times as long.
loads = orjson.loads


def dumps(data: Any) -> str:
    """JSON text (aiogram's RedisStorage takes it as its ``json_dumps``)."""
    return orjson.dumps(data).decode()


def _checked_json(key: StorageKey, data: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
    """A JSON round-tripped copy of ``data``, and its JSON; fail early if it would not survive
    the trip.

    Catches in development (and in tests on any backend) what would otherwise break only in
    production: objects JSON cannot encode, keys that are not strings, and values JSON would
    silently change (tuples become lists, NaN becomes null, a date becomes a string).
    """
    if not isinstance(data, dict):
        msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
        raise DataNotDictLikeError(msg)
    try:
        text = orjson.dumps(data)
    except TypeError as exc:
        raise TypeError(f"FSM data for {key} is not JSON-serialisable: {exc}") from exc
    restored = orjson.loads(text)
    if restored != data:
        raise TypeError(
            f"FSM data for {key} would change in a JSON round trip (tuples become lists, "
            f"NaN becomes null, dates become strings): {data!r} -> {restored!r}"
        )
    return restored, text


_TABLE: Any = FSMState.__table__
_READ = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("key"))
# The state and "handled already?" in one statement, one row always (from the one-row
# subquery, the chat's row joined to it if there is one).
_ONE = select(literal(1).label("one")).subquery("one")
_READ_AND_SEEN = select(SEEN.label("seen"), _TABLE.c.state, _TABLE.c.data).select_from(
    _ONE.outerjoin(_TABLE, _TABLE.c.key == bindparam("key"))
)
_DELETE = delete(_TABLE).where(_TABLE.c.key == bindparam("key"))


class SQLStorage(BaseStorage):
    """FSM storage in the ``fsm_states`` table.

    The engine (and thus the session factory) is owned by the application: :meth:`close`
    does not dispose it.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def close(self) -> None:
        """Nothing to do: the engine is owned and disposed elsewhere."""

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """The update's session when there is one on our database (it commits at the
        update's end), else a short transaction of our own."""
        unit = units.current()
        if unit is not None and unit.session.bind is self.session_factory.kw.get("bind"):
            yield unit.session
            return
        async with self.session_factory() as session, session.begin():
            yield session

    async def get_record(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        """The state and the data in one read."""
        async with self._transaction() as session:
            row = (await session.execute(_READ, {"key": build_key(key)})).first()
        return (None, {}) if row is None else (row.state, dict(row.data or {}))

    async def get_record_and_seen(
        self, key: StorageKey, update: tuple[int, int]
    ) -> tuple[str | None, dict[str, Any], bool]:
        """The state, the data, and whether ``update`` (bot id, update id) was handled
        already: one statement where it would be two."""
        params = {"key": build_key(key), "bot_id": update[0], "update_id": update[1]}
        async with self._transaction() as session:
            row = (await session.execute(_READ_AND_SEEN, params)).one()
        return row.state, dict(row.data or {}), bool(row.seen)

    async def set_record(
        self, key: StorageKey, state: StateType, data: Mapping[str, Any]
    ) -> None:
        """The state and the data in one write (the row goes when both are empty)."""
        await self.write_checked(key, _state_name(state), _checked_data(key, data))

    async def write_checked(
        self, key: StorageKey, name: str | None, payload: dict[str, Any]
    ) -> None:
        """:meth:`set_record` of data already checked (UnitStorage checks it when it is set)."""
        db_key = build_key(key)
        async with self._transaction() as session:
            if name is None and not payload:
                await session.execute(_DELETE, {"key": db_key})
            else:
                stmt = upsert(session, _TABLE, ("key",), ("state", "data", "updated_at"))
                await session.execute(
                    stmt, {"key": db_key, "state": name, "data": payload, "updated_at": utcnow()}
                )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        db_key = build_key(key)
        name = _state_name(state)
        now = utcnow()
        async with self._transaction() as session:
            if name is None:
                # Nothing left to remember: drop the row; otherwise keep the data.
                await session.execute(
                    delete(FSMState).where(
                        FSMState.key == db_key, cast(FSMState.data, Text) == _EMPTY_JSON
                    )
                )
                await session.execute(
                    update(FSMState)
                    .where(FSMState.key == db_key)
                    .values(state=None, updated_at=now)
                )
                return
            stmt = dialect_insert(session, FSMState).values(
                key=db_key, state=name, data={}, updated_at=now
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[FSMState.key],
                    set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
                )
            )

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._transaction() as session:
            state: str | None = await session.scalar(
                select(FSMState.state).where(FSMState.key == build_key(key))
            )
            return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = _checked_data(key, data)
        db_key = build_key(key)
        now = utcnow()
        async with self._transaction() as session:
            if not payload:
                await session.execute(
                    delete(FSMState).where(FSMState.key == db_key, FSMState.state.is_(None))
                )
                await session.execute(
                    update(FSMState).where(FSMState.key == db_key).values(data={}, updated_at=now)
                )
                return
            stmt = dialect_insert(session, FSMState).values(
                key=db_key, state=None, data=payload, updated_at=now
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[FSMState.key],
                    set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
                )
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._transaction() as session:
            data: dict[str, Any] | None = await session.scalar(
                select(FSMState.data).where(FSMState.key == build_key(key))
            )
            return {} if data is None else dict(data)

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``data`` into the stored data (like ``dict.update``) in one transaction.

        The row is created (or write-locked: a write opens SQLite's write transaction, and
        ``SELECT ... FOR UPDATE`` locks it on PostgreSQL) before it is read, so concurrent
        updates of one key from several instances serialise instead of losing keys.
        """
        partial = _checked_data(key, data)
        db_key = build_key(key)
        now = utcnow()
        async with self._transaction() as session:
            await session.execute(
                dialect_insert(session, FSMState)
                .values(key=db_key, state=None, data={}, updated_at=now)
                .on_conflict_do_nothing(index_elements=[FSMState.key])
            )
            row = (
                await session.execute(
                    select(FSMState.state, FSMState.data)
                    .where(FSMState.key == db_key)
                    .with_for_update()
                )
            ).one_or_none()
            # None only if a concurrent clear deleted the row between the two statements.
            state, current = (None, {}) if row is None else (row.state, row.data)
            merged: dict[str, Any] = {**current, **partial}
            if not merged and state is None:
                await session.execute(delete(FSMState).where(FSMState.key == db_key))
            else:
                stmt = dialect_insert(session, FSMState).values(
                    key=db_key, state=state, data=merged, updated_at=now
                )
                await session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[FSMState.key],
                        set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
                    )
                )
        return dict(merged)


@dataclass
class Record:
    state: str | None
    data: dict[str, Any]
    dirty: bool = False
    # The data as JSON (as read or as checked), kept: a copy for get_data is then one parse.
    text: str | bytes | None = None

    def json(self) -> str | bytes:
        if self.text is None:
            self.text = orjson.dumps(self.data)
        return self.text


class UnitStorage(BaseStorage):
    """Any FSM storage, read once and written once per update.

    Within an update the record of a key is read on first use (one read on SQL) and kept;
    changes stay in memory and are written when the update ends (on SQL in its transaction,
    with its other writes and the handled-update record). Outside an update every call goes
    straight to the storage underneath.
    """

    def __init__(self, inner: BaseStorage) -> None:
        self.inner = inner

    async def close(self) -> None:
        await self.inner.close()

    async def _record(self, key: StorageKey) -> Record | None:
        unit = units.current()
        if unit is None:
            return None
        record: Record | None = unit.fsm.get(key)
        if record is None:
            if isinstance(self.inner, SQLStorage) and unit.update and unit.seen is None:
                state, data, unit.seen = await self.inner.get_record_and_seen(key, unit.update)
            elif isinstance(self.inner, SQLStorage):
                state, data = await self.inner.get_record(key)
            elif isinstance(self.inner, RedisStorage) and unit.update and unit.seen is None:
                state, data, unit.seen = await _redis_read_and_seen(self.inner, key, unit.update)
            elif isinstance(self.inner, RedisStorage):
                state, data = await _redis_read(self.inner, key)
            else:
                state, data = await self.inner.get_state(key), await self.inner.get_data(key)
            record = unit.fsm[key] = Record(state, data)
        return record

    def _changed(self, key: StorageKey, record: Record) -> None:
        unit = units.current()
        if record.dirty or unit is None:
            return
        record.dirty = True
        if unit.chat_lock is not None and unit.chat_lock.key == key:
            return  # written as the chat's Redis lock is released (storage.isolation.ChatLock)

        async def write() -> None:
            record.dirty = False
            if isinstance(self.inner, SQLStorage):
                await self.inner.write_checked(key, record.state, record.data)
            elif isinstance(self.inner, RedisStorage):
                await _redis_write(self.inner, key, record)
            else:
                await self.inner.set_state(key, record.state)
                await self.inner.set_data(key, record.data)

        unit.writes.append(write)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        record = await self._record(key)
        if record is None:
            await self.inner.set_state(key, state)
            return
        record.state = _state_name(state)
        self._changed(key, record)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._record(key)
        return await self.inner.get_state(key) if record is None else record.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        record = await self._record(key)
        if record is None:
            await self.inner.set_data(key, data)
            return
        record.data, record.text = _checked_json(key, data)
        self._changed(key, record)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._record(key)
        if record is None:
            return await self.inner.get_data(key)
        # A copy, as from the database: the caller may change it freely.
        return dict(loads(record.json()))

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        record = await self._record(key)
        if record is None:
            return await self.inner.update_data(key, data)
        record.data, record.text = _checked_json(key, {**record.data, **data})
        self._changed(key, record)
        return dict(loads(record.json()))


# aiogram's RedisStorage asks Redis once per call: state and data are two keys, so a read is
# two round trips and a write two more. The same keys and encoding in one round trip each.


async def _redis_read(storage: RedisStorage, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
    build = storage.key_builder.build
    return redis_record(storage, *await storage.redis.mget(build(key, "state"), build(key, "data")))


async def _redis_read_and_seen(
    storage: RedisStorage, key: StorageKey, update: tuple[int, int]
) -> tuple[str | None, dict[str, Any], bool]:
    """The state, the data, and whether ``update`` was handled already, in one round trip."""
    build = storage.key_builder.build
    state, data, seen = await storage.redis.mget(
        build(key, "state"), build(key, "data"), handled_key(storage, update)
    )
    return *redis_record(storage, state, data), seen is not None


def handled_key(storage: RedisStorage, update: tuple[int, int]) -> str:
    """The Redis key that records (bot id, update id) as handled, beside the FSM's keys."""
    builder = storage.key_builder
    sep = getattr(builder, "separator", ":")
    return sep.join((getattr(builder, "prefix", "fsm"), "handled", *map(str, update)))


def redis_record(storage: RedisStorage, state: Any, data: Any) -> tuple[str | None, dict[str, Any]]:
    """The state and the data as Redis returns them (bytes, JSON), decoded as aiogram does."""
    if isinstance(state, bytes):
        state = state.decode()
    return state, (storage.json_loads(data) if data else {})


# Sets a key to a value with a time to live in ms ("0": none), or deletes it for "" (Lua, shared
# by the scripts that write a chat's state: this one and storage.isolation's end of an update).
PUT = """
local function put(key, value, ttl)
  if value == "" then redis.call("del", key)
  elseif ttl == "0" then redis.call("set", key, value)
  else redis.call("set", key, value, "PX", ttl) end
end
"""
# The state and the data written in one atomic command (a MULTI/EXEC pipeline is one round trip
# too, but costs redis-py twice the work). KEYS: state, data. ARGV: see redis_state_args.
_WRITE = PUT + """
put(KEYS[1], ARGV[1], ARGV[2])
put(KEYS[2], ARGV[3], ARGV[4])
return 1
"""


@functools.lru_cache(maxsize=16)  # a storage's two times to live, asked on every write
def _ttl_ms(ttl: int | timedelta | None) -> str:
    if ttl is None:
        return "0"
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else ttl
    return str(max(int(seconds * 1000), 1))


def redis_state_args(storage: RedisStorage, record: Record) -> list[str | bytes]:
    """The state ("" deletes it), its time to live in ms, the data as JSON ("" deletes it), its
    time to live: as aiogram's RedisStorage stores them."""
    data: str | bytes = ""
    if record.data and storage.json_dumps is dumps:
        data = record.json()
    elif record.data:
        data = storage.json_dumps(record.data)
    return [record.state or "", _ttl_ms(storage.state_ttl), data, _ttl_ms(storage.data_ttl)]


async def _redis_write(storage: RedisStorage, key: StorageKey, record: Record) -> None:
    build = storage.key_builder.build
    write = storage.redis.register_script(_WRITE)  # local (its hash); loaded on first use
    await write(keys=[build(key, "state"), build(key, "data")],
                args=redis_state_args(storage, record))
