"""One update at a time per chat: within a process, or across instances through Redis.

aiogram's SimpleEventIsolation keeps a lock per key forever (10 000 locks after 10 000 users);
here a key's lock lives only while an update holds it or waits for it. Across instances the
lock is a Redis key, as aiogram's RedisEventIsolation; the update's end writes the chat's state,
records the update and releases the lock in one script (storage.unit).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.exceptions import RedisError

from storage import unit as units
from storage.fsm import PUT, Record, handled_key, redis_state_args
from storage.retention import KEEP_HANDLED_UPDATES

log = logging.getLogger(__name__)

# Takes the chat's lock if it is free, finds it ours already (a call repeated after its reply was
# lost), or takes it over from this owner's previous process (killed: its locks are nobody's).
# KEYS: the lock. ARGV: token, expiry in ms, "owner|", "owner|boot|".
_TAKE = """
local held = redis.call("get", KEYS[1])
if held == ARGV[1] then return 1 end
if held and not (string.sub(held, 1, #ARGV[3]) == ARGV[3]
                 and string.sub(held, 1, #ARGV[4]) ~= ARGV[4]) then return 0 end
redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1
"""
# Keeps the lock alive while its update runs, if it is still ours.
_RENEW = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end
return 0
"""
# Deletes the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
# The end of an update: its state (when it changed), its record, and the lock released if it is
# still ours, in one command. KEYS: lock, state, data, the update's record ("": none). ARGV:
# token, "1" to write the state, the state and the data as storage.fsm.redis_state_args, the
# record's time to live in ms.
_FINISH = PUT + """
if ARGV[2] == "1" then
  put(KEYS[2], ARGV[3], ARGV[4])
  put(KEYS[3], ARGV[5], ARGV[6])
end
if KEYS[4] ~= "" then redis.call("set", KEYS[4], "1", "PX", ARGV[7]) end
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
# A lock's token: "owner|boot|n". The owner names the instance, the same after a restart; the
# boot is this process's (random), the count unique within it.
_BOOT, _tokens = uuid.uuid4().hex, itertools.count()
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
class ChatLock:
    """A chat's Redis lock held by the update in hand (see RedisChatIsolation)."""

    isolation: RedisChatIsolation
    key: StorageKey
    keys: list[str]  # lock, state, data, the update's record ("": none)
    token: str
    released: bool = False

    async def finish(self, record: Record | None) -> None:
        """The update's end: the chat's state if ``record`` changed, the update's record, and
        the release of the lock, in one command."""
        storage = self.isolation.storage
        state: list[Any] = ["0", "", "", "", ""]
        if record is not None and record.dirty:
            record.dirty = False
            state = ["1", *redis_state_args(storage, record)]
        released = await self.isolation.finish(
            keys=self.keys, args=[self.token, *state, _KEEP_HANDLED_MS]
        )
        self.released = True
        if not released:
            log.warning("a chat lock expired before its update ended")


class RedisChatIsolation(BaseEventIsolation):
    """A Redis lock per chat (aiogram's key), so two instances never run one chat's updates at
    once: taken by a script, released by the update's end (:meth:`ChatLock.finish`), or by a
    script of its own if the update is cut short. It names its owner: a restarted instance takes
    over the locks its killed process left at once. It expires ``expire_seconds`` after its
    holder stops renewing it (a third of that apart), so a dead owner's lock is soon free.
    ``owner``: the instance's name, the same after a restart (None: this process only)."""

    def __init__(self, storage: RedisStorage, *, owner: str | None = None,
                 expire_seconds: float = 10.0, retry_seconds: float = 0.05) -> None:
        self.storage = storage
        self.owner = (owner or uuid.uuid4().hex).replace("|", "/")
        self.expire_ms = int(expire_seconds * 1000)
        self.retry_seconds = retry_seconds
        self._take = storage.redis.register_script(_TAKE)
        self._renew = storage.redis.register_script(_RENEW)
        self.finish = storage.redis.register_script(_FINISH)  # run by ChatLock.finish
        self._release = storage.redis.register_script(_RELEASE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        build = self.storage.key_builder.build
        unit = units.current()
        update = None if unit is None else unit.update
        mine = f"{self.owner}|{_BOOT}|"
        token = f"{mine}{next(_tokens)}"
        keys = [build(key, "lock"), build(key, "state"), build(key, "data"),
                "" if update is None else handled_key(self.storage, update)]
        take: list[str | int] = [token, self.expire_ms, f"{self.owner}|", mine]
        while not await self._take(keys=keys[:1], args=take):
            await asyncio.sleep(self.retry_seconds)
        held = ChatLock(self, key, keys, token)
        if unit is not None and unit.chat_lock is None:
            unit.chat_lock = held
        renewing = asyncio.create_task(self._keep(keys[0], token))
        try:
            yield
        finally:
            renewing.cancel()
            if unit is not None and unit.chat_lock is held:
                unit.chat_lock = None
            if not held.released and not await self._release(keys=keys[:1], args=[token]):
                log.warning("a chat lock expired before its update ended")

    async def _keep(self, lock: str, token: str) -> None:
        """Renew the lock while its update runs (a failed renewal is tried again next time)."""
        while True:
            await asyncio.sleep(self.expire_ms / 3000)
            with contextlib.suppress(RedisError):
                await self._renew(keys=[lock], args=[token, self.expire_ms])

    async def close(self) -> None:
        """Nothing of its own: the Redis client belongs to the storage."""
