"""Repositories: the only place that builds SQL for the application.

Each repository works on a caller-owned :class:`AsyncSession`. Repositories flush; the caller
(the database-session middleware) commits or rolls back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage._upsert import dialect_insert
from storage.models import Screening, User, utcnow


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, user_id: int) -> User:
        """Record that ``user_id`` was seen now: insert, or update ``last_seen`` only.

        One atomic ``INSERT ... ON CONFLICT DO UPDATE``: two instances touching the same new
        user at once never clash, and ``first_seen`` is kept.
        """
        now = utcnow()
        insert = dialect_insert(self.session, User).values(
            id=user_id, first_seen=now, last_seen=now
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[User.id], set_={"last_seen": insert.excluded.last_seen}
        ).returning(User)
        # populate_existing: a User already in this session's identity map is refreshed too.
        result = await self.session.scalars(upsert, execution_options={"populate_existing": True})
        user: User = result.one()
        return user

    async def get_language(self, user_id: int) -> str | None:
        result = await self.session.scalar(select(User.language).where(User.id == user_id))
        return result

    async def set_language(self, user_id: int, lang: str) -> None:
        """Save the user's language (a two-letter code), creating the user if needed."""
        if len(lang) != 2:
            raise ValueError(f"language must be a two-letter code, got {lang!r}")
        now = utcnow()
        insert = dialect_insert(self.session, User).values(
            id=user_id, language=lang, first_seen=now, last_seen=now
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[User.id], set_={"language": insert.excluded.language}
        ).returning(User)
        # RETURNING + populate_existing also refreshes a User already loaded in this session.
        await self.session.scalars(upsert, execution_options={"populate_existing": True})


class ScreeningRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user_id: int, answers: dict[str, Any]) -> Screening:
        """Keep a screening's answers as the user's last (the user row must exist: touch it
        first). Earlier ones are dropped: health and income are kept no longer than needed."""
        await self.forget(user_id)
        screening = Screening(user_id=user_id, answers=dict(answers), created_at=utcnow())
        self.session.add(screening)
        await self.session.flush()
        return screening

    async def forget(self, user_id: int) -> None:
        await self.session.execute(delete(Screening).where(Screening.user_id == user_id))

    async def last(self, user_id: int) -> dict[str, Any] | None:
        """The answers of the user's newest screening, or None."""
        stmt = (
            select(Screening.answers)
            .where(Screening.user_id == user_id)
            .order_by(Screening.created_at.desc(), Screening.id.desc())
            .limit(1)
        )
        answers: dict[str, Any] | None = await self.session.scalar(stmt)
        return None if answers is None else dict(answers)
