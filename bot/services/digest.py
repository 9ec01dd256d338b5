"""The clock's view for staff: due today, overdue, notices not delivered.

The same text answers ``/overdue`` at any time and goes to the staff chat every working morning
at 09:00 (the clock's zone: Asia/Almaty; the training clock in training mode). The morning
digest is an outbox row keyed by the day, so with several instances it is written once and sent
once; on a day off nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.procedure import working_days_between
from bot.rules import Calendar
from handlers.formatting import day
from storage.deadlines import DeadlineRepo
from storage.models import Application, utcnow
from storage.outbox import OutboxRepo

DIGEST_AT = time(9, 0)
DIGEST_UNTIL = time(18, 0)  # an instance started later in the day does not send a stale digest


def _ref(app: Application) -> str:
    return escape(app.reference or f"#{app.id}")


async def overview(session: AsyncSession, today: date, calendar: Calendar) -> str:
    """Due today, overdue, not delivered: references and dates only, no personal data."""
    repo = DeadlineRepo(session)
    due = await repo.due_by(today)
    due_today = [a for a in due if a.decision_by == today]
    overdue = [a for a in due if a.decision_by is not None and a.decision_by < today]
    undelivered: dict[int, Application] = {}
    for app, _message in await repo.undelivered():
        undelivered[app.id] = app
    blocks = [_("<b>Decisions and notices on {today}</b>").format(today=day(today))]
    if due_today:
        blocks.append(_("Decision due today ({count}):").format(count=len(due_today)) + "\n"
                      + "\n".join(f"• {_ref(a)}" for a in due_today))
    if overdue:
        lines = []
        for a in overdue:
            assert a.decision_by is not None
            late = working_days_between(a.decision_by, today, calendar)
            lines.append(_("• {reference}: was due {date}, {days} working day(s) late").format(
                reference=_ref(a), date=day(a.decision_by), days=late))
        blocks.append(_("Overdue ({count}):").format(count=len(overdue)) + "\n" + "\n".join(lines))
    if undelivered:
        lines = []
        for a in undelivered.values():
            if a.notice_by is not None:
                lines.append(_("• {reference}: not delivered — send the written notice by "
                               "{date} (p. 22)").format(reference=_ref(a), date=day(a.notice_by)))
            else:
                lines.append(_("• {reference}: not delivered in Telegram").format(
                    reference=_ref(a)))
        blocks.append(_("Notices not delivered ({count}):").format(count=len(undelivered))
                      + "\n" + "\n".join(lines))
    if len(blocks) == 1:
        blocks.append(_("Nothing is due or overdue, every notice was delivered."))
    return "\n\n".join(blocks)


def digest_due(now: datetime, calendar: Calendar) -> bool:
    """A working day, between 09:00 and the end of the working day."""
    return calendar.is_working_day(now.date()) and DIGEST_AT <= now.timetz().replace(
        tzinfo=None) < DIGEST_UNTIL


async def enqueue_digest(session: AsyncSession, *, clock: Clock, calendar: Calendar,
                         settings: Settings, i18n: I18n) -> bool:
    """Write this morning's digest to the outbox unless it is not due or already written.
    The caller commits. True when written."""
    now = clock.now()
    if settings.staff_chat_id is None or not digest_due(now, calendar):
        return False
    key = f"digest-{now.date().isoformat()}"
    outbox = OutboxRepo(session)
    if await outbox.exists(key):
        return False
    # The staff chat's language (as staff_card.staff_locale; not imported: it pulls the PDF in).
    with i18n.context(), i18n.use_locale(settings.staff_locale or settings.default_locale):
        text = await overview(session, now.date(), calendar)
    return await outbox.enqueue(key, settings.staff_chat_id, text, "digest", utcnow())
