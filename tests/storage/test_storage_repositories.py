"""UserRepo and ScreeningRepo on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_session_factory
from storage.models import Screening, User
from storage.repositories import ScreeningRepo, UserRepo

pytestmark = pytest.mark.asyncio

USER_ID = 7_000_000_001  # beyond 32 bits, like real Telegram ids


async def stored_user(session_factory: async_sessionmaker[AsyncSession]) -> User:
    async with session_factory() as session:
        user = await session.get(User, USER_ID)
    assert user is not None
    return user


async def test_touch_creates_the_user(session_factory: async_sessionmaker[AsyncSession]) -> None:
    before = datetime.now(UTC)
    async with session_factory() as session:
        await UserRepo(session).touch(USER_ID)
        await session.commit()

    user = await stored_user(session_factory)
    assert user.language is None
    assert user.first_seen == user.last_seen
    assert user.first_seen.tzinfo is not None
    assert before - timedelta(seconds=1) <= user.first_seen <= datetime.now(UTC)


async def test_touch_twice_keeps_first_seen_and_moves_last_seen(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await UserRepo(session).touch(USER_ID)
        await session.commit()
    first_seen = (await stored_user(session_factory)).first_seen
    async with session_factory() as session:
        # Pretend the first visit was an hour ago.
        an_hour_ago = first_seen - timedelta(hours=1)
        await session.execute(
            update(User)
            .where(User.id == USER_ID)
            .values(first_seen=an_hour_ago, last_seen=an_hour_ago)
        )
        await session.commit()

    async with session_factory() as session:
        await UserRepo(session).touch(USER_ID)
        await session.commit()

    stored = await stored_user(session_factory)
    assert stored.first_seen == an_hour_ago
    assert stored.last_seen >= first_seen > an_hour_ago


async def test_touch_is_seen_in_its_own_transaction(session: AsyncSession) -> None:
    """The touch runs on the session's own connection: the same transaction reads it."""
    repo = UserRepo(session)
    await repo.touch(USER_ID)
    assert await session.scalar(select(func.count()).select_from(User)) == 1
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_touch_keeps_the_language(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        repo = UserRepo(session)
        await repo.set_language(USER_ID, "kk")
        await repo.touch(USER_ID)
        await session.commit()
    assert (await stored_user(session_factory)).language == "kk"


async def test_concurrent_touch_of_a_new_user_from_two_instances(engine: AsyncEngine) -> None:
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    factories = [create_session_factory(engine), create_session_factory(other_engine)]

    async def visit(factory: async_sessionmaker[AsyncSession]) -> None:
        async with factory() as session:
            await UserRepo(session).touch(USER_ID)
            await session.commit()

    try:
        await asyncio.gather(*(visit(factories[i % 2]) for i in range(10)))
    finally:
        await other_engine.dispose()
    async with factories[0]() as session:
        assert len((await session.scalars(select(User))).all()) == 1


async def test_language(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        repo = UserRepo(session)
        assert await repo.get_language(USER_ID) is None  # unknown user
        await repo.touch(USER_ID)
        assert await repo.get_language(USER_ID) is None  # known, not chosen yet
        await repo.set_language(USER_ID, "kk")
        assert await repo.get_language(USER_ID) == "kk"
        await repo.set_language(USER_ID, "ru")
        await session.commit()

    async with session_factory() as session:
        assert await UserRepo(session).get_language(USER_ID) == "ru"


async def test_set_language_creates_an_unknown_user_and_updates_a_loaded_one(
    session: AsyncSession,
) -> None:
    repo = UserRepo(session)
    await repo.set_language(USER_ID, "ru")
    user = await session.get(User, USER_ID)
    assert user is not None
    assert user.language == "ru"
    await repo.set_language(USER_ID, "kk")
    assert user.language == "kk"  # the loaded object is not stale


async def test_set_language_refuses_a_non_two_letter_code(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="two-letter"):
        await UserRepo(session).set_language(USER_ID, "kaz")


async def test_repositories_flush_but_do_not_commit(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await UserRepo(session).touch(USER_ID)
        await ScreeningRepo(session).save(USER_ID, {"age": 70})
        await session.rollback()

    async with session_factory() as session:
        assert await session.get(User, USER_ID) is None
        assert await ScreeningRepo(session).last(USER_ID) is None


async def test_last_screening_is_the_newest(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await UserRepo(session).touch(USER_ID)
        await UserRepo(session).touch(USER_ID + 1)
        repo = ScreeningRepo(session)
        assert await repo.last(USER_ID) is None
        await repo.save(USER_ID, {"income": 10, "members": 3})
        await repo.save(USER_ID + 1, {"someone": "else"})
        await repo.save(USER_ID, {"income": 20, "members": 4, "город": "Созақ"})
        await session.commit()

    async with session_factory() as session:
        repo = ScreeningRepo(session)
        assert await repo.last(USER_ID) == {"income": 20, "members": 4, "город": "Созақ"}
        assert await repo.last(USER_ID + 1) == {"someone": "else"}
        assert await repo.last(USER_ID + 2) is None


async def test_only_the_last_screening_is_kept_and_forget_erases_it(
    session: AsyncSession,
) -> None:
    await UserRepo(session).touch(USER_ID)
    await UserRepo(session).touch(USER_ID + 1)
    repo = ScreeningRepo(session)
    await repo.save(USER_ID, {"n": 1})
    await repo.save(USER_ID, {"n": 2})
    await repo.save(USER_ID + 1, {"other": True})
    rows = await session.scalar(
        select(func.count()).select_from(Screening).where(Screening.user_id == USER_ID)
    )
    assert rows == 1  # health and income are not kept longer than the last check needs
    await repo.forget(USER_ID)
    assert await repo.last(USER_ID) is None
    assert await repo.last(USER_ID + 1) == {"other": True}


async def test_saved_answers_are_a_copy(session: AsyncSession) -> None:
    await UserRepo(session).touch(USER_ID)
    answers = {"age": 70}
    await ScreeningRepo(session).save(USER_ID, answers)
    answers["age"] = 71
    result = await ScreeningRepo(session).last(USER_ID)
    assert result == {"age": 70}
    assert result is not None
    result["age"] = 99
    assert await ScreeningRepo(session).last(USER_ID) == {"age": 70}


async def test_a_screening_of_an_unknown_user_creates_the_user(session: AsyncSession) -> None:
    """The user row may be gone (erased, or never touched today by this process): saving
    creates it rather than failing on the foreign key."""
    await ScreeningRepo(session).save(USER_ID, {"age": 70})
    assert await session.get(User, USER_ID) is not None
    assert await ScreeningRepo(session).last(USER_ID) == {"age": 70}


async def test_naive_datetimes_are_refused(session: AsyncSession) -> None:
    session.add(User(id=USER_ID, first_seen=datetime(2026, 1, 1), last_seen=datetime(2026, 1, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        await session.flush()


async def test_screening_rows_are_deleted_with_the_user(session: AsyncSession) -> None:
    await UserRepo(session).touch(USER_ID)
    await ScreeningRepo(session).save(USER_ID, {"a": 1})
    await session.commit()
    user = await session.get(User, USER_ID)
    await session.delete(user)
    await session.commit()
    assert (await session.scalars(select(Screening))).all() == []
