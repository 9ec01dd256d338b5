"""The procedure of p. 15–27: every move, every forbidden move, and the working-day clock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.procedure import (
    BenefitCase,
    BenefitStatus,
    Case,
    Forbidden,
    Reason,
    RefusalGround,
    Status,
    TerminationGround,
    Urgency,
    decision_deadline,
    grant,
    notice_deadline,
    refuse,
    register,
    request_documents,
    terminate,
    urgency,
    withdraw,
    working_days_between,
)
from bot.rules.calendar import Calendar

CAL = Calendar()
FIRE = BenefitCase("fire", "9.2", Decimal(300), up_to=True, period="one_off")
VETERAN = BenefitCase("wwii_monthly", "7.1", Decimal(5), up_to=False, period="monthly", months=12)
DAY = date(2015, 6, 1)  # Monday


def submitted(*benefits: BenefitCase) -> Case:
    return Case(Status.SUBMITTED, benefits or (FIRE, VETERAN), submitted_on=date(2015, 5, 28))


def registered(*benefits: BenefitCase) -> Case:
    return register(submitted(*benefits), DAY, DAY, CAL)


def forbidden(reason: Reason) -> pytest.RaisesContext[Forbidden]:
    return pytest.raises(Forbidden, match=f"^{reason.value}$")


# ---- the clock -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered_on", "requested", "expected"),
    [
        # Nauryz 2015: 23–25 March off (21–22 fell on the weekend and moved).
        (date(2015, 3, 20), False, date(2015, 4, 6)),
        # The May holidays 2015: 1, 7 and 11 May (9 May, a Saturday, moved to Monday).
        (date(2015, 4, 30), False, date(2015, 5, 15)),
        # Saturday 5 March 2016 was a working day (moved from Monday 7 March); 8 March a holiday.
        (date(2016, 3, 4), False, date(2016, 3, 17)),
        # Documents requested (p. 17, 18): twenty working days, across Nauryz 2016.
        (date(2016, 3, 18), True, date(2016, 4, 20)),
    ],
)
def test_decision_deadline_counts_working_days(
    registered_on: date, requested: bool, expected: date
) -> None:
    assert decision_deadline(registered_on, requested, CAL) == expected


def test_notice_deadline_is_the_third_working_day_counting_a_working_saturday() -> None:
    assert notice_deadline(date(2016, 3, 4), CAL) == date(2016, 3, 10)
    # Decided on the eve of the May holidays 2015: 1 May off, then 4, 5, 6 May.
    assert notice_deadline(date(2015, 4, 30), CAL) == date(2015, 5, 6)


def test_operator_overrides_move_the_deadline() -> None:
    # An extra day off on Wednesday 3 June 2015 pushes the 8th working day by one.
    calendar = Calendar(extra_days_off=[date(2015, 6, 3)])
    assert decision_deadline(DAY, False, CAL) == date(2015, 6, 11)
    assert decision_deadline(DAY, False, calendar) == date(2015, 6, 12)
    # An extra working Saturday brings it back.
    calendar = Calendar(extra_days_off=[date(2015, 6, 3)], extra_working_days=[date(2015, 6, 6)])
    assert decision_deadline(DAY, False, calendar) == date(2015, 6, 11)


def test_working_days_between() -> None:
    assert working_days_between(date(2015, 3, 20), date(2015, 4, 6), CAL) == 8
    assert working_days_between(DAY, DAY, CAL) == 0


def test_urgency() -> None:
    assert urgency(None, DAY) is Urgency.ON_TIME
    assert urgency(date(2015, 6, 2), DAY) is Urgency.ON_TIME
    assert urgency(DAY, DAY) is Urgency.DUE_TODAY
    assert urgency(date(2015, 5, 29), DAY) is Urgency.OVERDUE


# ---- moves -----------------------------------------------------------------------------------


def test_register_sets_the_deadline() -> None:
    case = registered()
    assert case.status is Status.REGISTERED
    assert case.registered_on == DAY
    assert case.decision_by == date(2015, 6, 11)


def test_register_on_an_earlier_working_day() -> None:
    case = register(submitted(), date(2015, 5, 29), DAY, CAL)
    assert case.decision_by == date(2015, 6, 10)


@pytest.mark.parametrize(
    ("on", "reason"),
    [
        (date(2015, 5, 30), Reason.NOT_A_WORKING_DAY),  # a Saturday
        (date(2015, 6, 2), Reason.DATE_IN_FUTURE),
        (date(2015, 5, 27), Reason.DATE_BEFORE_SUBMISSION),
    ],
)
def test_register_date_checks(on: date, reason: Reason) -> None:
    with forbidden(reason):
        register(submitted(), on, DAY, CAL)


def test_register_twice_is_forbidden() -> None:
    with forbidden(Reason.ALREADY_REGISTERED):
        register(registered(), DAY, DAY, CAL)


def test_documents_requested_moves_the_deadline_to_the_twentieth_day() -> None:
    case = request_documents(registered(), CAL)
    assert case.status is Status.DOCUMENTS_REQUESTED
    assert case.documents_requested
    assert case.decision_by == date(2015, 6, 29)
    with forbidden(Reason.ALREADY_REQUESTED):
        request_documents(case, CAL)


def test_documents_requested_before_registration_is_forbidden() -> None:
    with forbidden(Reason.NOT_REGISTERED):
        request_documents(submitted(), CAL)


def test_grant_and_refuse_decide_the_application_when_every_benefit_has_an_outcome() -> None:
    case = grant(registered(), "fire", Decimal(150), None, DAY, CAL)
    assert case.status is Status.REGISTERED
    assert case.benefit("fire").status is BenefitStatus.GRANTED
    assert case.benefit("fire").granted_mci == Decimal(150)
    assert case.notice_by is None
    case = refuse(case, "wwii_monthly", RefusalGround.GRANTED_WITHIN_YEAR, "paid in March", DAY,
                  CAL)
    assert case.status is Status.DECIDED
    assert case.decided_on == DAY
    assert case.notice_by == date(2015, 6, 4)
    veteran = case.benefit("wwii_monthly")
    assert (veteran.status, veteran.refusal_ground, veteran.note) == (
        BenefitStatus.REFUSED, RefusalGround.GRANTED_WITHIN_YEAR, "paid in March")


def test_grant_monthly_with_months() -> None:
    case = grant(registered(VETERAN), "wwii_monthly", Decimal(5), 6, DAY, CAL)
    assert case.benefit("wwii_monthly").granted_months == 6
    assert case.status is Status.DECIDED


@pytest.mark.parametrize(
    ("benefit", "amount", "months", "reason"),
    [
        ("fire", Decimal("300.01"), None, Reason.ABOVE_CEILING),
        ("fire", Decimal(0), None, Reason.AMOUNT_NOT_POSITIVE),
        ("wwii_monthly", Decimal(4), 6, Reason.NOT_FIXED_AMOUNT),
        ("wwii_monthly", Decimal(6), 6, Reason.ABOVE_CEILING),
        ("wwii_monthly", Decimal(5), None, Reason.MONTHS_REQUIRED),
        ("wwii_monthly", Decimal(5), 13, Reason.MONTHS_OUT_OF_RANGE),
        ("nothing", Decimal(5), None, Reason.UNKNOWN_BENEFIT),
    ],
)
def test_grant_checks(benefit: str, amount: Decimal, months: int | None, reason: Reason) -> None:
    case = registered()
    with forbidden(reason):
        grant(case, benefit, amount, months, DAY, CAL)


def test_deciding_before_registration_is_forbidden() -> None:
    with forbidden(Reason.NOT_REGISTERED):
        grant(submitted(), "fire", Decimal(100), None, DAY, CAL)
    with forbidden(Reason.NOT_REGISTERED):
        refuse(submitted(), "fire", RefusalGround.FALSE_INFORMATION, None, DAY, CAL)


def test_deciding_twice_is_forbidden() -> None:
    case = grant(registered(), "fire", Decimal(100), None, DAY, CAL)
    with forbidden(Reason.ALREADY_DECIDED):
        grant(case, "fire", Decimal(100), None, DAY, CAL)
    with forbidden(Reason.ALREADY_DECIDED):
        refuse(case, "fire", RefusalGround.INSPECTION_REFUSED, None, DAY, CAL)
    case = refuse(case, "wwii_monthly", RefusalGround.INCOME_ABOVE_THRESHOLD, None, DAY, CAL)
    with forbidden(Reason.ALREADY_DECIDED):
        register(case, DAY, DAY, CAL)
    with forbidden(Reason.ALREADY_DECIDED):
        request_documents(case, CAL)


def test_terminate_a_monthly_payment_from_the_month_the_circumstance_arose() -> None:
    case = grant(registered(VETERAN), "wwii_monthly", Decimal(5), 12, DAY, CAL)
    later = date(2015, 9, 10)
    ended = terminate(case, "wwii_monthly", TerminationGround.MOVED_AWAY, date(2015, 8, 20), later)
    item = ended.benefit("wwii_monthly")
    assert item.status is BenefitStatus.TERMINATED
    assert item.terminated_from == date(2015, 8, 1)
    assert item.termination_ground is TerminationGround.MOVED_AWAY
    with forbidden(Reason.ALREADY_DECIDED):
        terminate(ended, "wwii_monthly", TerminationGround.DEATH, date(2015, 8, 20), later)
    with forbidden(Reason.DATE_IN_FUTURE):
        terminate(case, "wwii_monthly", TerminationGround.DEATH, date(2015, 9, 11), later)


def test_terminate_needs_a_granted_monthly_payment() -> None:
    case = grant(registered(), "fire", Decimal(100), None, DAY, CAL)
    with forbidden(Reason.NOT_MONTHLY):
        terminate(case, "fire", TerminationGround.DEATH, DAY, DAY)
    with forbidden(Reason.NOT_GRANTED):
        terminate(case, "wwii_monthly", TerminationGround.DEATH, DAY, DAY)


def test_withdraw_before_the_decision_only() -> None:
    assert withdraw(submitted()).status is Status.WITHDRAWN
    assert withdraw(registered()).status is Status.WITHDRAWN
    partly = grant(registered(), "fire", Decimal(100), None, DAY, CAL)
    with forbidden(Reason.ALREADY_DECIDED):
        withdraw(partly)


def test_acting_on_a_withdrawn_application_is_forbidden() -> None:
    gone = withdraw(registered())
    with forbidden(Reason.WITHDRAWN):
        register(gone, DAY, DAY, CAL)
    with forbidden(Reason.WITHDRAWN):
        request_documents(gone, CAL)
    with forbidden(Reason.WITHDRAWN):
        grant(gone, "fire", Decimal(1), None, DAY, CAL)
    with forbidden(Reason.WITHDRAWN):
        refuse(gone, "fire", RefusalGround.FALSE_INFORMATION, None, DAY, CAL)
    with forbidden(Reason.WITHDRAWN):
        terminate(gone, "wwii_monthly", TerminationGround.DEATH, DAY, DAY)
    with forbidden(Reason.WITHDRAWN):
        withdraw(gone)
