"""One unit of work per update: one session, one transaction, the writes at its end.

The handlers, the FSM storage and the handled-update record of one update share one session
(:func:`current` finds it). Writes asked for during the update are kept in order and run
together just before the commit, after the handler has spoken to Telegram: on SQLite (one
writer) the write lock is held for the few statements of the end, never for as long as a slow
Bot API call takes, and an update cut short writes nothing at all.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

if TYPE_CHECKING:
    from storage.isolation import Hold

Write = Callable[[], Awaitable[None]]
# session.info keys: the pending writes of the session's update, and what they change that
# a per-process cache must learn (user id -> language, None when the user is erased).
PENDING_WRITES = "pending_writes"
AFTER_COMMIT = "after_commit"
USERS_CHANGED = "users_changed"
# Set once the session has written during its update (on SQLite it then holds the write lock).
WROTE = "wrote"
# The driver connection of the session's transaction, for storage.driver (gone when it ends).
DRIVER = "driver_connection"


@dataclass
class Unit:
    session: AsyncSession
    writes: list[Write] = field(default_factory=list)
    after_commit: list[Write] = field(default_factory=list)
    # Per-update cache of the FSM storage: storage key -> record (see storage.fsm).
    fsm: dict[Any, Any] = field(default_factory=dict)
    # (bot id, update id) of the update, and whether it was handled already when the FSM
    # storage found that out in the same read as the state (None: not asked yet).
    update: tuple[int, int] | None = None
    seen: bool | None = None
    # The chat's lock held in Redis, when the state is kept there: the update's end writes the
    # state, records the update and releases the lock in one command (storage.isolation).
    hold: Hold | None = None

    def __post_init__(self) -> None:
        self.session.info[PENDING_WRITES] = self.writes
        self.session.info[AFTER_COMMIT] = self.after_commit

    async def write(self) -> None:
        """Run the pending writes in the order they were asked for (the caller commits)."""
        while self.writes:
            await self.writes.pop(0)()


def orm_pending(session: AsyncSession) -> bool:
    """Whether the ORM has changes to flush. Changed or deleted objects were loaded first:
    ``dirty``, which walks them all, is asked only then."""
    if session.new:
        return True
    return bool(session.sync_session.identity_map and (session.dirty or session.deleted))


def wrote(session: AsyncSession) -> bool:
    """Whether the session has written already (a handler's repository, before the end)."""
    return bool(session.info.get(WROTE))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(WROTE, None)


@event.listens_for(Session, "after_transaction_end")
def _released(session: Session, transaction: Any) -> None:
    session.info.pop(DRIVER, None)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


_current: ContextVar[Unit | None] = ContextVar("sozak_update_unit", default=None)


def current() -> Unit | None:
    """The unit of the update being handled in this task, if any."""
    return _current.get()


def enter(unit: Unit) -> Token[Unit | None]:
    return _current.set(unit)


def leave(token: Token[Unit | None]) -> None:
    _current.reset(token)


async def write_later(session: AsyncSession, write: Write) -> None:
    """Run ``write`` at the end of the session's update, or now outside an update."""
    pending: list[Write] | None = session.info.get(PENDING_WRITES)
    if pending is None:
        await write()
    else:
        pending.append(write)


async def commit_then(session: AsyncSession, then: Write | None = None) -> None:
    """Commit the session's work, then run ``then`` (e.g. erase what was deleted from the
    SQLite files, or tell what only the commit makes true). Within an update both happen at its
    end, with everything else; ``then`` runs in the context it was asked from (the user's
    language, which the middlewares have left by then)."""
    after: list[Write] | None = session.info.get(AFTER_COMMIT)
    if after is None:
        await session.commit()
        if then is not None:
            await then()
    elif then is not None:
        context = contextvars.copy_context()

        async def run() -> None:
            await then()

        after.append(lambda: asyncio.create_task(run(), context=context))


def note_user(session: AsyncSession, user_id: int, language: str | None) -> None:
    """Tell the per-process user cache (bot.middlewares) what this session changed."""
    session.info.setdefault(USERS_CHANGED, {})[user_id] = language
