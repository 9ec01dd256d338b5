"""Staff decisions stored: the change, the audit entry and the notice in one transaction; the
notice in the citizen's language; forbidden moves change nothing; of two staff one wins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import create_i18n
from bot.procedure import Reason, RefusalGround, TerminationGround
from bot.rules import Calendar, load_ruleset
from bot.services.decisions import Actor, Decisions
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.db import create_session_factory
from storage.models import Application, OutboxMessage

DAY = date(2015, 6, 1)  # Monday
ALMA = Actor(501)
BOLAT = Actor(502)
FIRE = {"benefit_id": "p9.11", "cite": "9.11", "amount_mci": Decimal(300), "up_to": True,
        "period": "once"}
CARE = {"benefit_id": "p9.10", "cite": "9.10", "amount_mci": Decimal(1), "up_to": True,
        "period": "monthly"}


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


def decisions(session: AsyncSession, day: date = DAY) -> Decisions:
    return Decisions(session, i18n=create_i18n("kk"), ruleset=load_ruleset(),
                     calendar=Calendar(), clock=Clock.fixed(day))


async def submitted(session: AsyncSession, language: str = "ru",
                    benefits: tuple[dict[str, object], ...] = (FIRE, CARE)) -> Application:
    repo = ApplicationRepo(session)
    app = await repo.create_draft(user_id=700, chat_id=700, language=language, on_date=DAY,
                                  screening={})
    await repo.set_benefits(app.id, benefits)
    await repo.submit(app, datetime(2015, 5, 29, 5, tzinfo=UTC), 2015)
    await session.commit()
    return app


async def outbox(session: AsyncSession) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_register_stores_the_deadline_audits_and_notifies_in_kazakh(
    session: AsyncSession,
) -> None:
    app = await submitted(session, language="kk")
    done = await decisions(session).register(app.id, app.version, ALMA, DAY)
    await session.commit()
    assert done.ok and done.app is not None
    assert (done.app.status, done.app.registered_on, done.app.decision_by) == (
        "registered", DAY, date(2015, 6, 11))
    (entry,) = [e for e in await AuditRepo(session).history(app.id) if e.action == "registered"]
    assert (entry.actor_id, entry.actor_kind, entry.before, entry.after) == (
        501, "staff", "submitted", "registered")
    (notice,) = await outbox(session)
    assert (notice.chat_id, notice.kind, notice.status) == (700, "registered", "pending")
    assert app.reference is not None and app.reference in notice.text
    assert "11 маусым 2015" in notice.text  # the deadline, in Kazakh
    assert "22-тармағы" in notice.text and "алмастырмайды" in notice.text  # adds to p. 22


async def test_the_decision_notice_in_russian_with_amounts_grounds_and_what_next(
    session: AsyncSession,
) -> None:
    app = await submitted(session, language="ru")
    service = decisions(session)
    await service.register(app.id, app.version, ALMA, DAY)
    await service.grant(app.id, app.version, ALMA, "p9.11", Decimal(150), None)
    assert len(await outbox(session)) == 1  # one benefit of two: the notice waits
    done = await service.refuse(app.id, app.version, BOLAT, "p9.10",
                                RefusalGround.INCOME_ABOVE_THRESHOLD, None)
    await session.commit()
    assert done.ok and done.app is not None
    assert done.app.status == "decided"
    assert done.app.notice_by == date(2015, 6, 4)
    notice = (await outbox(session))[-1]
    assert notice.kind == "decided"
    text = notice.text.replace("\xa0", " ").replace("\u202f", " ")  # Babel's group spaces
    assert "150 МРП" in text and "297 300 ₸" in text and "п. 9.11" in text  # 150 × 1 982
    assert "среднедушевой доход" in text and "п. 24.3" in text
    assert "пересмотреть" in text and "обжаловать" in text
    assert "не заменяет" in text


async def test_granting_a_monthly_payment_with_months_then_terminating_it(
    session: AsyncSession,
) -> None:
    app = await submitted(session, language="kk", benefits=(CARE,))
    service = decisions(session)
    await service.register(app.id, app.version, ALMA, DAY)
    await service.grant(app.id, app.version, ALMA, "p9.10", Decimal(1), 6)
    later = decisions(session, date(2015, 9, 10))
    done = await later.terminate(app.id, app.version, ALMA, "p9.10",
                                 TerminationGround.DEATH, date(2015, 8, 20))
    await session.commit()
    assert done.ok
    (benefit,) = await ApplicationRepo(session).benefits(app.id)
    assert (benefit.status, benefit.granted_months, benefit.terminated_from) == (
        "terminated", 6, date(2015, 8, 1))
    decided, terminated = (await outbox(session))[1:]
    assert "айына" in decided.text and "6 ай" in decided.text
    assert terminated.kind == "terminated" and "26.1" in terminated.text


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(Decimal(301), Reason.ABOVE_CEILING), (Decimal(0), Reason.AMOUNT_NOT_POSITIVE)],
)
async def test_a_forbidden_move_changes_nothing(
    session: AsyncSession, amount: Decimal, reason: Reason,
) -> None:
    app = await submitted(session)
    service = decisions(session)
    await service.register(app.id, app.version, ALMA, DAY)
    version = app.version
    done = await service.grant(app.id, version, ALMA, "p9.11", amount, None)
    await session.commit()
    assert (done.ok, done.reason) == (False, reason)
    assert app.version == version
    assert [b.status for b in await ApplicationRepo(session).benefits(app.id)] == [
        "requested", "requested"]
    assert [n.kind for n in await outbox(session)] == ["registered"]


async def test_deciding_before_registration_is_refused(session: AsyncSession) -> None:
    app = await submitted(session)
    done = await decisions(session).grant(app.id, app.version, ALMA, "p9.11", Decimal(10), None)
    assert (done.ok, done.reason) == (False, Reason.NOT_REGISTERED)
    assert await outbox(session) == []


async def test_two_staff_at_once_one_wins_the_other_learns_who(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as setup:
        app = await submitted(setup)
        app_id, seen = app.id, app.version
    async with sessions() as first, sessions() as second:
        mine = decisions(first)
        theirs = decisions(second)
        # Both loaded the card at version ``seen``; Alma presses first.
        assert (await mine.register(app_id, seen, ALMA, DAY)).ok
        await first.commit()
        late = await theirs.register(app_id, seen, BOLAT, DAY)
        await second.commit()
    assert (late.ok, late.reason, late.by_id) == (False, Reason.STALE, 501)
    async with sessions() as check:
        assert [n.kind for n in await outbox(check)] == ["registered"]
        assert [e.actor_id for e in await AuditRepo(check).history(app_id)
                if e.action == "registered"] == [501]


async def test_the_race_inside_the_database_is_caught_by_the_version(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Both passed the version check in memory; the UPDATE … WHERE version decides."""
    async with sessions() as setup:
        app = await submitted(setup)
        app_id, seen = app.id, app.version
    async with sessions() as first, sessions() as second:
        theirs = decisions(second)
        stale = await ApplicationRepo(second).get(app_id)  # loaded before the first commit
        assert stale is not None
        assert (await decisions(first).register(app_id, seen, ALMA, DAY)).ok
        await first.commit()
        late = await theirs.register(app_id, seen, BOLAT, date(2015, 5, 29))
        await second.commit()
    assert (late.ok, late.reason, late.by_id) == (False, Reason.STALE, 501)
    async with sessions() as check:
        stored = await ApplicationRepo(check).get(app_id)
        assert stored is not None and stored.registered_on == DAY


async def test_withdrawn_then_nothing_more(session: AsyncSession) -> None:
    app = await submitted(session, language="kk")
    service = decisions(session)
    assert (await service.withdraw(app.id, app.version, ALMA)).ok
    done = await service.register(app.id, app.version, BOLAT, DAY)
    await session.commit()
    assert (done.ok, done.reason, done.by_id) == (False, Reason.WITHDRAWN, 501)
    assert app.withdrawn_at is not None
    assert [n.kind for n in await outbox(session)] == ["withdrawn"]


async def test_citizen_withdrawing_gets_no_outbox_notice(session: AsyncSession) -> None:
    app = await submitted(session)
    assert (await decisions(session).withdraw(app.id, app.version, Actor(700, "citizen"))).ok
    assert await outbox(session) == []
