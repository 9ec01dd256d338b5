"""The end of an update (storage.unit): its writes, the record of the update and any ORM change
commit together or not at all, on SQLite and on PostgreSQL; what follows the commit runs only
after it."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import exc, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import unit as units
from storage.fsm import SQLStorage, UnitStorage
from storage.handled import record_update
from storage.models import FSMState, HandledUpdate, User
from storage.repositories import ScreeningRepo

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


async def end_of_update(sessions: async_sessionmaker[AsyncSession], update_id: int) -> list[str]:
    """What an update does: an ORM change left unflushed by a handler, the chat's state, a
    screening kept, and a step after the commit. Returns what ran after the commit."""
    told: list[str] = []
    async with sessions() as session:
        unit = units.UnitOfWork(session, update=(1, update_id))
        token = units.enter(unit)
        try:
            session.add(User(id=100, language="kk"))
            await UnitStorage(SQLStorage(sessions)).set_state(KEY, "Screening:groups")
            await ScreeningRepo(session).save(100, {"groups": ["elderly"]})

            async def tell() -> None:
                told.append("said")

            await units.commit_then(session, tell)
            assert told == []  # not before the commit
            try:
                await units.commit_update(unit)
            except exc.IntegrityError:
                await session.rollback()
                raise
            for then in unit.after_commit:
                await then()
        finally:
            units.leave(token)
    return told


async def kept(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessions() as session:
        return (
            await session.scalar(select(func.count()).select_from(User)) or 0,
            await session.scalar(select(func.count()).select_from(FSMState)) or 0,
            await session.scalar(select(func.count()).select_from(HandledUpdate)) or 0,
        )


async def test_the_writes_of_an_update_commit_together(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    told = await end_of_update(session_factory, 7)
    await _settle()
    assert told == ["said"]
    assert await kept(session_factory) == (1, 1, 1)
    assert await SQLStorage(session_factory).get_record(KEY) == ("Screening:groups", {})
    async with session_factory() as session:
        assert await ScreeningRepo(session).last(100) == {"groups": ["elderly"]}


async def test_an_update_handled_meanwhile_leaves_nothing_behind(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with session_factory() as session:
        await record_update(session, 1, 7)  # by another instance, meanwhile
        await session.commit()

    with pytest.raises(exc.IntegrityError):
        await end_of_update(session_factory, 7)

    assert await kept(session_factory) == (0, 0, 1)  # neither the user nor the state
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    told = await end_of_update(session_factory, 8)  # and the connection serves the next one
    await _settle()
    assert told == ["said"]
    assert await kept(session_factory) == (1, 1, 2)


async def _settle() -> None:
    """Steps after the commit run as tasks (in the context they were asked from)."""
    for _ in range(3):
        await asyncio.sleep(0)
