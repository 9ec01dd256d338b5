"""The procedure of decision No. 241 (p. 15–27) as pure data and functions.

An application, once submitted, is registered when the citizen presents the documents at the
office (p. 21 counts from that day), may have documents requested from other bodies (p. 17, 18:
the deadline moves from the 8th to the 20th working day), and is decided benefit by benefit
(granted within the ceiling of p. 11, or refused on a ground of p. 23 or p. 24). A granted
monthly payment may later be terminated (p. 26) from the month the circumstance arose. The
citizen may withdraw before the decision. The written notice is due within three working days
of the decision (p. 22).

Pure: no aiogram, no SQL. Every function returns a new :class:`Case` or raises
:class:`Forbidden` with a :class:`Reason` code the staff card turns into a message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.rules.calendar import Calendar

# p. 21: within eight working days of registration; twenty when documents are requested.
DECISION_DAYS = 8
DECISION_DAYS_DOCUMENTS_REQUESTED = 20
# p. 22: the written notice within three working days of the decision.
NOTICE_DAYS = 3
MONTHLY = "monthly"


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    DOCUMENTS_REQUESTED = "documents_requested"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.SUBMITTED, Status.REGISTERED, Status.DOCUMENTS_REQUESTED})
REGISTERED = frozenset({Status.REGISTERED, Status.DOCUMENTS_REQUESTED})


class BenefitStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    TERMINATED = "terminated"


class RefusalGround(StrEnum):
    """p. 24 (1–3) and p. 23."""

    FALSE_INFORMATION = "false_information"  # p. 24.1
    INSPECTION_REFUSED = "inspection_refused"  # p. 24.2
    INCOME_ABOVE_THRESHOLD = "income_above_threshold"  # p. 24.3
    GRANTED_WITHIN_YEAR = "granted_within_year"  # p. 23


REFUSAL_CITE: dict[RefusalGround, str] = {
    RefusalGround.FALSE_INFORMATION: "24.1",
    RefusalGround.INSPECTION_REFUSED: "24.2",
    RefusalGround.INCOME_ABOVE_THRESHOLD: "24.3",
    RefusalGround.GRANTED_WITHIN_YEAR: "23",
}


class TerminationGround(StrEnum):
    """p. 26 (1–4)."""

    DEATH = "death"  # p. 26.1
    MOVED_AWAY = "moved_away"  # p. 26.2
    STATE_INSTITUTION = "state_institution"  # p. 26.3
    FALSE_INFORMATION = "false_information"  # p. 26.4


TERMINATION_CITE: dict[TerminationGround, str] = {
    TerminationGround.DEATH: "26.1",
    TerminationGround.MOVED_AWAY: "26.2",
    TerminationGround.STATE_INSTITUTION: "26.3",
    TerminationGround.FALSE_INFORMATION: "26.4",
}


class Reason(StrEnum):
    """Why a move is forbidden: one code, one message on the staff card."""

    NOT_SUBMITTED = "not_submitted"
    NOT_REGISTERED = "not_registered"
    ALREADY_REGISTERED = "already_registered"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_DECIDED = "already_decided"
    WITHDRAWN = "withdrawn"
    NOT_A_WORKING_DAY = "not_a_working_day"
    DATE_IN_FUTURE = "date_in_future"
    DATE_BEFORE_SUBMISSION = "date_before_submission"
    UNKNOWN_APPLICATION = "unknown_application"
    UNKNOWN_BENEFIT = "unknown_benefit"
    ABOVE_CEILING = "above_ceiling"
    NOT_FIXED_AMOUNT = "not_fixed_amount"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    MONTHS_REQUIRED = "months_required"
    MONTHS_OUT_OF_RANGE = "months_out_of_range"
    NOT_MONTHLY = "not_monthly"
    NOT_GRANTED = "not_granted"
    STALE = "stale"  # someone else changed the application first (optimistic lock)


class Forbidden(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class BenefitCase:
    benefit_id: str
    cite: str
    amount_mci: Decimal  # the fixed amount, or the ceiling when ``up_to``
    up_to: bool
    period: str
    months: int | None = None  # the longest a monthly payment may run, when the decision says
    status: BenefitStatus = BenefitStatus.REQUESTED
    granted_mci: Decimal | None = None
    granted_months: int | None = None
    refusal_ground: RefusalGround | None = None
    note: str | None = None
    terminated_from: date | None = None
    termination_ground: TerminationGround | None = None

    @property
    def monthly(self) -> bool:
        return self.period == MONTHLY

    @property
    def decided(self) -> bool:
        return self.status is not BenefitStatus.REQUESTED


@dataclass(frozen=True)
class Case:
    """What the procedure needs to know of an application."""

    status: Status
    benefits: tuple[BenefitCase, ...]
    submitted_on: date | None = None
    registered_on: date | None = None
    documents_requested: bool = False
    decision_by: date | None = None
    decided_on: date | None = None
    notice_by: date | None = None

    def benefit(self, benefit_id: str) -> BenefitCase:
        for item in self.benefits:
            if item.benefit_id == benefit_id:
                return item
        raise Forbidden(Reason.UNKNOWN_BENEFIT)

    def _with_benefit(self, changed: BenefitCase) -> tuple[BenefitCase, ...]:
        return tuple(changed if b.benefit_id == changed.benefit_id else b for b in self.benefits)


# ---- the clock ---------------------------------------------------------------------------------


def decision_deadline(registered_on: date, documents_requested: bool, calendar: Calendar) -> date:
    """p. 21: the 8th working day after registration, the 20th with documents requested."""
    days = DECISION_DAYS_DOCUMENTS_REQUESTED if documents_requested else DECISION_DAYS
    return calendar.nth_working_day_after(registered_on, days)


def notice_deadline(decided_on: date, calendar: Calendar) -> date:
    """p. 22: the 3rd working day after the decision."""
    return calendar.nth_working_day_after(decided_on, NOTICE_DAYS)


def working_days_between(start: date, end: date, calendar: Calendar) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        count += calendar.is_working_day(day)
    return count


# ---- moves -------------------------------------------------------------------------------------


def _not_withdrawn(case: Case) -> None:
    if case.status is Status.WITHDRAWN:
        raise Forbidden(Reason.WITHDRAWN)


def register(case: Case, on: date, today: date, calendar: Calendar) -> Case:
    """The documents were presented on ``on`` (today, or an earlier working day)."""
    _not_withdrawn(case)
    if case.status is Status.DECIDED:
        raise Forbidden(Reason.ALREADY_DECIDED)
    if case.status in REGISTERED:
        raise Forbidden(Reason.ALREADY_REGISTERED)
    if case.status is not Status.SUBMITTED:
        raise Forbidden(Reason.NOT_SUBMITTED)
    if on > today:
        raise Forbidden(Reason.DATE_IN_FUTURE)
    if case.submitted_on is not None and on < case.submitted_on:
        raise Forbidden(Reason.DATE_BEFORE_SUBMISSION)
    if not calendar.is_working_day(on):
        raise Forbidden(Reason.NOT_A_WORKING_DAY)
    return replace(
        case,
        status=Status.REGISTERED,
        registered_on=on,
        decision_by=decision_deadline(on, case.documents_requested, calendar),
    )


def request_documents(case: Case, calendar: Calendar) -> Case:
    """p. 17, 18: documents asked of other bodies; the deadline becomes the 20th working day."""
    _not_withdrawn(case)
    if case.status is Status.DECIDED:
        raise Forbidden(Reason.ALREADY_DECIDED)
    if case.status is Status.DOCUMENTS_REQUESTED:
        raise Forbidden(Reason.ALREADY_REQUESTED)
    if case.status is not Status.REGISTERED or case.registered_on is None:
        raise Forbidden(Reason.NOT_REGISTERED)
    return replace(
        case,
        status=Status.DOCUMENTS_REQUESTED,
        documents_requested=True,
        decision_by=decision_deadline(case.registered_on, True, calendar),
    )


def _open_benefit(case: Case, benefit_id: str) -> BenefitCase:
    _not_withdrawn(case)
    item = case.benefit(benefit_id)
    if item.decided or case.status is Status.DECIDED:
        raise Forbidden(Reason.ALREADY_DECIDED)
    if case.status not in REGISTERED:
        raise Forbidden(Reason.NOT_REGISTERED)
    return item


def check_amount(item: BenefitCase, amount_mci: Decimal) -> None:
    """p. 11: the commission sets the amount, never above the ceiling; a fixed amount is fixed."""
    if amount_mci <= 0:
        raise Forbidden(Reason.AMOUNT_NOT_POSITIVE)
    if amount_mci > item.amount_mci:
        raise Forbidden(Reason.ABOVE_CEILING)
    if not item.up_to and amount_mci != item.amount_mci:
        raise Forbidden(Reason.NOT_FIXED_AMOUNT)


def check_months(item: BenefitCase, months: int | None) -> int | None:
    if not item.monthly:
        return None
    if months is None:
        raise Forbidden(Reason.MONTHS_REQUIRED)
    if not 1 <= months <= (item.months or 12):
        raise Forbidden(Reason.MONTHS_OUT_OF_RANGE)
    return months


def _after_decision(case: Case, benefits: tuple[BenefitCase, ...], today: date,
                    calendar: Calendar) -> Case:
    """The application is decided when every benefit has its outcome; p. 22 starts then."""
    if all(b.decided for b in benefits):
        return replace(case, benefits=benefits, status=Status.DECIDED, decided_on=today,
                       notice_by=notice_deadline(today, calendar))
    return replace(case, benefits=benefits)


def grant(case: Case, benefit_id: str, amount_mci: Decimal, months: int | None, today: date,
          calendar: Calendar) -> Case:
    item = _open_benefit(case, benefit_id)
    check_amount(item, amount_mci)
    granted = replace(item, status=BenefitStatus.GRANTED, granted_mci=amount_mci,
                      granted_months=check_months(item, months))
    return _after_decision(case, case._with_benefit(granted), today, calendar)


def refuse(case: Case, benefit_id: str, ground: RefusalGround, note: str | None, today: date,
           calendar: Calendar) -> Case:
    item = _open_benefit(case, benefit_id)
    refused = replace(item, status=BenefitStatus.REFUSED, refusal_ground=ground,
                      note=(note or None))
    return _after_decision(case, case._with_benefit(refused), today, calendar)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def terminate(case: Case, benefit_id: str, ground: TerminationGround, arose_on: date,
              today: date) -> Case:
    """p. 26: a granted monthly payment stops from the month the circumstance arose."""
    _not_withdrawn(case)
    item = case.benefit(benefit_id)
    if item.status is BenefitStatus.TERMINATED:
        raise Forbidden(Reason.ALREADY_DECIDED)
    if item.status is not BenefitStatus.GRANTED:
        raise Forbidden(Reason.NOT_GRANTED)
    if not item.monthly:
        raise Forbidden(Reason.NOT_MONTHLY)
    if arose_on > today:
        raise Forbidden(Reason.DATE_IN_FUTURE)
    ended = replace(item, status=BenefitStatus.TERMINATED, termination_ground=ground,
                    terminated_from=first_of_month(arose_on))
    return replace(case, benefits=case._with_benefit(ended))


def withdraw(case: Case) -> Case:
    """The citizen withdraws before the decision."""
    _not_withdrawn(case)
    if case.status is Status.DECIDED or any(b.decided for b in case.benefits):
        raise Forbidden(Reason.ALREADY_DECIDED)
    if case.status not in OPEN:
        raise Forbidden(Reason.NOT_SUBMITTED)
    return replace(case, status=Status.WITHDRAWN)


# ---- the clock's view --------------------------------------------------------------------------


class Urgency(StrEnum):
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ON_TIME = "on_time"


def urgency(decision_by: date | None, today: date) -> Urgency:
    if decision_by is None or decision_by > today:
        return Urgency.ON_TIME
    return Urgency.DUE_TODAY if decision_by == today else Urgency.OVERDUE
