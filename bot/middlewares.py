"""The user's record, after the update's unit of work (storage.unit) has opened: see bot.app
for the order of the middlewares."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage import unit as units
from storage.repositories import UserRepo

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

class UserMiddleware(BaseMiddleware):
    """Hands the saved language to the locale middleware; records the user once a day.

    The language is kept per process for the day (a bounded cache), so a user's row is read
    and touched at most once a day per process, not on every update.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._cache: OrderedDict[int, tuple[str | None, date]] = OrderedDict()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        session: AsyncSession = data["session"]
        clock: Clock = data["clock"]
        today = clock.today()
        cached = self._cache.get(user.id)
        touch: _Touch | None = None
        if cached is not None and cached[1] == today:
            language = cached[0]
            self._cache.move_to_end(user.id)
        else:
            repo = UserRepo(session)
            language = await repo.get_language(user.id)
            touch = _Touch(repo, user.id)
            await units.write_later(session, touch)
            self._remember(user.id, language, today)
        data["user_language"] = language
        result = await handler(event, data)
        unit = units.current()
        changes = {} if unit is None else unit.users_changed
        if touch is not None and user.id in changes:
            # The language's upsert records the visit too; an erased user is not brought back.
            touch.needed = False
        for user_id, changed in changes.items():
            if changed is None:
                self._cache.pop(user_id, None)
            else:
                self._remember(user_id, changed, today)
        return result

    def _remember(self, user_id: int, language: str | None, today: date) -> None:
        self._cache[user_id] = (language, today)
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)


class _Touch:
    """The user seen today: a write at the end of the update, unless its handler wrote the
    user row itself (their language) or erased it."""

    def __init__(self, repo: UserRepo, user_id: int) -> None:
        self.repo, self.user_id = repo, user_id
        self.needed = True

    async def __call__(self) -> None:
        if self.needed:
            await self.repo.touch(self.user_id)
