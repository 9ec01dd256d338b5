"""The end of an update (storage.driver.together): its writes, the record of the update and any
ORM change commit together or not at all, on SQLite (one trip to aiosqlite's thread) and on
PostgreSQL (one statement where the writes touch different tables)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import asyncpg
import pytest
from sqlalchemy import exc, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import driver
from storage.models import FSMState, HandledUpdate, Screening, User, utcnow

KEY = "1:100:100"
DUPLICATE = (sqlite3.IntegrityError, asyncpg.UniqueViolationError, exc.IntegrityError)


async def end_of_update(session: AsyncSession, update_id: int) -> None:
    """What bot.middlewares.OnceMiddleware does: an ORM change left unflushed by a handler,
    the state, and the update's record."""
    session.add(User(id=100, language="kk"))
    async with driver.together(session):
        await driver.write_state(session, KEY, "Screening:groups", {"step": "groups"}, utcnow())
        await driver.record_update(session, 1, update_id, utcnow())
    await session.commit()


async def kept(session_factory: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with session_factory() as session:
        return (
            await session.scalar(select(func.count()).select_from(User)) or 0,
            await session.scalar(select(func.count()).select_from(FSMState)) or 0,
            await session.scalar(select(func.count()).select_from(HandledUpdate)) or 0,
        )


async def test_the_writes_of_an_update_commit_together(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await end_of_update(session, 7)

    assert await kept(session_factory) == (1, 1, 1)
    async with session_factory() as session:
        state, data = await driver.read_state(session, KEY)
    assert (state, data) == ("Screening:groups", {"step": "groups"})


async def test_an_update_whose_end_fails_leaves_nothing_behind(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with session_factory() as session:
        await driver.record_update(session, 1, 7, utcnow())
        await session.commit()

    async with session_factory() as session:
        with pytest.raises(DUPLICATE):  # handled already, by another instance meanwhile
            await end_of_update(session, 7)
        await session.rollback()

    assert await kept(session_factory) == (0, 0, 1)  # neither the user nor the state
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with session_factory() as session:  # and the connection serves the next update
        await end_of_update(session, 8)
    assert await kept(session_factory) == (1, 1, 2)


@contextmanager
def sent_to_postgresql() -> Iterator[list[str]]:
    """What asyncpg is asked to run: statements, and BEGIN/COMMIT of transactions."""
    seen: list[str] = []
    execute, prepare = asyncpg.Connection.execute, asyncpg.Connection.prepare

    async def executing(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await execute(self, query, *args, **kwargs)

    async def preparing(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await prepare(self, query, *args, **kwargs)

    with patch.object(asyncpg.Connection, "execute", executing), \
            patch.object(asyncpg.Connection, "prepare", preparing):
        yield seen


async def test_on_postgresql_the_writes_of_different_tables_are_one_statement(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """The state and the record: one statement, atomic by itself, no BEGIN and COMMIT."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite sends an update's writes in one trip with its commit")
    async with session_factory() as session:  # the engine's first connection asks its own
        assert await driver.read_state(session, KEY) == (None, None)
    async with session_factory() as session:
        with sent_to_postgresql() as sent:
            async with driver.together(session):
                await driver.write_state(session, KEY, "Screening:groups", {"a": 1}, utcnow())
                await driver.record_update(session, 1, 7, utcnow())
            await session.commit()
    assert len(sent) == 1 and sent[0].startswith("WITH w0 AS (INSERT INTO fsm_states")
    assert await kept(session_factory) == (0, 1, 1)

    async with session_factory() as session:  # handled already: the state is not written
        with pytest.raises(DUPLICATE):
            async with driver.together(session):
                await driver.write_state(session, KEY, "Screening:income", {"a": 2}, utcnow())
                await driver.record_update(session, 1, 7, utcnow())
        await session.rollback()
        assert await driver.read_state(session, KEY) == ("Screening:groups", {"a": 1})


async def test_on_postgresql_two_writes_of_one_table_stay_apart_in_one_transaction(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """Two upserts of one user row cannot share a statement: they run one after the other,
    and still commit with the record or not at all."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite sends an update's writes in one trip with its commit")
    async with session_factory() as session:
        await driver.record_update(session, 1, 7, utcnow())
        await session.commit()
    async with session_factory() as session:
        with sent_to_postgresql() as sent, pytest.raises(DUPLICATE):
            async with driver.together(session):
                await driver.touch_user(session, 100, utcnow())
                await driver.set_language(session, 100, "kk", utcnow())
                await driver.record_update(session, 1, 7, utcnow())
        await session.rollback()
    assert not any(query.startswith("WITH") for query in sent)
    assert await kept(session_factory) == (0, 0, 1)

    async with session_factory() as session:
        async with driver.together(session):
            await driver.touch_user(session, 100, utcnow())
            await driver.set_language(session, 100, "kk", utcnow())
            await driver.record_update(session, 1, 8, utcnow())
        await session.commit()
    assert await kept(session_factory) == (1, 0, 2)


async def test_on_postgresql_a_finished_screening_of_a_new_user_is_one_statement(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """The result's end: the user row (created here: the foreign key is checked at the end of
    the statement), the screening replacing the last one, and the record."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite sends an update's writes in one trip with its commit")
    async with session_factory() as session:  # the engine's first connection asks its own
        assert await driver.last_screening(session, 100) is None
    for update_id, answers in ((7, {"n": 1}), (8, {"n": 2})):
        async with session_factory() as session:
            with sent_to_postgresql() as sent:
                async with driver.together(session):
                    await driver.save_screening(session, 100, answers, utcnow())
                    await driver.record_update(session, 1, update_id, utcnow())
                await session.commit()
        assert len(sent) == 1 and sent[0].startswith("WITH w0 AS (INSERT INTO users")
    async with session_factory() as session:
        assert await driver.last_screening(session, 100) == {"n": 2}
        assert await session.scalar(select(func.count()).select_from(Screening)) == 1
    assert await kept(session_factory) == (1, 0, 2)
