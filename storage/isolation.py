"""One update at a time per chat within a process, with no lock kept for a quiet chat.

aiogram's SimpleEventIsolation keeps a lock per key forever (10 000 locks after 10 000 users);
here a key's lock lives only while an update holds it or waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


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
