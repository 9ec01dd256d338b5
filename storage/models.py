"""Tables. Portable column types only: the same models serve SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that always hands back an aware UTC datetime.

    PostgreSQL keeps the offset (timestamptz); SQLite stores text without one and returns naive
    values. Values are normalised to UTC on the way in and marked UTC on the way out, so both
    backends behave the same. Naive datetimes are refused: their zone is unknown.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class User(Base):
    """A Telegram user who has talked to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(2))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, language={self.language!r})"


class FSMState(Base):
    """One aiogram FSM record (state + data) per storage key."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Screening(Base):
    """A citizen's last screening answers, so "my last result" can be reopened: one a user
    (health and income are kept no longer than needed; a new screening replaces it)."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, unique=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandledUpdate(Base):
    """A Telegram update already handled, recorded in the transaction of the change it made:
    an update delivered again (after a restart) is skipped. Kept a few days, then purged."""

    __tablename__ = "handled_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- applications (docs: /work/briefs/APP_MODEL.md) ---------------------------------------
#
# A submitted application is the department's record: no foreign key to ``users``, so it
# outlives the citizen's user row. Drafts live in the same table with status "draft".

APPLICATION_STATUSES = (
    "draft",
    "submitted",
    "registered",
    "documents_requested",
    "decided",
    "withdrawn",
)
OPEN_STATUSES = ("submitted", "registered", "documents_requested")
BENEFIT_STATUSES = ("requested", "granted", "refused", "terminated")
MEMBER_OCCUPATIONS = ("works", "pensioner", "pupil", "unemployed", "other")


class Application(Base):
    """A citizen's application for one or more benefits (a draft until submitted)."""

    __tablename__ = "applications"
    # Ids are never reused on SQLite either: an erased draft's id (and folder) stays its own.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24), index=True, default="draft")
    full_name: Mapped[str | None] = mapped_column(String(200))
    iin: Mapped[str | None] = mapped_column(String(12), index=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    settlement: Mapped[str | None] = mapped_column(String(64))
    settlement_other: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    members_count: Mapped[int] = mapped_column(Integer, default=1)
    situation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    on_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the repository on every change, from the caller's clock (drafts expire by it; a
    # training clock must not be overridden by the wall clock).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    registered_on: Mapped[date | None] = mapped_column(Date)
    documents_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_by: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column()
    notice_by: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    def __repr__(self) -> str:  # no personal data
        return f"Application(id={self.id!r}, reference={self.reference!r}, status={self.status!r})"


class ApplicationBenefit(Base):
    """One benefit asked for in an application, and what was decided about it."""

    __tablename__ = "application_benefits"
    __table_args__ = (UniqueConstraint("application_id", "benefit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    benefit_id: Mapped[str] = mapped_column(String(32))
    cite: Mapped[str] = mapped_column(String(8))
    amount_mci: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    up_to: Mapped[bool] = mapped_column(Boolean, default=False)
    period: Mapped[str] = mapped_column(String(10))
    months: Mapped[int | None] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="requested")
    granted_mci: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    granted_months: Mapped[int | None] = mapped_column(Integer)
    refusal_ground: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    terminated_from: Mapped[date | None] = mapped_column(Date)
    termination_ground: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column()


class Member(Base):
    """Another person of the applicant's family (Appendix 1); the applicant is not a row."""

    __tablename__ = "application_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    full_name: Mapped[str | None] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(24))
    iin: Mapped[str | None] = mapped_column(String(12))
    birth_date: Mapped[date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(16))
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False)


class Attachment(Base):
    """A document sent with an application (kept by Telegram file id and as a local copy)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(32))
    telegram_file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """Consent to the processing of personal data (Law No. 94-V), with the text's version."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Empty once the user has asked to be forgotten: a submitted application keeps the record
    # that consent was given (storage.retention.forget_user), no longer whose it was.
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    application_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("applications.id", ondelete="SET NULL")
    )
    text_version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    # Given with a draft not yet written (its id comes with the update's end): the ORM sets
    # application_id when both are flushed. Never loaded (lazy="raise": no IO by accident).
    application: Mapped[Application | None] = relationship(lazy="raise")


class AuditEntry(Base):
    """Append-only history of an application (details never carry personal data)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_kind: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(String(64))
    after: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ReferenceCounter(Base):
    """The last reference number given in a year (``SZ-<year>-<last:06d>``)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """A notice to send, written in the same transaction as the change it announces.

    ``pending`` rows are claimed by a sender (``sending`` with a lease), then ``sent`` (with
    Telegram's message id) or ``undeliverable`` (blocked, deleted account, given up). A row whose
    lease ran out is claimed again: the sender that held it died.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # One notice per event: enqueuing the same key twice is refused by the unique index.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # The business day (on the clock: the training clock in training mode) it was delivered.
    sent_on: Mapped[date | None] = mapped_column(Date)
