"""The staff card of an application: its text, and sending it with the PDF.

The text is built from an :class:`ApplicationView` alone, in the current gettext locale: the
staff chat reads ``STAFF_LOCALE`` (default: ``DEFAULT_LOCALE``), a staff member in a private
chat their own language. The card's buttons come from ``handlers.staff.keyboards``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import create_i18n
from bot.rules import load_ruleset
from bot.services.application_pdf import application_pdf
from bot.services.application_view import (
    FLAG_BIRTH_DATE,
    FLAG_DEADLINE,
    FLAG_ON_PAPER,
    FLAG_REPEAT,
    ApplicationView,
    Flag,
    load_view,
)
from bot.services.staff_texts import (
    action_labels,
    actor_labels,
    benefit_amount,
    benefit_status_labels,
    ceiling_note,
    document_name,
    identity,
    label,
    status_labels,
)
from handlers.application.texts import occupation_labels, relation_labels
from handlers.formatting import current_locale, day, money, split_messages
from handlers.screening.texts import situation_labels
from handlers.staff.keyboards import card_keyboard

log = logging.getLogger(__name__)

HISTORY_LIMIT = 12  # the newest entries on the card; the rest stay in the audit log


def staff_locale(settings: Settings) -> str:
    """The staff chat's language (a group has no /language of its own)."""
    return settings.staff_locale or settings.default_locale


# --- text -----------------------------------------------------------------------------------


def card_messages(view: ApplicationView) -> list[str]:
    """The card as whole Telegram messages (a large family or a long history may need two)."""
    return split_messages(card_blocks(view))


def card_blocks(view: ApplicationView) -> list[str]:
    blocks = [_head(view), _benefits(view), _applicant(view), _family(view), _income(view)]
    if view.situation is not None:
        blocks.append(_situation(view))
    blocks.append(_documents(view))
    if view.flags:
        blocks.append(_flags(view))
    if view.history:
        blocks.append(_history(view))
    return blocks


