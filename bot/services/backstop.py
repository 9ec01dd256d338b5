"""A backstop under what is said only after a commit: a submission's reference and staff card,
a withdrawal's answer and staff note.

Those answers are sent once the update's transaction is committed (storage.unit.commit_then):
never before what they announce is stored. A process killed between the commit and the answer
would leave the update recorded as handled, so Telegram's redelivery is skipped, and the citizen
without their reference. So the same words go to the outbox in that transaction, due
:data:`DELAY` later, and are taken back once said. Killed in between, the outbox sender says
them after the delay; a failure to say them leaves them to the sender as well.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import utcnow
from storage.outbox import OutboxRepo

log = logging.getLogger(__name__)

# Long enough for the answer to be sent after the commit, Bot API retries included.
DELAY = timedelta(minutes=2)


class Backstop:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hold(self, key: str, chat_id: int, text: str, kind: str) -> None:
        """Keep ``text`` for ``chat_id`` in the update's transaction, due after DELAY."""
        now = utcnow()
        await OutboxRepo(self.session).enqueue(key, chat_id, text, kind, now, due_at=now + DELAY)

    async def said(self, *keys: str) -> None:
        """After the commit: these were said, the sender must not say them again. A failure
        here is logged, never told: the citizen has their answer, and at worst the sender
        says it once more."""
        try:
            if await OutboxRepo(self.session).take_back(keys):
                await self.session.commit()
        except Exception as exc:
            log.error("a said answer was not taken back from the outbox: %s", type(exc).__name__)
            await self.session.rollback()
