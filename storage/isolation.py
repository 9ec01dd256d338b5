"""One update at a time per chat: within a process, or across instances through Redis.

aiogram's SimpleEventIsolation keeps a lock per key forever (10 000 locks after 10 000 users);
here a key's lock lives only while an update holds it or waits for it. Across instances the
lock is a Redis key, as aiogram's RedisEventIsolation, taken in the round trip that also reads
the chat's state.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from storage.fsm import prefetched, redis_record

log = logging.getLogger(__name__)

# Takes the chat's lock if it is free and then reads the chat's state, in one command (a
# pipeline would be one round trip too, at twice redis-py's work). KEYS: lock, state, data.
_TAKE = """
if redis.call("set", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then
  return {1, redis.call("get", KEYS[2]), redis.call("get", KEYS[3])}
end
return {0}
"""
# Deletes the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters


class ChatIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._entries: dict[StorageKey, _Entry] = {}

    @property
    def keys_held(self) -> int:
        """Keys with an update holding or awaiting their lock (not __len__: an empty
        isolation must stay truthy, aiogram tests it with ``or``)."""
        return len(self._entries)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0 and self._entries.get(key) is entry:
                del self._entries[key]

    async def close(self) -> None:
        self._entries.clear()


class RedisChatIsolation(BaseEventIsolation):
    """A Redis lock per chat (aiogram's key and 60-second expiry), so two instances never run
    one chat's updates at once. It is taken in one round trip with the read of the chat's
    state, which the update's unit of work then uses (storage.fsm.prefetched): aiogram's lock
    and the read would be two, and its release a third."""

    def __init__(self, storage: RedisStorage, *, expire_seconds: float = 60.0,
                 retry_seconds: float = 0.05) -> None:
        self.storage = storage
        self.expire_ms = int(expire_seconds * 1000)
        self.retry_seconds = retry_seconds
        self._take = storage.redis.register_script(_TAKE)
        self._release = storage.redis.register_script(_RELEASE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        build = self.storage.key_builder.build
        name, token = build(key, "lock"), uuid.uuid4().hex
        keys = [name, build(key, "state"), build(key, "data")]
        while True:
            taken = await self._take(keys=keys, args=[token, self.expire_ms])
            if taken[0]:
                state, data = taken[1], taken[2]
                break
            await asyncio.sleep(self.retry_seconds)
        prefetched(key, *redis_record(self.storage, state, data))
        try:
            yield
        finally:
            if not await self._release(keys=[name], args=[token]):
                log.warning("a chat lock expired before its update ended")

    async def close(self) -> None:
        """Nothing to do: the Redis client belongs to the storage."""
