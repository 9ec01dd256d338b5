"""Repositories: the only place that builds SQL for the application.

Each repository works on a caller-owned :class:`AsyncSession`; the caller commits. Within an
update the writes run at its end (storage.unit), so a read in the same update does not see
them yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storage._upsert import upsert
from storage.handled import HandledUpdateRepo
from storage.models import Screening, User, utcnow
from storage.unit import note_user, write_later

__all__ = ["HandledUpdateRepo", "ScreeningRepo", "UserRepo"]

_USERS: Any = User.__table__
_SCREENINGS: Any = Screening.__table__
_LANGUAGE = select(_USERS.c.language).where(_USERS.c.id == bindparam("id"))
_LAST_SCREENING = select(_SCREENINGS.c.answers).where(
    _SCREENINGS.c.user_id == bindparam("user_id")
)


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, user_id: int) -> None:
        """Record that ``user_id`` was seen now: insert, or update ``last_seen`` only.

        One atomic ``INSERT ... ON CONFLICT DO UPDATE``: two instances touching the same new
        user at once never clash, and ``first_seen`` is kept. Run once a day per user by
        bot.middlewares.
        """
        now = utcnow()
        stmt = upsert(self.session, _USERS, ("id",), ("last_seen",))
        await self.session.execute(stmt, {"id": user_id, "first_seen": now, "last_seen": now})

    async def get_language(self, user_id: int) -> str | None:
        language: str | None = (
            await self.session.execute(_LANGUAGE, {"id": user_id})
        ).scalar()
        return language

    async def set_language(self, user_id: int, lang: str) -> None:
        """Save the user's language (a two-letter code), creating the user if needed; it
        records the visit too (one write of the user's row, not two)."""
        if len(lang) != 2:
            raise ValueError(f"language must be a two-letter code, got {lang!r}")
        note_user(self.session, user_id, lang)
        await write_later(self.session, lambda: self._set_language(user_id, lang))

    async def _set_language(self, user_id: int, lang: str) -> None:
        now = utcnow()
        stmt = upsert(self.session, _USERS, ("id",), ("language", "last_seen"))
        await self.session.execute(
            stmt, {"id": user_id, "language": lang, "first_seen": now, "last_seen": now}
        )
        # A User already loaded in this session shows the new language too (not marked changed:
        # the row has it already).
        loaded = self.session.identity_map.get(identity_key(User, user_id))
        if loaded is not None:
            set_committed_value(loaded, "language", lang)


class ScreeningRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user_id: int, answers: dict[str, Any]) -> None:
        """Keep a screening's answers as the user's last (the user row is created if missing).
        Earlier ones are dropped: health and income are kept no longer than needed. Written at
        the end of the update, with its other writes."""
        kept = dict(answers)

        async def write() -> None:
            now = utcnow()
            # The user's row may be gone (erased, or a check begun before /forget).
            ensure = upsert(self.session, _USERS, ("id",), ())
            await self.session.execute(ensure, {"id": user_id, "first_seen": now, "last_seen": now})
            stmt = upsert(self.session, _SCREENINGS, ("user_id",), ("answers", "created_at"))
            await self.session.execute(
                stmt, {"user_id": user_id, "answers": kept, "created_at": now}
            )

        await write_later(self.session, write)

    async def forget(self, user_id: int) -> None:
        async def write() -> None:
            await self.session.execute(
                delete(_SCREENINGS).where(_SCREENINGS.c.user_id == user_id)
            )

        await write_later(self.session, write)

    async def last(self, user_id: int) -> dict[str, Any] | None:
        """The answers of the user's newest screening, or None."""
        answers = (await self.session.execute(_LAST_SCREENING, {"user_id": user_id})).scalar()
        return None if answers is None else dict(answers)
