"""``/stats FROM TO``: counts and shares over applications submitted in a period, without personal
data (no names, IINs, phones or references: only statuses, paragraphs and days)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.procedure import working_days_between
from bot.rules import Calendar
from bot.services.staff_texts import status_labels
from handlers.formatting import day, number
from storage.deadlines import DeadlineRepo
from storage.models import Application, ApplicationBenefit, OutboxMessage
from storage.outbox import SENT, UNDELIVERABLE


@dataclass(frozen=True)
class Stats:
    start: date
    end: date
    by_status: Counter[str] = field(default_factory=Counter)
    by_benefit: dict[str, Counter[str]] = field(default_factory=dict)  # cite -> status -> n
    working_days: tuple[int, ...] = ()  # registration → decision, per decided application
    decided: int = 0
    decided_in_time: int = 0  # within 8 (or 20) working days: by decision_by
    notices: int = 0  # decision notices
    notices_in_time: int = 0  # delivered by notice_by (3 working days)
    not_delivered: int = 0

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.working_days) if self.working_days else None


def compute(start: date, end: date, apps: Sequence[Application],
            benefits: Sequence[ApplicationBenefit], notices: Sequence[OutboxMessage],
            calendar: Calendar, zone: tzinfo) -> Stats:
    by_benefit: dict[str, Counter[str]] = {}
    for b in benefits:
        by_benefit.setdefault(b.cite, Counter())[b.status] += 1
    days: list[int] = []
    in_time = 0
    decided = [a for a in apps if a.decided_at is not None and a.registered_on is not None]
    for a in decided:
        assert a.decided_at is not None and a.registered_on is not None
        on = a.decided_at.astimezone(zone).date()
        days.append(working_days_between(a.registered_on, on, calendar))
        in_time += a.decision_by is not None and on <= a.decision_by
    notice_by = {a.id: a.notice_by for a in apps}
    sent_in_time = sum(
        1 for n in notices
        if n.status == SENT and n.sent_on is not None and n.application_id is not None
        and (notice_by.get(n.application_id) or date.max) >= n.sent_on
    )
    return Stats(
        start=start, end=end, by_status=Counter(a.status for a in apps),
        by_benefit=dict(sorted(by_benefit.items(), key=lambda item: _cite_key(item[0]))),
        working_days=tuple(days), decided=len(decided), decided_in_time=in_time,
        notices=len(notices), notices_in_time=sent_in_time,
        not_delivered=sum(1 for n in notices if n.status == UNDELIVERABLE),
    )


def _cite_key(cite: str) -> tuple[int, ...]:
    return tuple(int(part) for part in cite.split(".") if part.isdigit())


async def gather_stats(session: AsyncSession, start: date, end: date, calendar: Calendar,
                       zone: tzinfo) -> Stats:
    repo = DeadlineRepo(session)
    apps = [a for a in await repo.submitted_between(start, end, zone) if a.status != "draft"]
    ids = [a.id for a in apps]
    return compute(start, end, apps, await repo.benefits_of(ids),
                   await repo.decision_notices(ids), calendar, zone)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({round(100 * part / whole)}%)" if whole else "—"


def stats_text(stats: Stats) -> str:
    status_names = status_labels()
    lines = [_("<b>Statistics: applications submitted {start} – {end}</b>").format(
        start=day(stats.start), end=day(stats.end))]
    total = sum(stats.by_status.values())
    lines.append(_("Applications: {count}").format(count=total))
    lines += [f"• {status_names.get(s, s)}: {n}" for s, n in sorted(stats.by_status.items())]
    if stats.by_benefit:
        lines.append(_("By paragraph (requested / granted / refused / terminated):"))
        lines += [
            _("• p. {cite}: {requested} / {granted} / {refused} / {terminated}").format(
                cite=cite, requested=c["requested"], granted=c["granted"],
                refused=c["refused"], terminated=c["terminated"])
            for cite, c in stats.by_benefit.items()
        ]
    median = stats.median_days
    lines.append(_("Median working days from registration to decision: {days}").format(
        days=number(median) if median is not None else "—"))
    lines.append(_("Decided within 8 (or 20) working days: {share}").format(
        share=_share(stats.decided_in_time, stats.decided)))
    lines.append(_("Decision notices delivered within 3 working days: {share}").format(
        share=_share(stats.notices_in_time, stats.notices)))
    lines.append(_("Notices not delivered: {count}").format(count=stats.not_delivered))
    return "\n".join(lines)
