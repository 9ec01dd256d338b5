"""SQLStorage behaviour beyond the shared contract: JSON checks, row lifecycle, atomic
upserts across instances, surviving a restart."""

from __future__ import annotations

import asyncio
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_session_factory
from storage.fsm import SQLStorage, build_key
from storage.migrate import upgrade_async
from storage.models import FSMState

KEY = StorageKey(bot_id=1, chat_id=2, user_id=3)


async def count_rows(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(FSMState)) or 0)


def test_key_is_built_from_every_part_of_the_storage_key() -> None:
    assert build_key(KEY) == "1:2:3:::default"
    full = StorageKey(
        bot_id=1, chat_id=-100, user_id=3, thread_id=9, business_connection_id="bc", destiny="d"
    )
    assert build_key(full) == "1:-100:3:9:bc:d"
    with pytest.raises(ValueError, match="longer than 255"):
        build_key(StorageKey(bot_id=1, chat_id=2, user_id=3, destiny="x" * 300))


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"when": object()}, "not JSON-serialisable"),
        ({"nan": math.nan}, "JSON round trip"),
        ({"pair": (1, 2)}, "JSON round trip"),
        ({"on": date(2015, 6, 1)}, "JSON round trip"),
        ({"answers": {1: "yes"}}, "not JSON-serialisable"),
    ],
)
async def test_unserialisable_data_is_refused_early(
    session_factory: async_sessionmaker[AsyncSession], bad: dict[str, Any], reason: str
) -> None:
    storage = SQLStorage(session_factory)
    await storage.set_data(KEY, {"kept": 1})

    with pytest.raises(TypeError, match=reason):
        await storage.set_data(KEY, bad)
    with pytest.raises(TypeError, match=reason):
        await storage.update_data(KEY, bad)

    assert await storage.get_data(KEY) == {"kept": 1}


async def test_non_dict_data_raises_like_aiogram(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = SQLStorage(session_factory)
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]


async def test_row_lifecycle(session_factory: async_sessionmaker[AsyncSession]) -> None:
    storage = SQLStorage(session_factory)
    await storage.set_state(KEY, "S:one")
    await storage.set_data(KEY, {"a": 1})
    async with session_factory() as session:
        row = await session.get(FSMState, build_key(KEY))
        assert row is not None
        assert (row.state, row.data) == ("S:one", {"a": 1})
        assert row.updated_at.tzinfo is not None

    # Leaving the state keeps the row (data remains); clearing both removes it.
    await storage.set_state(KEY, None)
    assert await count_rows(session_factory) == 1
    await storage.set_data(KEY, {})
    assert await count_rows(session_factory) == 0

    # set_state(None) / set_data({}) / update_data({}) on an unknown key create nothing.
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await storage.update_data(KEY, {}) == {}
    assert await count_rows(session_factory) == 0


async def test_two_instances_updating_one_key_lose_nothing(engine: AsyncEngine) -> None:
    """Two bot instances (own engines and pools) on one database: concurrent update_data on
    the same key must serialise, not overwrite each other's keys."""
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        first = SQLStorage(create_session_factory(engine))
        second = SQLStorage(create_session_factory(other_engine))
        await first.set_state(KEY, "S:busy")

        await asyncio.gather(
            *(
                storage.update_data(KEY, {f"{name}{i}": i})
                for i in range(15)
                for name, storage in (("a", first), ("b", second))
            )
        )

        data = await second.get_data(KEY)
        assert data == {f"{name}{i}": i for i in range(15) for name in "ab"}
        assert await first.get_state(KEY) == "S:busy"
    finally:
        await other_engine.dispose()


async def test_concurrent_first_writes_of_one_key_do_not_clash(engine: AsyncEngine) -> None:
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        first = SQLStorage(create_session_factory(engine))
        second = SQLStorage(create_session_factory(other_engine))
        await asyncio.gather(
            first.set_state(KEY, "S:a"),
            second.set_data(KEY, {"b": 1}),
            first.set_data(StorageKey(bot_id=1, chat_id=9, user_id=9), {"c": 1}),
            second.set_state(StorageKey(bot_id=1, chat_id=9, user_id=9), "S:c"),
        )
        assert await second.get_state(KEY) == "S:a"
        assert await first.get_data(KEY) == {"b": 1}
    finally:
        await other_engine.dispose()


async def test_close_leaves_the_engine_alone(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = SQLStorage(session_factory)
    await storage.set_state(KEY, "S:one")
    await storage.close()
    assert await SQLStorage(session_factory).get_state(KEY) == "S:one"


async def test_conversation_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await upgrade_async(url)

    engine = create_engine(url)
    storage = SQLStorage(create_session_factory(engine))
    await storage.set_state(KEY, "Screening:income")
    await storage.set_data(KEY, {"age": 67, "district": "Созақ"})
    await storage.close()
    await engine.dispose()

    engine = create_engine(url)
    try:
        restarted = SQLStorage(create_session_factory(engine))
        assert await restarted.get_state(KEY) == "Screening:income"
        assert await restarted.get_data(KEY) == {"age": 67, "district": "Созақ"}
    finally:
        await engine.dispose()


async def test_a_record_written_at_an_updates_end_is_the_row_the_orm_reads(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The state is written with SQLAlchemy Core at the update's end: the row (its JSON, its
    time) must be what the ORM reads back, or the purge of idle conversations would misjudge
    its age."""
    from datetime import UTC, datetime

    from storage.models import utcnow

    storage = SQLStorage(session_factory)
    before = utcnow()
    await storage.set_record(KEY, "Screening:age", {"answers": {"name": "Әсел", "n": [1, 2]}})
    after = utcnow()

    async with session_factory() as session:
        row = await session.get(FSMState, build_key(KEY))
        assert row is not None
        assert row.state == "Screening:age"
        assert row.data == {"answers": {"name": "Әсел", "n": [1, 2]}}
        assert row.updated_at.tzinfo is not None and before <= row.updated_at <= after
        older = await session.scalar(select(func.count()).select_from(FSMState).where(
            FSMState.updated_at < datetime(2100, 1, 1, tzinfo=UTC)))
        assert older == 1
    assert await storage.get_record(KEY) == ("Screening:age",
                                             {"answers": {"name": "Әсел", "n": [1, 2]}})
