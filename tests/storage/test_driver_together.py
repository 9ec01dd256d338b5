"""The end of an update (storage.driver.together): its writes, the record of the update and any
ORM change commit together or not at all, on SQLite (one trip to aiosqlite's thread) and on
PostgreSQL (where it changes nothing)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import driver
from storage.models import FSMState, HandledUpdate, User, utcnow

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
