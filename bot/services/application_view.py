"""An application as staff read it: one plain, typed object for the card, the PDF and exports.

Built from the stored rows by :func:`load_view`; the renderers take nothing else, so they are
tested without a database and stay the same whichever storage the rows came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.iin import age_on
from bot.places import OTHER, load_places
from bot.rules import Ruleset, Text, Thresholds
from bot.rules.engine import one_month_after
from bot.rules.profile import DATED_KINDS
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.models import Application, ApplicationBenefit, Attachment, AuditEntry, Consent, Member
from storage.outbox import OutboxRepo

# Flags: what staff should look at before anything else.
FLAG_BIRTH_DATE = "birth_date_vs_age"  # the IIN's date of birth disagrees with the age given
FLAG_REPEAT = "granted_within_year"  # p. 23: the same benefit to the same IIN within a year
FLAG_DEADLINE = "situation_deadline"  # p. 9: a fire or flood near its one-month deadline
FLAG_ON_PAPER = "member_on_paper"  # a member's details will be brought on paper

# A fire or flood whose one-month deadline is this close (or past) is flagged.
DEADLINE_WARNING_DAYS = 7


@dataclass(frozen=True, slots=True)
class BenefitLine:
    benefit_id: str
    cite: str
    title: Text
    amount_mci: Decimal  # per person
    amount_kzt: int  # per person, at the MCI of the application's day
    up_to: bool  # a ceiling: the commission fixes the amount (p. 11)
    period: str  # once | monthly
    months: int | None
    persons: int
    status: str  # requested | granted | refused | terminated

    @property
    def total_kzt(self) -> int:
        return self.amount_kzt * self.persons


@dataclass(frozen=True, slots=True)
class MemberLine:
    """One row of the Appendix-1 family table (the applicant is not one)."""

    position: int
    full_name: str | None
    relation: str
    iin: str | None
    birth_date: date | None
    occupation: str | None
    on_paper: bool


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    """One document of the merged checklist and how many files came with it."""

    item: str
    name: Text
    cite: str | None
    files: int


@dataclass(frozen=True, slots=True)
class SituationView:
    kind: str  # fire | natural_disaster | disease | legal_ground | other
    occurred_on: date | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    cite: str | None = None  # FLAG_REPEAT: the paragraph of the benefit
    deadline: date | None = None  # FLAG_DEADLINE
    iin_birth_date: date | None = None  # FLAG_BIRTH_DATE
    age: int | None = None  # FLAG_BIRTH_DATE: the age given in the screening
    positions: tuple[int, ...] = ()  # FLAG_ON_PAPER: the family table's rows


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    actor_kind: str  # citizen | staff | system
    actor_id: int | None
    action: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: int
    reference: str
    status: str
    on_date: date  # the clock's day at submission: the MCI and thresholds of that day
    submitted_at: datetime | None
    registered_on: date | None
    decision_by: date | None
    notice_by: date | None
    documents_requested: bool
    full_name: str | None
    iin: str | None
    birth_date: date | None
    phone: str | None
    settlement: Text | None
    address: str | None
    members_count: int  # the family, the applicant included
    monthly_income: Decimal | None
    mci_kzt: int
    thresholds: Thresholds
    situation: SituationView | None
    benefits: tuple[BenefitLine, ...]
    members: tuple[MemberLine, ...]
    checklist: tuple[ChecklistLine, ...]
    flags: tuple[Flag, ...]
    history: tuple[HistoryLine, ...] = ()
    consent_given_at: datetime | None = None
    consent_version: str | None = None
    # A notice the outbox could not deliver (blocked bot, deleted account): the written one
    # of p. 22 must reach the applicant.
    notice_undelivered: bool = False

    @property
    def per_capita_income(self) -> Decimal | None:
        if self.monthly_income is None or self.members_count < 1:
            return None
        share = self.monthly_income / self.members_count
        return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def missing_documents(self) -> tuple[ChecklistLine, ...]:
        return tuple(line for line in self.checklist if line.files == 0)


# --- from the stored rows -------------------------------------------------------------------


async def load_view(
    session: AsyncSession,
    application_id: int,
    *,
    ruleset: Ruleset,
    zone: tzinfo,
    today: date | None = None,
) -> ApplicationView | None:
    """The view of a submitted application, or None (no such id, or a draft).

    ``today`` (the clock's day; default: the day it was submitted) decides the deadline flag;
    times are shown in ``zone``.
    """
    repo = ApplicationRepo(session)
    app = await repo.get(application_id)
    if app is None or app.reference is None:
        return None
    benefits = await repo.benefits(app.id)
    members = await repo.members(app.id)
    attachments = await repo.attachments(app.id)
    history = await AuditRepo(session).history(app.id)
    consent = await repo.consent_for(app.id)
    repeats = []
    if app.iin:
        for b in benefits:
            known = ruleset.benefits_by_id.get(b.benefit_id)
            if known is not None and known.one_off_application and await repo.granted_within_year(
                app.iin, b.benefit_id, app.on_date, excluding=app.id
            ):
                repeats.append(b.cite)
    view = build_view(
        app, benefits, members, attachments, history, consent,
        ruleset=ruleset, zone=zone, today=today or app.on_date, repeats=repeats,
    )
    if await OutboxRepo(session).undeliverable_for([app.id]):
        view = replace(view, notice_undelivered=True)
    return view


def build_view(
    app: Application,
    benefits: Sequence[ApplicationBenefit],
    members: Sequence[Member],
    attachments: Sequence[Attachment],
    history: Sequence[AuditEntry],
    consent: Consent | None,
    *,
    ruleset: Ruleset,
    zone: tzinfo,
    today: date,
    repeats: Sequence[str] = (),
) -> ApplicationView:
    on = app.on_date
    mci_kzt = ruleset.mci_at(on)
    situation = _situation(app.situation)
    member_lines = tuple(
        MemberLine(m.position, m.full_name, m.relation, m.iin, m.birth_date, m.occupation,
                   m.on_paper)
        for m in members
    )
    return ApplicationView(
        id=app.id,
        reference=app.reference or "",
        status=app.status,
        on_date=on,
        submitted_at=_local(app.submitted_at, zone),
        registered_on=app.registered_on,
        decision_by=app.decision_by,
        notice_by=app.notice_by,
        documents_requested=app.documents_requested,
        full_name=app.full_name,
        iin=app.iin,
        birth_date=app.birth_date,
        phone=app.phone,
        settlement=_settlement(app.settlement, app.settlement_other),
        address=app.address,
        members_count=max(app.members_count, 1 + len(member_lines)),
        monthly_income=app.monthly_income,
        mci_kzt=mci_kzt,
        thresholds=Thresholds(
            poverty_line_kzt=ruleset.poverty_line_at(on),
            subsistence_minimum_kzt=ruleset.subsistence_minimum_at(on),
            situation_income_limit_kzt=ruleset.situation_income_limit_at(on),
        ),
        situation=situation,
        benefits=tuple(_benefit_line(b, ruleset, mci_kzt) for b in benefits),
        members=member_lines,
        checklist=_checklist(benefits, attachments, ruleset),
        flags=_flags(app, situation, member_lines, repeats, today),
        history=tuple(
            HistoryLine(_local(e.at, zone) or e.at, e.actor_kind, e.actor_id, e.action,
                        e.before, e.after)
            for e in history
        ),
        consent_given_at=_local(consent.given_at, zone) if consent else None,
        consent_version=consent.text_version if consent else None,
    )


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def _settlement(settlement_id: str | None, other: str | None) -> Text | None:
    if settlement_id is None:
        return None
    if settlement_id == OTHER:
        return Text(other or "—", other or "—")
    known = load_places().settlement(settlement_id)
    return known.name if known is not None else Text(settlement_id, settlement_id)


def _situation(raw: dict[str, Any] | None) -> SituationView | None:
    if not raw or not raw.get("kind"):
        return None
    occurred = raw.get("occurred_on")
    return SituationView(
        kind=str(raw["kind"]),
        occurred_on=date.fromisoformat(occurred) if isinstance(occurred, str) else None,
        description=raw.get("description") or None,
    )


def _benefit_line(row: ApplicationBenefit, ruleset: Ruleset, mci_kzt: int) -> BenefitLine:
    known = ruleset.benefits_by_id.get(row.benefit_id)
    title = known.title if known is not None else Text(row.benefit_id, row.benefit_id)
    amount_kzt = int((row.amount_mci * mci_kzt).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return BenefitLine(row.benefit_id, row.cite, title, row.amount_mci, amount_kzt, row.up_to,
                       row.period, row.months, row.persons, row.status)


def _checklist(
    benefits: Sequence[ApplicationBenefit], attachments: Sequence[Attachment], ruleset: Ruleset
) -> tuple[ChecklistLine, ...]:
    """The merged checklist of the benefits applied for (p. 13 order), then any item that was
    attached without being on it."""
    counts: dict[str, int] = {}
    for a in attachments:
        counts[a.item] = counts.get(a.item, 0) + 1
    known = [b.benefit_id for b in benefits if b.benefit_id in ruleset.benefits_by_id]
    docs = list(ruleset.checklist(known))
    items = [d.id for d in docs] + sorted(set(counts) - {d.id for d in docs})
    lines = []
    for item in items:
        doc = ruleset.documents.get(item)
        name = doc.name if doc is not None else Text(item, item)
        lines.append(ChecklistLine(item, name, doc.cite if doc else None, counts.get(item, 0)))
    return tuple(lines)


def _flags(
    app: Application,
    situation: SituationView | None,
    members: Sequence[MemberLine],
    repeats: Sequence[str],
    today: date,
) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    age = _screening_age(app.screening)
    if app.birth_date is not None and age is not None \
            and age_on(app.birth_date, app.on_date) != age:
        flags.append(Flag(FLAG_BIRTH_DATE, iin_birth_date=app.birth_date, age=age))
    flags += [Flag(FLAG_REPEAT, cite=cite) for cite in repeats]
    if situation is not None and situation.kind in DATED_KINDS and situation.occurred_on \
            and app.status == "submitted":
        deadline = one_month_after(situation.occurred_on)
        if (deadline - today).days <= DEADLINE_WARNING_DAYS:
            flags.append(Flag(FLAG_DEADLINE, deadline=deadline))
    on_paper = tuple(n for n, m in enumerate(members, start=2) if m.on_paper)
    if on_paper:
        flags.append(Flag(FLAG_ON_PAPER, positions=on_paper))
    return tuple(flags)


def _screening_age(snapshot: dict[str, Any] | None) -> int | None:
    """The age the citizen gave in the screening (asked only when it matters, p. 9.10)."""
    answers = (snapshot or {}).get("answers") or {}
    age = answers.get("age") if isinstance(answers, dict) else None
    return age if isinstance(age, int) else None
