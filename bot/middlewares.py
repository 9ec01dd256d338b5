"""Outer middlewares: one unit of work per update, handled once; then the user's record.

Order (see bot.app): UnitMiddleware opens the update's session (at most ``limit`` updates at
once, what the pools can serve) → aiogram's FSM middleware takes the chat's lock and reads the
state → OnceMiddleware skips an update already handled, else runs it and commits its writes
with the record of its id, inside the chat's lock → UserMiddleware → language → polite errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage import unit as units
from storage.driver import together
from storage.repositories import HandledUpdateRepo, UserRepo

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

class UnitMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], limit: int) -> None:
        self.session_factory = session_factory
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._slots:
            session = self.session_factory()
            unit = units.Unit(session)
            if isinstance(event, Update):
                unit.update = (data["bot"].id, event.update_id)
            token = units.enter(unit)
            data["session"] = session
            try:
                return await handler(event, data)
            finally:
                units.leave(token)
                # A session that never began (a press kept in Redis) holds nothing to give
                # back: its close, as `async with` does it, would cost a task.
                if session.in_transaction() or session.sync_session.identity_map:
                    await session.__aexit__(None, None, None)


class OnceMiddleware(BaseMiddleware):
    """Each update once: its id is recorded in the transaction of the change it made, and,
    where the chat's state is kept in Redis, with that state."""

    def __init__(self) -> None:
        # SQLite has one writer: the updates of this process take turns here for their few
        # writes, rather than each holding a connection in SQLite's busy wait (which gives up
        # with "database is locked" after its time-out when many wait).
        self._sqlite_writer = asyncio.Lock()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        unit = units.current()
        if unit is None or not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        handled = HandledUpdateRepo(unit.session)
        seen = unit.seen  # found with the state, when the state is read from the database
        if seen is None:
            seen = await handled.seen(bot.id, event.update_id)
        if seen:
            return UNHANDLED
        result = await handler(event, data)
        hold = unit.hold
        if hold is None:
            await self._commit(unit, handled, bot.id, event.update_id)
        else:
            # The chat's state is in Redis, and the update is recorded there with it: the
            # database is asked only when the update wrote to it, and then first.
            if _wrote(unit):
                await self._commit_unless_redone(unit, handled, bot.id, event.update_id)
            await hold.finish(unit.fsm.get(hold.key))
        # What follows the commit (answers that must not precede it, the staff card) runs
        # outside the writers' turn.
        for then in unit.after_commit:
            await then()
        return result

    async def _commit(
        self, unit: units.Unit, handled: HandledUpdateRepo, bot_id: int, update_id: int
    ) -> None:
        bind = unit.session.bind
        # A session that wrote during the update holds SQLite's write lock already: it must
        # not queue behind a turn-taker that is itself waiting for that lock.
        if bind is not None and bind.dialect.name == "sqlite" and not units.wrote(unit.session):
            async with self._sqlite_writer:
                await self._write_and_commit(unit, handled, bot_id, update_id)
        else:
            await self._write_and_commit(unit, handled, bot_id, update_id)

    async def _write_and_commit(
        self, unit: units.Unit, handled: HandledUpdateRepo, bot_id: int, update_id: int
    ) -> None:
        async with together(unit.session):  # on SQLite: one hand-off for all, with the commit
            await unit.write()
            await handled.record(bot_id, update_id)
        await unit.session.commit()

    async def _commit_unless_redone(
        self, unit: units.Unit, handled: HandledUpdateRepo, bot_id: int, update_id: int
    ) -> None:
        """Commit with the update's record in the database too. If it is there already, the
        process that first handled the update died after that commit and before Redis heard
        of it: the database keeps that run's writes, and this run (from the same state, so to
        the same state) only ends in Redis."""
        try:
            await self._commit(unit, handled, bot_id, update_id)
        except Exception:  # the driver's own unique violation, or SQLAlchemy's
            await unit.session.rollback()
            if not await handled.seen(bot_id, update_id):
                raise
            unit.after_commit.clear()
            log.warning("update %s was handled before its state reached Redis", update_id)


def _wrote(unit: units.Unit) -> bool:
    """Whether the update has anything for the database (written, pending, or in the ORM)."""
    return bool(unit.writes) or units.wrote(unit.session) or units.orm_pending(unit.session)


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
        changes = session.info.pop(units.USERS_CHANGED, {})
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
