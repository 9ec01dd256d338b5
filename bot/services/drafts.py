"""Unfinished applications are kept ``DRAFT_DAYS`` days, then erased with their files."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.services.attachments import remove_folder
from storage.applications import ApplicationRepo
from storage.retention import erase_traces
from storage.unit import commit_then


async def purge_expired_drafts(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Erase drafts untouched for ``settings.draft_days`` and their folders; commits.
    Returns how many were erased."""
    ids = await ApplicationRepo(session).expire_drafts(now - timedelta(days=settings.draft_days))
    await session.commit()
    for application_id in ids:  # after the commit: a rolled-back purge keeps its files
        remove_folder(settings.data_dir, application_id)
    if ids:
        await erase_traces(session)
    return len(ids)


async def purge_drafts(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> int:
    """One run of the periodic purge of drafts (``dp["background"]``), in its own session.
    The clock is the one drafts are stamped with, so a training clock expires them too."""
    async with sessions() as session:
        return await purge_expired_drafts(session, settings, clock.now())


async def erase_drafts_of(session: AsyncSession, settings: Settings, user_id: int) -> None:
    """Erase the user's unfinished application (/cancel); its files go once that is committed
    (within an update: at its end; outside one: committed here)."""
    repo = ApplicationRepo(session)
    draft = await repo.draft_for(user_id)
    if draft is not None:
        application_id = draft.id
        await repo.delete_draft(draft)

        async def remove_files() -> None:  # after the commit: a rolled-back erase keeps them
            remove_folder(settings.data_dir, application_id)

        await commit_then(session, remove_files)
