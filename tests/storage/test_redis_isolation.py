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
        slow = RedisChatIsolation(storage, expire_seconds=0.15)
        lock_key = storage.key_builder.build(KEY, "lock")
        async with slow.lock(KEY):
            # Expired meanwhile (the holder could not renew it); another instance took the chat.
            await storage.redis.set(lock_key, "other|boot|1", px=5000)
            await asyncio.sleep(0.2)  # the holder's renewals do not touch another's lock
            assert 4000 < await storage.redis.pttl(lock_key) <= 5000

        assert await storage.redis.get(lock_key) == b"other|boot|1"


async def test_a_lock_outlives_a_dead_owner_by_seconds_and_lives_while_its_update_runs() -> None:
    async with redis_storage() as storage:
        holder = RedisChatIsolation(storage, owner="a", expire_seconds=0.3)
        other = RedisChatIsolation(storage, owner="b", expire_seconds=0.3)
        lock_key = storage.key_builder.build(KEY, "lock")
        second = other.lock(KEY)
        async with holder.lock(KEY):
            waiting = asyncio.ensure_future(second.__aenter__())
            await asyncio.sleep(1.0)  # more than three expiries: renewed all along
            assert not waiting.done()
        await asyncio.wait_for(waiting, 1)  # released at the update's end: the other goes on
        await second.__aexit__(None, None, None)

        # A process killed while it held a lock: nobody renews it, and it expires.
        await storage.redis.set(lock_key, "c|dead|0", px=300)
        third = RedisChatIsolation(storage, owner="d", expire_seconds=0.3)
        async with asyncio.timeout(1), third.lock(KEY):
            assert (await storage.redis.get(lock_key)).startswith(b"d|")


async def test_a_restarted_instance_takes_over_its_own_locks_at_once() -> None:
    async with redis_storage() as storage:
        lock_key = storage.key_builder.build(KEY, "lock")
        # Left by this instance's killed process (another boot), with a minute to live.
        await storage.redis.set(lock_key, "host:8080|killedboot|7", px=60_000)
        restarted = RedisChatIsolation(storage, owner="host:8080")
        async with asyncio.timeout(0.5), restarted.lock(KEY):
            held = await storage.redis.get(lock_key)
            assert held.startswith(b"host:8080|") and b"killedboot" not in held

        # Another instance's lock is waited for, not taken.
        await storage.redis.set(lock_key, "elsewhere:8080|boot|1", px=60_000)
        other = restarted.lock(KEY)
        stranger = asyncio.ensure_future(other.__aenter__())
        await asyncio.sleep(0.3)
        assert not stranger.done()
        stranger.cancel()
        assert await storage.redis.get(lock_key) == b"elsewhere:8080|boot|1"
