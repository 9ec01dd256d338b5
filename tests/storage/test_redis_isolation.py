"""The chat lock across instances (Redis): one update of a chat at a time, the state read once
in an update, and a lock that expired left to whoever holds it now."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy.ext.asyncio import AsyncSession

from storage import unit as units
from storage.fsm import UnitStorage
from storage.isolation import RedisChatIsolation
from tests.storage.conftest import redis_storage

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


async def test_two_instances_take_turns_on_one_chat() -> None:
    async with redis_storage() as storage:
        first, second = RedisChatIsolation(storage), RedisChatIsolation(storage)
        order: list[str] = []

        async def update(isolation: RedisChatIsolation, name: str) -> None:
            async with isolation.lock(KEY):
                order.append(f"{name} in")
                await asyncio.sleep(0.05)
                order.append(f"{name} out")

        await asyncio.gather(update(first, "a"), update(second, "b"))

        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_the_state_is_read_once_in_an_update() -> None:
    async with redis_storage() as storage:
        await storage.set_state(KEY, "Screening:step")
        await storage.set_data(KEY, {"answers": {"age": 81}})
        isolation, fsm = RedisChatIsolation(storage), UnitStorage(storage)
        reads = 0
        real_mget = storage.redis.mget

        async def counting_mget(*args: object) -> object:
            nonlocal reads
            reads += 1
            return await real_mget(*args)

        storage.redis.mget = counting_mget  # type: ignore[method-assign]
        unit = units.UnitOfWork(AsyncSession())  # an update with no SQL in it
        token = units.enter(unit)
        try:
            async with isolation.lock(KEY):
                assert await fsm.get_state(KEY) == "Screening:step"
                assert await fsm.get_data(KEY) == {"answers": {"age": 81}}
        finally:
            units.leave(token)

        assert reads == 1  # state and data in one read, kept for the update


async def test_a_lock_taken_over_after_it_expired_is_not_released_by_the_late_update() -> None:
    async with redis_storage() as storage:
        slow = RedisChatIsolation(storage, expire_seconds=0.05)
        lock_key = storage.key_builder.build(KEY, "lock")
        async with slow.lock(KEY):
            await asyncio.sleep(0.1)  # expired meanwhile; another instance takes the chat
            assert await storage.redis.set(lock_key, "other", nx=True, px=5000)

        assert await storage.redis.get(lock_key) == b"other"
