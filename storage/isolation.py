"""One update at a time per chat: within a process, or across instances through Redis.

aiogram's SimpleEventIsolation keeps a lock per key forever (10 000 locks after 10 000 users);
here a key's lock lives only while an update holds it or waits for it. Across instances the
lock is a Redis key, as aiogram's RedisEventIsolation, taken in the round trip that also reads
the chat's state.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from storage import unit as units
from storage.fsm import PUT, Record, prefetched, redis_state_args
from storage.redis_scripts import Scripts
from storage.retention import KEEP_HANDLED_UPDATES

log = logging.getLogger(__name__)

# Takes the chat's lock if it is free, then reads the chat's state and whether the update was
# handled already, in one command (a pipeline would be one round trip too, at twice redis-py's
# work). KEYS: lock, state, data, the update's record ("": none). ARGV: token, expiry in ms.
_TAKE = """
local held = redis.call("set", KEYS[1], ARGV[1], "NX", "PX", ARGV[2])
if held or redis.call("get", KEYS[1]) == ARGV[1] then  -- ours already: a repeated call
  local seen = 0
  if KEYS[4] ~= "" then seen = redis.call("exists", KEYS[4]) end
  return {1, redis.call("get", KEYS[2]), redis.call("get", KEYS[3]), seen}
end
return {0}
"""
# Deletes the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
# The end of an update: its state (when it changed), its record, and the lock released if it is
# still ours, in one command. KEYS as _TAKE's. ARGV: token, "1" to write the state, the state
# and the data as storage.fsm.redis_state_args, the record's time to live in ms.
_FINISH = PUT + """
if ARGV[2] == "1" then
  put(KEYS[2], ARGV[3], ARGV[4])
  put(KEYS[3], ARGV[5], ARGV[6])
end
if KEYS[4] ~= "" then redis.call("set", KEYS[4], "1", "PX", ARGV[7]) end
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
# A lock's token: unique across processes (the random part) and within one (the count).
_PROCESS, _tokens = uuid.uuid4().hex, itertools.count()
_KEEP_HANDLED_MS = str(int(KEEP_HANDLED_UPDATES.total_seconds() * 1000))


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


@dataclass
class Hold:
    """A chat's Redis lock held by the update in hand (see RedisChatIsolation)."""

    isolation: RedisChatIsolation
    key: StorageKey
    keys: list[str]  # lock, state, data, the update's record ("": none)
    token: str
    released: bool = False

    async def finish(self, record: Record | None) -> None:
        """The update's end: its state if ``record`` changed, its record, and the release of
        the lock, in one command."""
        storage = self.isolation.storage
        state: list[str | bytes] = ["0", "", "", "", ""]
        if record is not None and record.dirty:
            record.dirty = False
            state = ["1", *redis_state_args(storage, record)]
        released = await self.isolation.end(
            keys=self.keys, args=[self.token, *state, _KEEP_HANDLED_MS]
        )
        self.released = True
        if not released:
            log.warning("a chat lock expired before its update ended")


class RedisChatIsolation(BaseEventIsolation):
    """A Redis lock per chat (aiogram's key and 60-second expiry), so two instances never run
    one chat's updates at once. It is taken in one round trip with the read of the chat's
    state and of the update's record, which the update's unit of work then uses
    (storage.fsm.prefetched, storage.unit.Unit.seen); the update's end writes the state, records
    the update and releases the lock in one more (Hold.finish). aiogram's lock, reads, writes
    and release would be five or more."""

    def __init__(self, storage: RedisStorage, *, expire_seconds: float = 60.0,
                 retry_seconds: float = 0.05) -> None:
        self.storage = storage
        self.expire_ms = int(expire_seconds * 1000)
        self.retry_seconds = retry_seconds
        self._scripts = Scripts(storage.redis)
        self._take = self._scripts.register(_TAKE)
        self.end = self._scripts.register(_FINISH)  # run by Hold.finish
        self._release = storage.redis.register_script(_RELEASE)  # seldom: an update cut short

    def _record_key(self, update: tuple[int, int] | None) -> str:
        if update is None:
            return ""
        builder = self.storage.key_builder
        sep = getattr(builder, "separator", ":")
        return sep.join((getattr(builder, "prefix", "fsm"), "handled", *map(str, update)))

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        build = self.storage.key_builder.build
        unit = units.current()
        update = None if unit is None else unit.update
        token = f"{_PROCESS}:{next(_tokens)}"
        keys = [build(key, "lock"), build(key, "state"), build(key, "data"),
                self._record_key(update)]
        while True:
            taken = await self._take(keys=keys, args=[token, self.expire_ms])
            if taken[0]:
                state, data, seen = taken[1], taken[2], taken[3]
                break
            await asyncio.sleep(self.retry_seconds)
        prefetched(self.storage, key, state, data)
        hold = Hold(self, key, keys, token)
        if unit is not None and unit.hold is None:
            unit.hold = hold
            if update is not None:
                unit.seen = bool(seen)
        try:
            yield
        finally:
            if unit is not None and unit.hold is hold:
                unit.hold = None
            if not hold.released and not await self._release(keys=keys[:1], args=[token]):
                log.warning("a chat lock expired before its update ended")

    async def close(self) -> None:
        """Our scripts' connections (the Redis client belongs to the storage)."""
        await self._scripts.close()
