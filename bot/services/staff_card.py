"""The staff chat's card of a new application.

A minimal stand-in owned by helper ``staff``, whose version (full card and PDF) replaces it:
the citizen's flow calls :func:`announce_submission` after the submission is committed.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from storage.applications import ApplicationRepo


async def announce_submission(
    bot: Bot, session: AsyncSession, settings: Settings, application_id: int
) -> None:
    """Tell the staff chat that an application arrived (reference and benefits)."""
    if settings.staff_chat_id is None:
        return
    repo = ApplicationRepo(session)
    app = await repo.get(application_id)
    if app is None or app.reference is None:
        return
    cites = ", ".join(f"p. {b.cite}" for b in await repo.benefits(application_id))
    await bot.send_message(
        settings.staff_chat_id,
        _("New application {reference}: {benefits}").format(
            reference=app.reference, benefits=cites
        ),
        parse_mode=None,
    )
