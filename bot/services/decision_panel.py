"""The decision panel's text for staff: status, the clock, each benefit's outcome and whether the
citizen's notices were delivered (a card may show :func:`delivery_lines` too)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.services.staff_texts import benefit_status_labels, label, status_labels
from handlers.formatting import day, mci
from storage.models import Application, ApplicationBenefit, OutboxMessage
from storage.outbox import SENT, UNDELIVERABLE


def _kind(kind: str) -> str:
    return status_labels().get(kind) or benefit_status_labels().get(kind) or kind


def delivery_lines(app: Application, messages: Sequence[OutboxMessage]) -> list[str]:
    """One line per notice: delivered, waiting, or "not delivered — send the written notice"."""
    lines = []
    for m in messages:
        kind = _kind(m.kind)
        when = day(m.sent_on) if m.sent_on else ""
        if m.status == SENT:
            lines.append(_("• {kind}: delivered {date}").format(kind=kind, date=when))
        elif m.status == UNDELIVERABLE:
            if app.notice_by is not None:
                lines.append(_("• {kind}: <b>not delivered — send the written notice</b> by "
                               "{date} (p. 22)").format(kind=kind, date=day(app.notice_by)))
            else:
                lines.append(_("• {kind}: <b>not delivered</b> in Telegram").format(kind=kind))
        else:
            lines.append(_("• {kind}: waiting to be sent").format(kind=kind))
    return lines


def panel_text(app: Application, benefits: Sequence[ApplicationBenefit],
               messages: Sequence[OutboxMessage]) -> str:
    lines = [_("<b>Application {reference}</b>: {status}").format(
        reference=escape(app.reference or ""), status=label(status_labels(), app.status))]
    if app.registered_on:
        lines.append(_("Registered: {date}").format(date=day(app.registered_on)))
    if app.decision_by and app.status in ("registered", "documents_requested"):
        lines.append(_("Decision due by {date} (p. 21)").format(date=day(app.decision_by)))
    if app.notice_by:
        lines.append(_("Applicant to be told by {date} (p. 22)").format(date=day(app.notice_by)))
    for b in benefits:
        outcome = label(benefit_status_labels(), b.status)
        if b.granted_mci is not None and b.status == "granted":
            outcome += f": {mci(b.granted_mci)}"
            if b.granted_months:
                outcome += " × " + _("{months} months").format(months=b.granted_months)
        lines.append(_("• p. {cite}: {outcome}").format(cite=escape(b.cite), outcome=outcome))
    if messages:
        lines.append(_("Notices to the applicant:"))
        lines += delivery_lines(app, messages)
    lines.append(_("<i>The bot's notice adds to the written notice of p. 22; it does not "
                   "replace it.</i>"))
    return "\n".join(lines)
