"""The audit log of applications: append-only (rows are never updated; they go only with a
never-submitted draft). ``details`` never carries personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, utcnow

ActorKind = Literal["citizen", "staff", "system"]


class AuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        application_id: int,
        actor_id: int | None,
        actor_kind: ActorKind,
        action: str,
        before: str | None = None,
        after: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry (``at`` defaults to now; pass the clock's ``now()``)."""
        entry = AuditEntry(
            application_id=application_id,
            at=at or utcnow(),
            actor_id=actor_id,
            actor_kind=actor_kind,
            action=action,
            before=before,
            after=after,
            details=dict(details) if details is not None else None,
        )
        # Written with the session's next flush (in an update, at its end: on SQLite a flush now
        # would hold the one write lock through the card or the PDF sent next).
        self.session.add(entry)
        return entry

    async def history(self, application_id: int) -> list[AuditEntry]:
        """The application's entries, oldest first."""
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.application_id == application_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return list((await self.session.scalars(stmt)).all())
