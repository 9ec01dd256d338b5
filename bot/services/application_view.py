"""An application as staff read it: one plain, typed object for the card, the PDF and exports.

Built from the stored rows by :func:`load_view`; the renderers take nothing else, so they are
tested without a database and stay the same whichever storage the rows came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from bot.rules import Text, Thresholds

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

    @property
    def per_capita_income(self) -> Decimal | None:
        if self.monthly_income is None or self.members_count < 1:
            return None
        share = self.monthly_income / self.members_count
        return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def missing_documents(self) -> tuple[ChecklistLine, ...]:
        return tuple(line for line in self.checklist if line.files == 0)


def age_on(birth: date, on: date) -> int:
    """Full years on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
