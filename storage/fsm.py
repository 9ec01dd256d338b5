"""aiogram FSM storage over our own database (SQLite or PostgreSQL).

One row per storage key in ``fsm_states``: the state and a JSON data column. Every operation
is its own short transaction; writes are atomic upserts (``INSERT ... ON CONFLICT DO UPDATE``),
so several bot instances sharing one database never clash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage._upsert import dialect_insert
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
    """A JSON round-tripped copy of ``data``; fail early if it would not survive the trip.

    Catches in development (and in tests on any backend) what would otherwise break only in
    production: objects JSON cannot encode, NaN, and values JSON would silently change
    (tuples become lists, int keys become strings).
    """
    if not isinstance(data, dict):
        msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
        raise DataNotDictLikeError(msg)
    try:
        restored = json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"FSM data for {key} is not JSON-serialisable: {exc}") from exc
    if restored != data:
        raise TypeError(
            f"FSM data for {key} would change in a JSON round trip (tuples become lists, "
            f"non-string keys become strings): {data!r} -> {restored!r}"
        )
    return dict(restored)


class SQLStorage(BaseStorage):
    """FSM storage in the ``fsm_states`` table.

    The engine (and thus the session factory) is owned by the application: :meth:`close`
    does not dispose it.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def close(self) -> None:
        """Nothing to do: the engine is owned and disposed elsewhere."""

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        db_key = build_key(key)
        name = _state_name(state)
        now = utcnow()
        async with self.session_factory() as session, session.begin():
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
        async with self.session_factory() as session:
            state: str | None = await session.scalar(
                select(FSMState.state).where(FSMState.key == build_key(key))
            )
            return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = _checked_data(key, data)
        db_key = build_key(key)
        now = utcnow()
        async with self.session_factory() as session, session.begin():
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
        async with self.session_factory() as session:
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
        async with self.session_factory() as session, session.begin():
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
