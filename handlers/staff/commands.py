"""Staff commands and the card's buttons: /queue, /app REF, /find, /export FROM TO.

Every handler here is behind :class:`StaffOnly`; everyone else is answered by the guard in
``access.py``. Each look at an application is written to its audit log.
"""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.parsing import InputError
from bot.rules import Calendar, Ruleset
from bot.rules.engine import DECISION_DAYS, DECISION_DAYS_EXTENDED
from bot.services.application_view import ApplicationView, load_view
from bot.services.export import export_xlsx
from bot.services.staff_card import send_card, send_pdf
from bot.services.staff_texts import label, status_labels
from handlers.formatting import day, split_messages
from handlers.staff.access import StaffOnly
from handlers.staff.keyboards import CARD, PDF, StaffCB, open_keyboard
from handlers.staff.period import accepted_text, read_period
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.models import Application

MAX_LISTED = 30  # applications with an "open" button under one list


# --- helpers --------------------------------------------------------------------------------


async def _audit(session: AsyncSession, app_id: int, staff_id: int | None, action: str,
                 clock: Clock, details: dict[str, str] | None = None) -> None:
    await AuditRepo(session).record(app_id, staff_id, "staff", action, details=details,
                                    at=clock.now())


async def _view(session: AsyncSession, app_id: int, ruleset: Ruleset,
                clock: Clock) -> ApplicationView | None:
    return await load_view(session, app_id, ruleset=ruleset, zone=clock.zone,
                           today=clock.today())


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days d with start < d <= end (negative when end is before start)."""
    sign, low, high = (1, start, end) if end >= start else (-1, end, start)
    count, current = 0, low
    while current < high:
        current += timedelta(days=1)
        count += calendar.is_working_day(current)
    return sign * count


def clock_text(app: Application, today: date, calendar: Calendar) -> str:
    """Where an open application stands against the legal clock (p. 21)."""
    if app.registered_on is None:
        waiting = (today - app.submitted_at.date()).days if app.submitted_at else 0
        return _("not registered yet ({days} days since submission)").format(days=waiting)
    due = app.decision_by or calendar.nth_working_day_after(
        app.registered_on, DECISION_DAYS_EXTENDED if app.documents_requested else DECISION_DAYS)
    left = working_days_between(calendar, today, due)
    if left > 0:
        return _("decision by {date}: {days} working days left").format(date=day(due), days=left)
    if left == 0:
        return _("decision due today ({date})").format(date=day(due))
    return _("decision was due {date}: {days} working days overdue").format(
        date=day(due), days=-left)


def _list_line(app: Application) -> str:
    return "<code>{ref}</code> · {status}".format(
        ref=html.escape(app.reference or ""), status=html.escape(label(status_labels(),
                                                                      app.status)))


async def _answer_list(message: Message, lines: list[str], apps: list[Application]) -> None:
    messages = split_messages(lines)
    keyboard = open_keyboard([(a.id, a.reference or "") for a in apps[:MAX_LISTED]])
    for n, text in enumerate(messages, start=1):
        await message.answer(text, reply_markup=keyboard if n == len(messages) else None)


# --- commands -------------------------------------------------------------------------------


async def queue(message: Message, session: AsyncSession, clock: Clock,
                calendar: Calendar) -> None:
    apps = await ApplicationRepo(session).open_queue()
    if not apps:
        await message.answer(_("No open applications."))
        return
    today = clock.today()
    lines = ["<b>" + _("Open applications, oldest first: {count}").format(count=len(apps))
             + "</b>"]
    for app in apps:
        submitted = day(app.submitted_at.date()) if app.submitted_at else "—"
        lines.append(_list_line(app) + "\n   " + _("submitted {date}").format(date=submitted)
                     + " · " + clock_text(app, today, calendar))
    await _answer_list(message, lines, apps)


async def show_application(message: Message, command: CommandObject, session: AsyncSession,
                           ruleset: Ruleset, clock: Clock, bot: Bot) -> None:
    reference = (command.args or "").strip()
    if not reference:
        await message.answer(_("Write the reference after the command: /app SZ-2015-000123"))
        return
    app = await ApplicationRepo(session).by_reference(reference)
    view = await _view(session, app.id, ruleset, clock) if app else None
    if view is None:
        await message.answer(_("No application {reference}.").format(
            reference=html.escape(reference)))
        return
    await _audit(session, view.id, _user_id(message), "viewed", clock)
    await send_card(bot, message.chat.id, view)


async def find(message: Message, command: CommandObject, session: AsyncSession,
               ruleset: Ruleset, clock: Clock, bot: Bot) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.answer(_("Write a reference, an IIN or a phone number after the command: "
                               "/find 870412300415"))
        return
    apps = await ApplicationRepo(session).find(query)
    if not apps:
        await message.answer(_("Nothing found."))
        return
    if len(apps) == 1:
        view = await _view(session, apps[0].id, ruleset, clock)
        if view is not None:
            await _audit(session, view.id, _user_id(message), "viewed", clock)
            await send_card(bot, message.chat.id, view)
            return
    for app in apps[:MAX_LISTED]:
        await _audit(session, app.id, _user_id(message), "found", clock)
    lines = ["<b>" + _("Found: {count}").format(count=len(apps)) + "</b>"]
    lines += [_list_line(app) + " · " + html.escape(app.full_name or "—")
              for app in apps[:MAX_LISTED]]
    await _answer_list(message, lines, apps)


async def export(message: Message, command: CommandObject, session: AsyncSession,
                 ruleset: Ruleset, clock: Clock) -> None:
    usage = _("Write the first and the last day: /export 01.06.2015 30.06.2015")
    try:
        first, last = read_period((command.args or "").split(), clock.today())
    except InputError as err:
        await message.answer(accepted_text() + " " + usage if err.reason == "not_in_period"
                             else usage)
        return
    if first > last:
        await message.answer(usage)
        return
    since = datetime.combine(first, time.min, clock.zone)
    until = datetime.combine(last + timedelta(days=1), time.min, clock.zone)
    apps = await ApplicationRepo(session).submitted_between(since, until)
    if not apps:
        await message.answer(_("No applications were submitted from {first} to {last}.").format(
            first=day(first), last=day(last)))
        return
    views = [v for a in apps if (v := await _view(session, a.id, ruleset, clock)) is not None]
    details = {"from": first.isoformat(), "to": last.isoformat()}
    for view in views:
        await _audit(session, view.id, _user_id(message), "exported", clock, details)
    name = f"applications-{first.isoformat()}-{last.isoformat()}.xlsx"
    await message.answer_document(
        BufferedInputFile(export_xlsx(views), filename=name),
        caption=_("Applications submitted from {first} to {last}: {count}").format(
            first=day(first), last=day(last), count=len(views)))


def _user_id(event: Message | CallbackQuery) -> int | None:
    return event.from_user.id if event.from_user else None


# --- the card's buttons ---------------------------------------------------------------------


async def card_button(query: CallbackQuery, callback_data: StaffCB, session: AsyncSession,
                      ruleset: Ruleset, clock: Clock, bot: Bot) -> None:
    view = await _view(session, callback_data.app_id, ruleset, clock)
    if view is None or not isinstance(query.message, Message):
        await query.answer(_("No such application."))
        return
    await query.answer()
    if callback_data.action == PDF:
        await _audit(session, view.id, _user_id(query), "pdf", clock)
        await send_pdf(bot, query.message.chat.id, view, printed=clock.now())
        return
    await _audit(session, view.id, _user_id(query), "viewed", clock)
    await send_card(bot, query.message.chat.id, view)


def build_router() -> Router:
    router = Router(name="staff-commands")
    router.message.filter(StaffOnly())
    router.callback_query.filter(StaffOnly())
    router.message.register(queue, Command("queue", ignore_case=True))
    router.message.register(show_application, Command("app", ignore_case=True))
    router.message.register(find, Command("find", ignore_case=True))
    router.message.register(export, Command("export", ignore_case=True))
    router.callback_query.register(card_button, StaffCB.filter(F.action.in_({CARD, PDF})))
    return router
