"""The scale path: the same conversation on PostgreSQL with the FSM in Redis, across a restart.

Skips (with the reason) where PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, func, select

from bot.app import create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from storage.db import create_session_factory
from storage.models import HandledUpdate, User
from storage.repositories import ScreeningRepo
from tests.storage.conftest import migrated_engine, postgres_database, redis_storage
from tests.test_screening import Persona, family_of_four_after_fire

DAY = date(2015, 4, 20)
DAY_SECONDS = 24 * 3600
SORRY = "Sorry, something went wrong on our side. Your answers are kept; let us go on from here."


def on_day(url: str, **kwargs: Any) -> Dispatcher:
    """The production dispatcher on ``url`` (with ``engine``, ``storage`` if given), on DAY."""
    settings = Settings(_env_file=None, database_url=url, redis_url=None)
    return create_dispatcher(settings, today=lambda: DAY, **kwargs)


def persona(dp: Dispatcher, bot: Bot, lang: str) -> Persona:
    return Persona(LocalChat(dp, bot, language_code=lang), dp["i18n"], lang)


async def test_a_check_on_postgresql_and_redis_survives_a_restart(bot: Bot) -> None:
    async with postgres_database() as url, migrated_engine(url) as engine, \
            redis_storage() as fsm:
        first = on_day(url, engine=engine, storage=fsm)
        p = persona(first, bot, "ru")
        await p.start_check()
        await p.press("Hardship: fire, natural disaster, illness")
        await p.press("Next ➡️")

        # Another instance behind the load balancer (or this one restarted) takes over.
        second = on_day(url, engine=engine, storage=fsm)
        p2 = persona(second, bot, "ru")
        await p2.chat.send("/help")  # shows where the citizen is
        assert p2.t("Difficult life situation") in p2.chat.last_text
        await p2.press("Fire")
        await p2.type("10.04.2015")
        await p2.press("4")
        await p2.type("120000")
        await p2.press("➖ None of these")
        result = await p2.result()
        assert p2.title("p9.11") in result and "594 600 ₸" in result

        async with create_session_factory(engine)() as session:
            saved = await ScreeningRepo(session).last(100)
        assert saved is not None and saved["situation"] == "fire"


async def test_the_fire_family_on_postgresql(bot: Bot) -> None:
    async with postgres_database() as url, migrated_engine(url) as engine:
        dp = on_day(url, engine=engine)
        p = persona(dp, bot, "kk")
        await family_of_four_after_fire(p, "10.04.2015")
        await p.press("➖ None of these")
        result = await p.result()
        assert p.title("p9.11") in result and "594 600 ₸" in result


async def test_redis_url_puts_the_conversations_in_redis(database_url: str) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    from storage.fsm import SQLStorage

    with_redis = create_dispatcher(Settings(
        _env_file=None, database_url=database_url, redis_url="redis://127.0.0.1:6379/0"))
    without = create_dispatcher(Settings(_env_file=None, database_url=database_url))
    assert isinstance(with_redis.storage.inner, RedisStorage)
    assert isinstance(without.storage.inner, SQLStorage)
    for dp in (with_redis, without):
        await dp.emit_shutdown()


async def test_an_update_delivered_again_is_skipped_on_postgresql_and_redis(bot: Bot) -> None:
    """The update's id is recorded on its own (no other write, no transaction around it) and
    still stops a redelivery: the tick stays, nothing is said twice."""
    async with postgres_database() as url, migrated_engine(url) as engine, \
            redis_storage() as fsm:
        dp = on_day(url, engine=engine, storage=fsm)
        p = persona(dp, bot, "ru")
        await p.start_check()
        await p.press("Pensioners and the elderly")
        state = dp.fsm.get_context(bot, chat_id=100, user_id=100)
        ticked = (await state.get_data())["screening"]["answers"]["groups"]
        requests_before = len(p.chat.session.requests)

        assert p.chat.last_update is not None
        await dp.feed_update(bot, p.chat.last_update)

        assert (await state.get_data())["screening"]["answers"]["groups"] == ticked == ["elderly"]
        assert len(p.chat.session.requests) == requests_before


async def test_a_connection_the_server_closed_is_replaced_on_checkout() -> None:
    """After a database restart the pool holds closed connections: the next session gets a
    working one, not an error (without a ping to the server on every checkout)."""
    async with postgres_database() as url, migrated_engine(url) as engine:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.close()  # type: ignore[union-attr]
        assert engine.pool.checkedin() == 1  # the closed one is back in the pool

        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1


async def test_a_conversation_kept_in_redis_expires_and_is_erased(
    bot: Bot, database_url: str
) -> None:
    """An update's state and answers go to Redis with the time to live of DATA_DAYS (like the
    conversations kept in SQL), and /cancel leaves nothing of them there."""
    async with redis_storage() as fsm:
        fsm.state_ttl = fsm.data_ttl = timedelta(days=30)
        dp = on_day(database_url, storage=fsm)
        p = persona(dp, bot, "kk")
        await p.start_check()
        await p.press("Pensioners and the elderly")
        key = StorageKey(bot_id=bot.id, chat_id=100, user_id=100)  # LocalChat's user
        names = [fsm.key_builder.build(key, part) for part in ("state", "data")]
        for name in names:
            assert 29 * DAY_SECONDS < await fsm.redis.ttl(name) <= 30 * DAY_SECONDS, name
        assert "elderly" in (await fsm.get_data(key))["screening"]["answers"]["groups"]

        await p.chat.send("/cancel")
        assert not await fsm.redis.exists(*names)
        await dp.emit_shutdown()


async def test_a_press_on_redis_is_three_redis_commands_and_no_database(bot: Bot) -> None:
    """With the state in Redis, a press that writes nothing else takes the chat's lock, reads
    the state with the update's record, and ends in one more command (the state, the record,
    the lock's release): the database is not asked at all (its pool is never checked out)."""
    async with postgres_database() as url, migrated_engine(url) as engine, \
            redis_storage() as fsm:
        dp = on_day(url, engine=engine, storage=fsm)
        p = persona(dp, bot, "ru")
        await p.start_check()
        checkouts: list[object] = []
        event.listen(engine.sync_engine, "checkout", lambda *args: checkouts.append(args))
        await fsm.redis.config_resetstat()
        await p.press("Pensioners and the elderly")
        stats = await fsm.redis.info("commandstats")
        # Redis counts the commands a script runs as well: those of ours are set, get, del.
        inside = {"cmdstat_set", "cmdstat_get", "cmdstat_del", "cmdstat_config|resetstat"}
        calls = {name: stat["calls"] for name, stat in stats.items() if name not in inside}
        assert calls == {"cmdstat_evalsha": 2, "cmdstat_mget": 1}, calls
        assert checkouts == []

        key = StorageKey(bot_id=bot.id, chat_id=100, user_id=100)
        assert not await fsm.redis.exists(fsm.key_builder.build(key, "lock"))
        assert p.chat.last_update is not None
        handled = f"{fsm.key_builder.prefix}:handled:{bot.id}:{p.chat.last_update.update_id}"
        assert 47 * 3600 < await fsm.redis.ttl(handled) <= 48 * 3600
        await dp.emit_shutdown()


