"""Read-only queries for the clock's views: the digest, /overdue and /stats (flushes nothing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Application, ApplicationBenefit, OutboxMessage
from storage.outbox import UNDELIVERABLE

AWAITING_DECISION = ("registered", "documents_requested")


class DeadlineRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due_by(self, day: date) -> list[Application]:
        """Registered applications not yet decided whose decision is due on or before ``day``."""
        rows = await self.session.scalars(
            select(Application)
            .where(Application.status.in_(AWAITING_DECISION), Application.decision_by <= day)
            .order_by(Application.decision_by, Application.id)
        )
        return list(rows)

    async def undelivered(self) -> list[tuple[Application, OutboxMessage]]:
        """Notices Telegram would not deliver (blocked, deleted account, given up), with their
        application: the department sends the written notice (p. 22) instead."""
        rows = await self.session.execute(
            select(Application, OutboxMessage)
            .join(OutboxMessage, OutboxMessage.application_id == Application.id)
            .where(OutboxMessage.status == UNDELIVERABLE)
            .order_by(Application.notice_by, OutboxMessage.id)
        )
        return [(app, message) for app, message in rows]

    async def submitted_between(self, start: date, end: date,
                                zone: tzinfo) -> list[Application]:
        """Applications submitted from ``start`` to ``end`` (local days, both included)."""
        since = datetime.combine(start, time.min, zone).astimezone(UTC)
        until = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
        rows = await self.session.scalars(
            select(Application)
            .where(Application.submitted_at >= since, Application.submitted_at < until)
            .order_by(Application.id)
        )
        return list(rows)

    async def benefits_of(self, application_ids: list[int]) -> list[ApplicationBenefit]:
        if not application_ids:
            return []
        rows = await self.session.scalars(
            select(ApplicationBenefit).where(ApplicationBenefit.application_id.in_(application_ids))
        )
        return list(rows)

    async def decision_notices(self, application_ids: list[int]) -> list[OutboxMessage]:
        if not application_ids:
            return []
        rows = await self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.application_id.in_(application_ids),
                                        OutboxMessage.kind == "decided")
        )
        return list(rows)

