"""The unit of work of one update. When is my write committed?

1. ``UnitMiddleware`` opens one AsyncSession for the update; the handlers get it as ``session``,
   the FSM storage finds it through :func:`current`.
2. Reads run at once. Writes wait for the update's end: those given to :func:`write_later`, the
   chat's FSM state, and the ORM objects added to the session.
3. The end (``OnceMiddleware``, inside the chat's lock, after the handler has answered): those
   writes, the ORM's flush and the record of the update's id, in one transaction committed
   through SQLAlchemy. An update whose id is recorded already is skipped, not handled again.
4. Then the steps given to :func:`commit_then` run: what must not be said or done before it.
5. An update that fails commits nothing: its session is rolled back as it closes.
6. With Redis, the chat's state and the update's record are written there as the chat's lock is
   released, after the database's commit (which records the update too when it wrote).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.handled import record_update, seen_update

if TYPE_CHECKING:
    from storage.isolation import ChatLock

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[None]]
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# session.info key, set by the ORM's events: the session has written (on SQLite it then holds
# the one write lock).
WROTE = "wrote"


@dataclass(eq=False)
class UnitOfWork:
    session: AsyncSession
    # (bot id, update id); ``seen``: whether it was handled already, when the read of the
    # chat's state found that out too (None: not asked yet).
    update: tuple[int, int] | None = None
    seen: bool | None = None
    writes: list[Write] = field(default_factory=list)
    after_commit: list[Write] = field(default_factory=list)
    # The FSM storage's records of this update: storage key -> storage.fsm.Record.
    fsm: dict[Any, Any] = field(default_factory=dict)
    # The chat's Redis lock, when the chat's state is kept there (storage.isolation).
    chat_lock: ChatLock | None = None
    # What the update changed that a per-process cache must learn: user id -> language
    # (None: the user was erased).
    users_changed: dict[int, str | None] = field(default_factory=dict)

    def has_database_work(self) -> bool:
        return bool(self.writes) or wrote(self.session) or orm_pending(self.session)


_current: ContextVar[UnitOfWork | None] = ContextVar("sozak_unit_of_work", default=None)


def current() -> UnitOfWork | None:
    """The unit of work of the update handled in this task, if any."""
    return _current.get()


def enter(unit: UnitOfWork) -> Token[UnitOfWork | None]:
    """Make ``unit`` the current one in this task (UnitMiddleware does, for an update)."""
    return _current.set(unit)


def leave(token: Token[UnitOfWork | None]) -> None:
    _current.reset(token)


def _of(session: AsyncSession) -> UnitOfWork | None:
    unit = _current.get()
    return unit if unit is not None and unit.session is session else None


async def write_later(session: AsyncSession, write: Write) -> None:
    """Run ``write`` at the end of the session's update, or now outside an update."""
    unit = _of(session)
    if unit is None:
        await write()
    else:
        unit.writes.append(write)


async def commit_then(session: AsyncSession, then: Write | None = None) -> None:
    """Commit the session's work, then run ``then`` (tell what only the commit makes true,
    remove files of erased rows). Within an update both happen at its end; ``then`` runs in the
    context it was asked from (the user's language, which the middlewares have left by then)."""
    unit = _of(session)
    if unit is None:
        await session.commit()
        if then is not None:
            await then()
        return
    if then is not None:
        context = contextvars.copy_context()

        async def run() -> None:
            await then()

        unit.after_commit.append(lambda: asyncio.create_task(run(), context=context))


def note_user(session: AsyncSession, user_id: int, language: str | None) -> None:
    """Tell the per-process user cache (bot.middlewares) what this update changed."""
    unit = _of(session)
    if unit is not None:
        unit.users_changed[user_id] = language


def orm_pending(session: AsyncSession) -> bool:
    """Whether the ORM has changes to flush (``dirty`` walks every loaded object: asked only
    when some were loaded)."""
    if session.new:
        return True
    return bool(session.identity_map and (session.dirty or session.deleted))


def wrote(session: AsyncSession) -> bool:
    """Whether the session has written already during its update."""
    return bool(session.info.get(WROTE))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(WROTE, None)


class UnitMiddleware(BaseMiddleware):
    """Opens the update's unit of work: at most ``limit`` updates at once, what the pool serves."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], limit: int) -> None:
        self.session_factory = session_factory
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._slots, self.session_factory() as session:
            unit = UnitOfWork(session)
            if isinstance(event, Update):
                unit.update = (data["bot"].id, event.update_id)
            token = enter(unit)
            data["session"] = session
            try:
                return await handler(event, data)
            finally:
                leave(token)


class OnceMiddleware(BaseMiddleware):
    """Each update once: skipped if its id is recorded, else handled and ended (see above)."""

    def __init__(self) -> None:
        # SQLite has one writer: the updates of this process take turns here for their few
        # writes, rather than each holding a connection in SQLite's busy wait (which gives up
        # with "database is locked" after its time-out when many wait).
        self._sqlite_writer = asyncio.Lock()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        unit = current()
        if unit is None or unit.update is None:
            return await handler(event, data)
        seen = unit.seen
        if seen is None:
            seen = await seen_update(unit.session, *unit.update)
        if seen:
            return UNHANDLED
        result = await handler(event, data)
        if unit.chat_lock is None:
            await self._commit(unit)
        else:
            if unit.has_database_work():
                await self._commit_unless_redone(unit)
            await unit.chat_lock.finish(unit.fsm.get(unit.chat_lock.key))
        for then in unit.after_commit:
            await then()
        return result

    async def _commit(self, unit: UnitOfWork) -> None:
        bind = unit.session.bind
        # A session that wrote during the update holds SQLite's write lock already: it must
        # not queue behind a turn-taker that is itself waiting for that lock.
        if bind is not None and bind.dialect.name == "sqlite" and not wrote(unit.session):
            async with self._sqlite_writer:
                await commit_update(unit)
        else:
            await commit_update(unit)

    async def _commit_unless_redone(self, unit: UnitOfWork) -> None:
        """If the update's record is in the database already, the process that first handled
        it died after that commit and before Redis heard of it: the database keeps that run's
        writes, and this run (from the same state, so to the same state) only ends in Redis."""
        assert unit.update is not None
        try:
            await self._commit(unit)
        except Exception:  # the unique violation of the record, as the driver raises it
            await unit.session.rollback()
            if not await seen_update(unit.session, *unit.update):
                raise
            unit.after_commit.clear()
            log.warning("update %s was handled before its state reached Redis", unit.update[1])


async def commit_update(unit: UnitOfWork) -> None:
    """The update's end in the database: its writes, the ORM's changes and its record, committed
    together (or, on an error, not at all: the caller rolls back)."""
    assert unit.update is not None
    if orm_pending(unit.session):  # first: a write below may refer to a row added by the ORM
        await unit.session.flush()
    while unit.writes:
        await unit.writes.pop(0)()
    await record_update(unit.session, *unit.update)
    await unit.session.commit()
