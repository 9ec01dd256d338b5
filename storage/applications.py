"""Applications: drafts, submission with a reference number, lookups for staff, status changes
under an optimistic lock. Flushes only; the caller commits (spec: APP_MODEL.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.phone import normalize_phone
from storage._upsert import dialect_insert
from storage.models import (
    OPEN_STATUSES,
    Application,
    ApplicationBenefit,
    Attachment,
    Consent,
    Member,
    ReferenceCounter,
    utcnow,
)

REFERENCE_PREFIX = "SZ"
_REFERENCE = re.compile(r"^\s*SZ\s*-?\s*(\d{4})\s*-?\s*(\d{1,6})\s*$", re.IGNORECASE)


class ApplicationChanged(Exception):
    """The application is no longer in the state the caller saw (someone else changed it)."""


def format_reference(year: int, seq: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{seq:06d}"


def parse_reference(text: str) -> str | None:
    """``sz-2015-123`` or ``SZ 2015 000123`` → ``SZ-2015-000123``; None when not a reference."""
    match = _REFERENCE.match(text)
    if match is None:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


class ApplicationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- drafts -------------------------------------------------------------------------

    async def draft_for(self, user_id: int) -> Application | None:
        """The user's unfinished application (there is at most one)."""
        stmt = (
            select(Application)
            .where(Application.user_id == user_id, Application.status == "draft")
            .order_by(Application.id.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def has_draft(self, user_id: int) -> bool:
        """Whether the user has an unfinished application (the menu asks on every showing)."""
        # On the table, not the mapped class: a Core read does not flush the ORM's changes.
        table: Any = Application.__table__
        drafts = select(table.c.id).where(table.c.user_id == user_id, table.c.status == "draft")
        return bool(await self.session.scalar(select(drafts.exists())))

    async def create_draft(
        self,
        *,
        user_id: int,
        chat_id: int,
        language: str,
        on_date: date,
        screening: Mapping[str, Any],
        members_count: int = 1,
        draft: Mapping[str, Any] | None = None,
        now: datetime | None = None,
        flush: bool = True,
    ) -> Application:
        """Start a draft; an older draft of the same user is dropped (one draft per user).
        ``flush=False``: written with the session's next flush (in an update, at its end: on
        SQLite a flush now would hold the one write lock through the Bot API calls that
        follow); its ``id`` is None until then."""
        old = await self.draft_for(user_id)
        if old is not None:
            await self.delete_draft(old)
        now = now or utcnow()
        app = Application(
            user_id=user_id,
            chat_id=chat_id,
            language=language,
            status="draft",
            on_date=on_date,
            screening=dict(screening),
            members_count=members_count,
            draft=dict(draft or {}),
            created_at=now,
            updated_at=now,
            documents_requested=False,
            version=1,
        )
        self.session.add(app)
        if flush:
            await self.session.flush()
        return app

    async def save_draft(self, app: Application, now: datetime | None = None) -> None:
        """Keep the draft's changes (``draft`` JSON is replaced as a whole: assign a new dict),
        written with the session's next flush: before its next query, or with the commit (in
        an update, at its end, storage.unit)."""
        app.updated_at = now or utcnow()
        self.session.add(app)

    async def delete_draft(self, app: Application) -> None:
        """Erase a never-submitted draft with everything hanging on it."""
        if app.status != "draft":
            raise ValueError("only a draft can be erased")
        await self.session.execute(delete(Application).where(Application.id == app.id))
        self.session.expunge(app)

    async def expire_drafts(self, before: datetime) -> list[int]:
        """Erase drafts untouched since ``before``; returns their ids (to remove their files)."""
        ids = list(
            (
                await self.session.scalars(
                    select(Application.id).where(
                        Application.status == "draft", Application.updated_at < before
                    )
                )
            ).all()
        )
        if ids:
            await self.session.execute(delete(Application).where(Application.id.in_(ids)))
        return ids

    # --- parts of an application ----------------------------------------------------------

    async def set_benefits(
        self, application_id: int, benefits: Iterable[Mapping[str, Any]]
    ) -> list[ApplicationBenefit]:
        """Replace the benefits asked for (mappings of ApplicationBenefit's columns)."""
        await self.session.execute(
            delete(ApplicationBenefit).where(ApplicationBenefit.application_id == application_id)
        )
        rows = [
            ApplicationBenefit(application_id=application_id, status="requested", **dict(b))
            for b in benefits
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def set_members(
        self, application_id: int, members: Iterable[Mapping[str, Any]]
    ) -> list[Member]:
        """Replace the family members (mappings of Member's columns, in order)."""
        await self.session.execute(delete(Member).where(Member.application_id == application_id))
        rows = [
            Member(application_id=application_id, position=i, **dict(m))
            for i, m in enumerate(members, start=1)
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def add_attachment(self, application_id: int, **values: Any) -> Attachment:
        """Written with the session's next flush (in an update, at its end: on SQLite a flush
        now would hold the one write lock through the Bot API calls that follow)."""
        row = Attachment(application_id=application_id, **values)
        self.session.add(row)
        return row

    async def attachments_so_far(self, application_id: int) -> list[Attachment]:
        """The files of an application with those added in this session and not written yet,
        without writing them (see add_attachment)."""
        with self.session.no_autoflush:
            rows = await self.attachments(application_id)
        return rows + [row for row in self.session.new
                       if isinstance(row, Attachment) and row.application_id == application_id]

    async def remove_attachments(self, application_id: int, item: str) -> list[Attachment]:
        """Drop the files of one checklist item; returns the removed rows (for their paths)."""
        rows = [a for a in await self.attachments(application_id) if a.item == item]
        for row in rows:
            await self.session.delete(row)
        await self.session.flush()
        return rows

    async def benefits(self, application_id: int) -> list[ApplicationBenefit]:
        stmt = (
            select(ApplicationBenefit)
            .where(ApplicationBenefit.application_id == application_id)
            .order_by(ApplicationBenefit.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def members(self, application_id: int) -> list[Member]:
        stmt = (
            select(Member)
            .where(Member.application_id == application_id)
            .order_by(Member.position, Member.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def attachments(self, application_id: int) -> list[Attachment]:
        stmt = (
            select(Attachment)
            .where(Attachment.application_id == application_id)
            .order_by(Attachment.id)
        )
        return list((await self.session.scalars(stmt)).all())

    # --- consent --------------------------------------------------------------------------

    async def record_consent(
        self, user_id: int, text_version: str, given_at: datetime,
        application: Application | None,
    ) -> Consent:
        """Written with the session's next flush, as the draft it was given with may be."""
        consent = Consent(
            user_id=user_id,
            application=application,
            text_version=text_version,
            given_at=given_at,
        )
        self.session.add(consent)
        return consent

    async def consents(self, user_id: int) -> list[Consent]:
        stmt = select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)
        return list((await self.session.scalars(stmt)).all())

    async def consent_for(self, application_id: int) -> Consent | None:
        """The last consent given with an application (still there after its applicant's
        /forget, which empties its user id)."""
        stmt = (
            select(Consent)
            .where(Consent.application_id == application_id)
            .order_by(Consent.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    # --- submission and status --------------------------------------------------------------

    async def next_reference(self, year: int) -> str:
        """The next reference number of ``year``: one atomic upsert, so two instances
        submitting at once never get the same number (the row is locked until commit)."""
        insert = dialect_insert(self.session, ReferenceCounter).values(year=year, last=1)
        upsert = insert.on_conflict_do_update(
            index_elements=[ReferenceCounter.year],
            set_={"last": ReferenceCounter.last + 1},
        ).returning(ReferenceCounter.last)
        seq: int = (await self.session.execute(upsert)).scalar_one()
        return format_reference(year, seq)

    async def submit(self, app: Application, now: datetime, year: int) -> str:
        """Turn the draft into a submitted application with a reference number.

        Raises :class:`ApplicationChanged` when it is no longer that draft (a second tap)."""
        if not await self.change_status(
            app,
            app.version,
            from_statuses=("draft",),
            status="submitted",
            submitted_at=now,
            draft={},
        ):
            raise ApplicationChanged(app.id)
        reference = await self.next_reference(year)
        await self.session.execute(
            update(Application).where(Application.id == app.id).values(reference=reference)
        )
        app.reference = reference
        return reference

    async def change_status(
        self,
        app: Application,
        expected_version: int,
        *,
        from_statuses: Sequence[str] | None = None,
        **values: Any,
    ) -> bool:
        """``UPDATE … WHERE id=:id AND version=:v``: of two changes at once only one wins.

        On success ``app`` holds the new values and version; False when someone was first.
        ``from_statuses`` optionally also requires the current status to be one of those."""
        now = utcnow()
        stmt = (
            update(Application)
            .where(Application.id == app.id, Application.version == expected_version)
            .values(**values, version=Application.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if from_statuses is not None:
            stmt = stmt.where(Application.status.in_(list(from_statuses)))
        result = await self.session.execute(stmt)
        if getattr(result, "rowcount", 0) != 1:
            return False
        await self.session.refresh(app)
        return True

    # --- lookups ----------------------------------------------------------------------------

    async def get(self, application_id: int) -> Application | None:
        return await self.session.get(Application, application_id)

    async def by_reference(self, reference: str) -> Application | None:
        normal = parse_reference(reference)
        if normal is None:
            return None
        return await self.session.scalar(select(Application).where(Application.reference == normal))

    async def for_user(self, user_id: int) -> list[Application]:
        """The user's submitted applications (any status but draft), newest first."""
        stmt = (
            select(Application)
            .where(Application.user_id == user_id, Application.status != "draft")
            .order_by(Application.submitted_at.desc(), Application.id.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def find(self, query: str) -> list[Application]:
        """Submitted applications by reference, IIN (12 digits) or phone; newest first."""
        reference = parse_reference(query)
        digits = re.sub(r"\D", "", query)
        conditions = []
        if reference is not None:
            conditions.append(Application.reference == reference)
        if len(digits) == 12 and digits == query.strip():
            conditions.append(Application.iin == digits)
        phone = normalize_phone(query)
        if phone is not None:
            conditions.append(Application.phone == phone)
        if not conditions:
            return []
        stmt = (
            select(Application)
            .where(Application.status != "draft", or_(*conditions))
            .order_by(Application.submitted_at.desc(), Application.id.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def open_queue(self) -> list[Application]:
        """Applications waiting for the department (submitted, registered, documents
        requested), oldest submission first."""
        stmt = (
            select(Application)
            .where(Application.status.in_(OPEN_STATUSES))
            .order_by(Application.submitted_at, Application.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def granted_within_year(
        self, iin: str, benefit_id: str, on_date: date, *, excluding: int | None = None
    ) -> bool:
        """Was ``benefit_id`` granted to this IIN within the calendar year before ``on_date``?
        (p. 23: assistance on one ground is not given again within a calendar year.)
        ``excluding``: an application whose own grants do not count (the one being checked)."""
        since = datetime.combine(_year_before(on_date), time.min, UTC)
        stmt = (
            select(func.count())
            .select_from(ApplicationBenefit)
            .join(Application, Application.id == ApplicationBenefit.application_id)
            .where(
                Application.iin == iin,
                ApplicationBenefit.benefit_id == benefit_id,
                ApplicationBenefit.status.in_(("granted", "terminated")),
                ApplicationBenefit.decided_at >= since,
            )
        )
        if excluding is not None:
            stmt = stmt.where(Application.id != excluding)
        return bool(await self.session.scalar(stmt))

    async def submitted_between(self, since: datetime, until: datetime) -> list[Application]:
        """Applications submitted at or after ``since`` and before ``until`` (any status but
        draft), oldest first: the export's period."""
        stmt = (
            select(Application)
            .where(
                Application.status != "draft",
                Application.submitted_at >= since,
                Application.submitted_at < until,
            )
            .order_by(Application.submitted_at, Application.id)
        )
        return list((await self.session.scalars(stmt)).all())


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def mci_amount(value: float | int | str | Decimal) -> Decimal:
    """An MCI figure as stored (two decimals)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


__all__ = [
    "ApplicationChanged",
    "ApplicationRepo",
    "format_reference",
    "mci_amount",
    "parse_reference",
]
