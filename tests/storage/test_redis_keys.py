"""REDIS_URL: keys that keep destinies and business connections apart, and that expire after
DATA_DAYS like the conversations kept in SQL. Skips when Redis cannot be reached."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.app import create_storage
from bot.config import Settings
from storage.db import create_engine, create_session_factory
from tests.storage.conftest import CONNECT_TIMEOUT, REDIS_URL

DAY = 24 * 3600


async def test_redis_keys_carry_destiny_and_business_connection_and_expire(
    tmp_path: Path,
) -> None:
    settings = Settings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        redis_url=REDIS_URL, data_days=30,
    )
    engine = create_engine(settings.database_url)
    storage = create_storage(settings, create_session_factory(engine))
    assert isinstance(storage, RedisStorage)
    try:
        try:
            await asyncio.wait_for(storage.redis.ping(), CONNECT_TIMEOUT)
        except Exception as exc:  # redis raises its own ConnectionError/TimeoutError types
            pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc!r}")
        user = int(uuid.uuid4().int % 10**9) + 10**9  # no clash with other runs
        plain = StorageKey(bot_id=1, chat_id=user, user_id=user)
        other_destiny = StorageKey(bot_id=1, chat_id=user, user_id=user, destiny="application")
        business = StorageKey(bot_id=1, chat_id=user, user_id=user, business_connection_id="bc7")
        written = []
        for n, key in enumerate((plain, other_destiny, business)):
            await storage.set_state(key, f"S:{n}")
            await storage.set_data(key, {"n": n})
            written += [storage.key_builder.build(key, "state"),
                        storage.key_builder.build(key, "data")]

        # Three conversations, three records: none overwrote another.
        assert [await storage.get_data(k) for k in (plain, other_destiny, business)] == [
            {"n": 0}, {"n": 1}, {"n": 2},
        ]
        assert len(set(written)) == 6
        assert "application" in storage.key_builder.build(other_destiny, "data")
        assert "bc7" in storage.key_builder.build(business, "data")
        for name in written:
            assert 29 * DAY < await storage.redis.ttl(name) <= 30 * DAY, name
        await storage.redis.delete(*written)
    finally:
        await storage.close()
        await engine.dispose()