def _b(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def _e(text: str | None) -> str:
    return html.escape(text) if text else "—"


def _head(view: ApplicationView) -> str:
    lines = ["🗂 " + _("Application <b>{reference}</b>").format(reference=view.reference)]
    if view.submitted_at is not None:
        lines.append(_("Submitted: {date}").format(date=day(view.submitted_at.date())))
    lines.append(_("Status: {status}").format(status=label(status_labels(), view.status)))
    if view.registered_on is not None:
        lines.append(_("Registered: {date}").format(date=day(view.registered_on)))
    if view.decision_by is not None:
        lines.append(_("Decision due by {date} (p. 21)").format(date=day(view.decision_by)))
    if view.notice_by is not None:
        lines.append(_("Applicant to be told by {date} (p. 22)").format(
            date=day(view.notice_by)))
    if view.notice_undelivered:
        lines.append(_("⚠️ A notice was not delivered in Telegram — send the written notice "
                       "(p. 22)."))
    if view.status in ("registered", "documents_requested", "decided"):
        lines.append(_("<i>The bot's notice adds to the written notice of p. 22; it does not "
                       "replace it.</i>"))
    return "\n".join(lines)


def _benefits(view: ApplicationView) -> str:
    lang = current_locale()
    lines = [_b(_("Benefits applied for"))]
    for line in view.benefits:
        text = _("• p. {cite} {title}: {amount}").format(
            cite=line.cite, title=_e(line.title.get(lang)), amount=benefit_amount(line))
        if line.up_to:
            text += " — " + ceiling_note()
        if line.status != "requested":
            text += f" — <i>{html.escape(label(benefit_status_labels(), line.status))}</i>"
        lines.append(text)
    return "\n".join(lines)


def _applicant(view: ApplicationView) -> str:
    lang = current_locale()
    iin = _e(view.iin)
    if view.birth_date is not None:
        iin += " " + _("(born {date})").format(date=day(view.birth_date))
    place = html.escape(view.settlement.get(lang)) if view.settlement else "—"
    if view.address:
        place += ", " + html.escape(view.address)
    return "\n".join([
        _b(_("Applicant")) + " " + _e(view.full_name),
        _("IIN: {iin}").format(iin=iin),
        _("Phone: {phone}").format(phone=_e(view.phone)),
        _("Settlement: {place}").format(place=place),
    ])


def _family(view: ApplicationView) -> str:
    lines = [_b(_("Family (Appendix 1): {count} people").format(count=view.members_count))]
    lines.append(_("1. {name} — applicant").format(name=_e(view.full_name)))
    for n, member in enumerate(view.members, start=2):
        parts = [label(relation_labels(), member.relation)]
        if member.iin or member.birth_date:
            parts.append(identity(member.iin, member.birth_date))
        if member.occupation:
            parts.append(label(occupation_labels(), member.occupation))
        text = f"{n}. {_e(member.full_name)} — {html.escape(', '.join(parts))}"
        if member.on_paper:
            text += " 📎 " + _("on paper")
        lines.append(text)
    return "\n".join(lines)


def _income(view: ApplicationView) -> str:
    lines = [_b(_("Income"))]
    per_capita = view.per_capita_income
    if view.monthly_income is None or per_capita is None:
        lines.append(_("not given"))
        return "\n".join(lines)
    lines.append(_("{income} a month for {count} people: {per_capita} per person").format(
        income=money(view.monthly_income), count=view.members_count,
        per_capita=money(per_capita)))
    t = view.thresholds
    lines.append(_("Poverty line (p. 9.7): {line} — {verdict}").format(
        line=money(t.poverty_line_kzt),
        verdict=_("under the line") if per_capita < t.poverty_line_kzt
        else _("not under the line")))
    lines.append(_("60 per cent of the subsistence minimum (p. 9.11): {line} — {verdict}").format(
        line=money(t.situation_income_limit_kzt),
        verdict=_("within the limit") if per_capita <= t.situation_income_limit_kzt
        else _("over the limit")))
    return "\n".join(lines)


def _situation(view: ApplicationView) -> str:
    situation = view.situation
    assert situation is not None
    text = label(situation_labels(), situation.kind)
    if situation.occurred_on is not None:
        text += ", " + day(situation.occurred_on)
    lines = [_b(_("Difficult life situation (p. 9.11)")) + " " + html.escape(text)]
    if situation.description:
        lines.append("«" + html.escape(situation.description) + "»")
    return "\n".join(lines)


def _documents(view: ApplicationView) -> str:
    lang = current_locale()
    lines = [_b(_("Documents (p. 13)"))]
    for line in view.checklist:
        name = html.escape(document_name(line, lang))
        if line.files:
            lines.append("✅ " + _("{name}: {count} file(s)").format(name=name, count=line.files))
        else:
            lines.append("❌ " + _("{name}: missing").format(name=name))
    return "\n".join(lines)


def flag_text(flag: Flag) -> str:
    if flag.kind == FLAG_BIRTH_DATE and flag.iin_birth_date is not None:
        return _("The IIN gives the date of birth {date}, but the screening said age {age}.") \
            .format(date=day(flag.iin_birth_date), age=flag.age)
    if flag.kind == FLAG_REPEAT:
        return _("This IIN already had the benefit of p. {cite} within a year (p. 23).").format(
            cite=flag.cite)
    if flag.kind == FLAG_DEADLINE and flag.deadline is not None:
        return _("The one-month deadline for the fire or natural disaster is {date} (p. 9): "
                 "register before it.").format(date=day(flag.deadline))
    if flag.kind == FLAG_ON_PAPER:
        return _("Family members {rows} will be brought on paper.").format(
            rows=", ".join(str(p) for p in flag.positions))
    return flag.kind


def _flags(view: ApplicationView) -> str:
    lines = [_b(_("Check first"))]
    lines += ["⚠️ " + html.escape(flag_text(flag)) for flag in view.flags]
    return "\n".join(lines)


def _history(view: ApplicationView) -> str:
    lines = [_b(_("History"))]
    entries = view.history[-HISTORY_LIMIT:]
    if len(view.history) > len(entries):
        lines.append(_("… {count} earlier entries").format(
            count=len(view.history) - len(entries)))
    for entry in entries:
        who = label(actor_labels(), entry.actor_kind)
        if entry.actor_kind == "staff" and entry.actor_id is not None:
            who += f" {entry.actor_id}"
        what = label(action_labels(), entry.action)
        if entry.before or entry.after:
            statuses = {**benefit_status_labels(), **status_labels()}
            what += f": {label(statuses, entry.before)} → {label(statuses, entry.after)}"
        lines.append(f"{entry.at:%d.%m.%Y %H:%M} · {html.escape(who)} · {html.escape(what)}")
    return "\n".join(lines)


# --- sending --------------------------------------------------------------------------------


@contextmanager
def use_locale(settings: Settings, locale: str) -> Iterator[None]:
    """Render in ``locale``, inside or outside a dispatcher's i18n context."""
    i18n = I18n.get_current(no_error=True)
    if i18n is None:
        i18n = create_i18n(settings.default_locale)
        with i18n.context(), i18n.use_locale(locale):
            yield
        return
    with i18n.use_locale(locale):
        yield


async def send_card(bot: Bot, chat_id: int, view: ApplicationView) -> None:
    """The card's messages in the current locale, its buttons under the last one."""
    messages = card_messages(view)
    for n, text in enumerate(messages, start=1):
        markup = card_keyboard(view) if n == len(messages) else None
        await bot.send_message(chat_id, text, reply_markup=markup)


async def send_pdf(bot: Bot, chat_id: int, view: ApplicationView, *, printed: datetime) -> None:
    document = BufferedInputFile(
        application_pdf(view, printed=printed), filename=f"{view.reference}.pdf")
    await bot.send_document(chat_id, document, caption=view.reference)


async def announce_submission(
    bot: Bot, session: AsyncSession, settings: Settings, application_id: int
) -> bool:
    """Send a just-submitted application's card and PDF to the staff chat; True when both
    reached it.

    Called after the submission is committed. A failure to reach the staff chat is logged (by
    type, without personal data) and never reaches the citizen: the application is stored, staff
    find it in /queue, and the submission's backstop tells the staff chat (bot.services.backstop).
    """
    if settings.staff_chat_id is None:
        log.warning("STAFF_CHAT_ID is not set: application %s has no card", application_id)
        return False
    try:
        view = await load_view(session, application_id, ruleset=load_ruleset(),
                               zone=ZoneInfo(settings.timezone))
        if view is None or view.submitted_at is None:
            return False
        with use_locale(settings, staff_locale(settings)):
            await send_card(bot, settings.staff_chat_id, view)
            await send_pdf(bot, settings.staff_chat_id, view, printed=view.submitted_at)
    except Exception as exc:
        log.error("card of application %s not sent: %s", application_id, type(exc).__name__)
        return False
    return True


def card_missing_text(settings: Settings, reference: str) -> str:
    """What the staff chat reads when a submission's card never reached it."""
    with use_locale(settings, staff_locale(settings)):
        return _("📥 New application {reference}. Its card did not reach this chat: "
                 "/app {reference} shows it.").format(reference=reference)


def withdrawal_text(settings: Settings, reference: str | None) -> str:
    with use_locale(settings, staff_locale(settings)):
        return _("↩️ The citizen withdrew application {reference}. It is closed: nothing is left "
                 "to decide. /app {reference} shows it.").format(reference=reference)


async def announce_withdrawal(bot: Bot, settings: Settings, application_id: int,
                              reference: str | None) -> bool:
    """Tell the staff chat that the citizen withdrew an application (after the commit), so
    nobody goes on working on it; True when told. Like the card, a failure is logged and never
    reaches the citizen; the card's panel shows the withdrawal too."""
    if settings.staff_chat_id is None:
        return False
    try:
        await bot.send_message(settings.staff_chat_id, withdrawal_text(settings, reference))
    except Exception as exc:
        log.error("withdrawal of application %s not announced: %s", application_id,
                  type(exc).__name__)
        return False
    return True
