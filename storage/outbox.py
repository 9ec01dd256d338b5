"""The outbox: notices as rows, claimed by senders with a lease.

Rows are enqueued in the caller's transaction (with the status change they announce). A sender
claims due rows in a short transaction of its own: on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so
two senders never claim the same row; SQLite ignores the clause and has a single writer. Every
later change names the claimant (``claimed_by``), so a sender whose lease ran out and was
taken over cannot overwrite the new holder's outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage._upsert import dialect_insert
from storage.models import OutboxMessage

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
UNDELIVERABLE = "undeliverable"


@dataclass(frozen=True)
class Claimed:
    """What a sender needs of a claimed row (no ORM object crosses the transaction)."""

    id: int
    chat_id: int
    text: str
    attempts: int


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        key: str,
        chat_id: int,
        text: str,
        kind: str,
        now: datetime,
        application_id: int | None = None,
        due_at: datetime | None = None,
    ) -> bool:
        """Add a notice (due at ``due_at``, else now) unless one with ``key`` exists; True when
        added. Flushes only."""
        insert = dialect_insert(self.session, OutboxMessage).values(
            key=key, chat_id=chat_id, text=text, kind=kind, application_id=application_id,
            status=PENDING, attempts=0, due_at=due_at or now, created_at=now,
        )
        result = await self.session.execute(insert.on_conflict_do_nothing(index_elements=["key"]))
        return bool(getattr(result, "rowcount", 0))

    async def take_back(self, keys: Sequence[str]) -> int:
        """Delete the rows of ``keys`` that no sender has claimed yet; how many."""
        if not keys:
            return 0
        result = await self.session.execute(delete(OutboxMessage).where(
            OutboxMessage.key.in_(keys), OutboxMessage.status == PENDING))
        return int(getattr(result, "rowcount", 0) or 0)

    async def exists(self, key: str) -> bool:
        found = await self.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))
        return found is not None

    async def claim(self, worker: str, now: datetime, lease: timedelta,
                    limit: int) -> list[Claimed]:
        """Claim up to ``limit`` due rows for ``worker`` until ``now + lease``; the caller
        commits at once (the row locks are held until then)."""
        due = or_(
            and_(OutboxMessage.status == PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now),
        )
        rows = (
            await self.session.execute(
                select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.text,
                       OutboxMessage.attempts)
                .where(due)
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(status=SENDING, claimed_by=worker, lease_until=now + lease)
        )
        return [Claimed(row.id, row.chat_id, row.text, row.attempts) for row in rows]

    async def _finish(self, row_id: int, worker: str, **values: object) -> bool:
        """Change a row this worker still holds; False when another sender took it over."""
        mine = and_(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker,
                    OutboxMessage.status == SENDING)
        result = await self.session.execute(update(OutboxMessage).where(mine).values(**values))
        return bool(getattr(result, "rowcount", 0))

    async def extend(self, row_id: int, worker: str, until: datetime) -> bool:
        """Keep the lease; False when another sender took the row over."""
        return await self._finish(row_id, worker, lease_until=until)

    async def mark_sent(self, row_id: int, worker: str, message_id: int, at: datetime,
                        on: date) -> bool:
        return await self._finish(row_id, worker, status=SENT, telegram_message_id=message_id,
                                  sent_at=at, sent_on=on, lease_until=None, last_error=None)

    async def retry_later(self, row_id: int, worker: str, due_at: datetime, error: str,
                          count_attempt: bool = True) -> bool:
        values: dict[str, object] = {
            "status": PENDING, "due_at": due_at, "lease_until": None, "claimed_by": None,
            "last_error": error,
        }
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        return await self._finish(row_id, worker, **values)

    async def mark_undeliverable(self, row_id: int, worker: str, error: str) -> bool:
        return await self._finish(row_id, worker, status=UNDELIVERABLE, lease_until=None,
                                  last_error=error)

    # ---- reading ---------------------------------------------------------------------------

    async def undeliverable_for(self, application_ids: Sequence[int]) -> set[int]:
        """Which of these applications have a notice that could not be delivered."""
        if not application_ids:
            return set()
        rows = await self.session.scalars(
            select(OutboxMessage.application_id).where(
                OutboxMessage.application_id.in_(application_ids),
                OutboxMessage.status == UNDELIVERABLE,
            )
        )
        return {row for row in rows if row is not None}

    async def undeliverable(self) -> list[OutboxMessage]:
        """Notices to applications that could not be delivered, oldest first."""
        rows = await self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == UNDELIVERABLE,
                   OutboxMessage.application_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
        return list(rows)

    async def for_application(self, application_id: int) -> list[OutboxMessage]:
        rows = await self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.application_id == application_id)
            .order_by(OutboxMessage.id)
        )
        return list(rows)

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: int(count) for status, count in rows}