async def test_an_update_whose_redis_end_was_lost_is_ended_again_without_a_second_write(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """The process died after the database's commit and before Redis heard of the update:
    delivered again, it runs from the same state to the same state; the database keeps the
    first run's writes (nothing twice, no error) and Redis gets the state and the record."""
    async with postgres_database() as url, migrated_engine(url) as engine, \
            redis_storage() as fsm:
        dp = on_day(url, engine=engine, storage=fsm)
        p = persona(dp, bot, "ru")
        await p.chat.send("/start")
        key = StorageKey(bot_id=bot.id, chat_id=100, user_id=100)
        before = await fsm.get_state(key), await fsm.get_data(key)
        # A new process: its first update of the day from this user writes the user's row.
        p.chat.dp = on_day(url, engine=engine, storage=fsm)
        await p.press("🔎 What assistance may I get?")
        after = await fsm.get_state(key), await fsm.get_data(key)
        update = p.chat.last_update
        assert update is not None and after != before
        answers = len(p.chat.session.requests)

        # As if that run's Redis end never happened; delivered again to a restarted process.
        await fsm.redis.delete(f"{fsm.key_builder.prefix}:handled:{bot.id}:{update.update_id}")
        await fsm.set_state(key, before[0])
        await fsm.set_data(key, before[1])
        second = on_day(url, engine=engine, storage=fsm)
        with caplog.at_level(logging.WARNING):
            await second.feed_update(bot, update)

        assert (await fsm.get_state(key), await fsm.get_data(key)) == after
        assert "handled before its state reached Redis" in caplog.text
        assert len(p.chat.session.requests) > answers  # answered again: the tolerated repeat
        assert p.t(SORRY) not in p.chat.last_text
        async with create_session_factory(engine)() as session:
            records = await session.scalar(select(func.count()).select_from(HandledUpdate)
                                           .where(HandledUpdate.update_id == update.update_id))
            users = await session.scalar(select(func.count()).select_from(User))
        assert (records, users) == (1, 1)
        for each in (dp, p.chat.dp, second):
            await each.emit_shutdown()
