"""Repositories: the only place that builds SQL for the application.

Each repository works on a caller-owned :class:`AsyncSession`; the caller commits. Within an
update the writes run at its end, together (storage.unit), so a read in the same update does
not see them yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storage import driver
from storage.models import HandledUpdate, User, utcnow
from storage.unit import note_user, write_later


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, user_id: int) -> None:
        """Record that ``user_id`` was seen now: insert, or update ``last_seen`` only.

        One atomic ``INSERT ... ON CONFLICT DO UPDATE``: two instances touching the same new
        user at once never clash, and ``first_seen`` is kept. Run once a day per user by
        bot.middlewares (storage.driver: no ORM for it).
        """
        await driver.touch_user(self.session, user_id, utcnow())

    async def get_language(self, user_id: int) -> str | None:
        return await driver.read_language(self.session, user_id)

    async def set_language(self, user_id: int, lang: str) -> None:
        """Save the user's language (a two-letter code), creating the user if needed."""
        if len(lang) != 2:
            raise ValueError(f"language must be a two-letter code, got {lang!r}")
        note_user(self.session, user_id, lang)
        await write_later(self.session, lambda: self._set_language(user_id, lang))

    async def _set_language(self, user_id: int, lang: str) -> None:
        now = utcnow()
        await driver.set_language(self.session, user_id, lang, now)
        # A User already loaded in this session shows the new language too (not marked changed:
        # the row has it already).
        loaded = self.session.sync_session.identity_map.get(identity_key(User, user_id))
        if loaded is not None:
            set_committed_value(loaded, "language", lang)


class ScreeningRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user_id: int, answers: dict[str, Any]) -> None:
        """Keep a screening's answers as the user's last (the user row is created if missing).
        Earlier ones are dropped: health and income are kept no longer than needed. Written at
        the end of the update, with its other writes (storage.driver: no ORM for these)."""
        kept = dict(answers)

        async def write() -> None:
            await driver.save_screening(self.session, user_id, kept, utcnow())

        await write_later(self.session, write)

    async def forget(self, user_id: int) -> None:
        await write_later(self.session, lambda: driver.drop_screenings(self.session, user_id))

    async def last(self, user_id: int) -> dict[str, Any] | None:
        """The answers of the user's newest screening, or None."""
        answers = await driver.last_screening(self.session, user_id)
        return None if answers is None else dict(answers)


class HandledUpdateRepo:
    """Which Telegram updates were handled (see HandledUpdate)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, bot_id: int, update_id: int) -> bool:
        return await driver.seen_update(self.session, bot_id, update_id)

    async def record(self, bot_id: int, update_id: int) -> None:
        await driver.record_update(self.session, bot_id, update_id, utcnow())

    async def purge(self, before: datetime) -> int:
        """Forget updates handled before ``before`` (Telegram redelivers for a day at most)."""
        result = await self.session.execute(
            delete(HandledUpdate).where(HandledUpdate.handled_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
