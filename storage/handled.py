"""Which Telegram updates were handled: each update's id is recorded in the transaction of the
change it made (storage.unit), so an update delivered again is skipped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate, utcnow

_TABLE: Any = HandledUpdate.__table__
# Whether (bot_id, update_id) is recorded: an expression, so the FSM storage can read it with
# the chat's state in one statement (storage.fsm).
SEEN = exists().where(
    _TABLE.c.bot_id == bindparam("bot_id"), _TABLE.c.update_id == bindparam("update_id")
)
_IS_SEEN = select(SEEN)
_RECORD = insert(_TABLE)


async def seen_update(session: AsyncSession, bot_id: int, update_id: int) -> bool:
    result = await session.execute(_IS_SEEN, {"bot_id": bot_id, "update_id": update_id})
    return bool(result.scalar())


async def record_update(session: AsyncSession, bot_id: int, update_id: int) -> None:
    await session.execute(
        _RECORD, {"bot_id": bot_id, "update_id": update_id, "handled_at": utcnow()}
    )


async def purge_handled(session: AsyncSession, before: datetime) -> int:
    """Forget updates handled before ``before`` (Telegram redelivers for a day at most)."""
    result = await session.execute(delete(_TABLE).where(_TABLE.c.handled_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


class HandledUpdateRepo:
    """The handled updates, for callers holding a session (see the functions above)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, bot_id: int, update_id: int) -> bool:
        return await seen_update(self.session, bot_id, update_id)

    async def record(self, bot_id: int, update_id: int) -> None:
        await record_update(self.session, bot_id, update_id)

    async def purge(self, before: datetime) -> int:
        return await purge_handled(self.session, before)
