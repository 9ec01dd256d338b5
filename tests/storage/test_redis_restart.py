"""The chat's lock and the update's end in Redis survive what a Redis restart does to the
client (its script cache emptied, its connections closed): the script is loaded again, the
connection made again.

Skips where Redis cannot be reached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.app import create_storage
from bot.config import Settings
from storage.isolation import RedisChatIsolation
from tests.storage.conftest import REDIS_URL, redis_storage

KEY = StorageKey(bot_id=1, chat_id=-4242, user_id=-4242)  # no real chat's


@asynccontextmanager
async def production_storage() -> AsyncIterator[RedisStorage]:
    """The Redis storage as the bot makes it (its pool and retries)."""
    async with redis_storage():  # skips where Redis is not reachable
        pass
    settings = Settings(_env_file=None, redis_url=REDIS_URL)
    storage = create_storage(settings, None)  # type: ignore[arg-type]  # no SQL needed
    assert isinstance(storage, RedisStorage)
    try:
        yield storage
    finally:
        await storage.redis.delete(storage.key_builder.build(KEY, "lock"))
        await storage.close()


async def test_the_chat_lock_is_taken_and_released_after_the_server_forgot_its_scripts() -> None:
    async with production_storage() as fsm:
        isolation = RedisChatIsolation(fsm)
        lock_key = fsm.key_builder.build(KEY, "lock")
        async with isolation.lock(KEY):
            assert await fsm.redis.exists(lock_key)
        assert not await fsm.redis.exists(lock_key)

        await fsm.redis.script_flush()
        await fsm.redis.client_kill_filter(_type="normal", skipme=False)
        async with isolation.lock(KEY):
            assert await fsm.redis.exists(lock_key)
        assert not await fsm.redis.exists(lock_key)
