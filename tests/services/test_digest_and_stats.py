"""The morning digest (working mornings only, once a day) and the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import create_i18n
from bot.procedure import RefusalGround
from bot.rules import Calendar, load_ruleset
from bot.services.decisions import Actor, Decisions
from bot.services.digest import enqueue_digest
from bot.services.stats import gather_stats, stats_text
from storage.applications import ApplicationRepo
from storage.db import create_session_factory
from storage.models import OutboxMessage
from storage.outbox import OutboxRepo

ALMATY = ZoneInfo("Asia/Almaty")
STAFF_CHAT = -100500
FIRE = {"benefit_id": "p9.11", "cite": "9.11", "amount_mci": Decimal(300), "up_to": True,
        "period": "once"}
I18N = create_i18n("kk")


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


def at(day: date, hour: int, minute: int = 0) -> Clock:
    moment = datetime.combine(day, time(hour, minute), ALMATY)
    return Clock(ALMATY, wall=lambda: moment)


async def registered(sessions: async_sessionmaker[AsyncSession], on: date,
                     user: int = 700) -> int:
    async with sessions() as session:
        repo = ApplicationRepo(session)
        app = await repo.create_draft(user_id=user, chat_id=user, language="ru", on_date=on,
                                      screening={})
        await repo.set_benefits(app.id, [FIRE])
        await repo.submit(app, datetime.combine(on, time(3), UTC), on.year)
        service = Decisions(session, i18n=I18N, ruleset=load_ruleset(), calendar=Calendar(),
                            clock=Clock.fixed(on))
        assert (await service.register(app.id, app.version, Actor(501), on)).ok
        await session.commit()
        return app.id


async def digests(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
        return list(rows)


async def digest(sessions: async_sessionmaker[AsyncSession], settings: Settings,
                 clock: Clock) -> bool:
    async with sessions() as session:
        written = await enqueue_digest(session, clock=clock, calendar=Calendar(),
                                       settings=settings, i18n=I18N)
        await session.commit()
        return written


async def test_digest_on_a_working_morning_lists_due_overdue_and_undelivered(
    sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    settings = settings.model_copy(update={"staff_chat_id": STAFF_CHAT, "staff_locale": "ru"})
    overdue = await registered(sessions, date(2015, 5, 20))  # due 1 June
    due = await registered(sessions, date(2015, 5, 29), user=701)  # due 10 June
    async with sessions() as session:  # the citizen of ``due`` blocked the bot
        (notice,) = [n for n in await OutboxRepo(session).for_application(due)]
        await OutboxRepo(session).claim("s", datetime.now(UTC), timedelta(seconds=60), 10)
        await OutboxRepo(session).mark_undeliverable(notice.id, "s", "blocked")
        await session.commit()
    morning = date(2015, 6, 10)  # Wednesday
    assert not await digest(sessions, settings, at(morning, 8, 59))  # not before 09:00
    assert await digest(sessions, settings, at(morning, 9, 0))
    assert not await digest(sessions, settings, at(morning, 9, 1))  # once a day
    (row,) = await digests(sessions)
    assert row.chat_id == STAFF_CHAT
    text = row.text
    assert "Срок решения сегодня (1)" in text and "SZ-2015-000002" in text
    assert "Просрочено (1)" in text and "SZ-2015-000001" in text and "1 июня 2015" in text
    assert "Не доставленные уведомления (1)" in text
    assert overdue != due


@pytest.mark.parametrize(
    "day",
    [date(2015, 7, 6),  # Monday, Capital Day: a holiday
     date(2015, 6, 6),  # Saturday
     date(2015, 3, 24)],  # Nauryz, moved from the weekend
)
async def test_no_digest_on_a_day_off(
    day: date, sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    settings = settings.model_copy(update={"staff_chat_id": STAFF_CHAT})
    await registered(sessions, date(2015, 5, 20))
    assert not await digest(sessions, settings, at(day, 9, 30))
    assert await digests(sessions) == []


async def test_digest_on_a_transferred_working_saturday(
    sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    settings = settings.model_copy(update={"staff_chat_id": STAFF_CHAT})
    assert await digest(sessions, settings, at(date(2016, 3, 5), 9, 0))
    (row,) = await digests(sessions)
    assert "5 наурыз 2016" in row.text


async def test_stats_without_personal_data(sessions: async_sessionmaker[AsyncSession]) -> None:
    first = await registered(sessions, date(2015, 6, 1))
    second = await registered(sessions, date(2015, 6, 1), user=701)
    await registered(sessions, date(2015, 6, 2), user=702)  # still open
    async with sessions() as session:
        fast = Decisions(session, i18n=I18N, ruleset=load_ruleset(), calendar=Calendar(),
                         clock=Clock.fixed(date(2015, 6, 3)))
        app = await ApplicationRepo(session).get(first)
        assert app is not None
        await fast.grant(first, app.version, Actor(501), "p9.11", Decimal(100), None)
        late = Decisions(session, i18n=I18N, ruleset=load_ruleset(), calendar=Calendar(),
                         clock=Clock.fixed(date(2015, 6, 15)))
        app = await ApplicationRepo(session).get(second)
        assert app is not None
        await late.refuse(second, app.version, Actor(502), "p9.11",
                          RefusalGround.FALSE_INFORMATION, None)
        await session.commit()
        # The first decision notice was delivered the next day; the second never.
        repo = OutboxRepo(session)
        claimed = await repo.claim("s", datetime.now(UTC), timedelta(seconds=60), 100)
        decided = {n.application_id: n for n in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "decided"))}
        await repo.mark_sent(decided[first].id, "s", 1, datetime.now(UTC), date(2015, 6, 4))
        await repo.mark_undeliverable(decided[second].id, "s", "blocked")
        await session.commit()
        assert claimed
        stats = await gather_stats(session, date(2015, 6, 1), date(2015, 6, 30), Calendar(),
                                   ALMATY)
    assert dict(stats.by_status) == {"decided": 2, "registered": 1}
    assert dict(stats.by_benefit["9.11"]) == {"granted": 1, "refused": 1, "requested": 1}
    assert stats.working_days == (2, 10)  # 1 → 3 June; 1 → 15 June
    assert stats.median_days == 6
    assert (stats.decided, stats.decided_in_time) == (2, 1)  # due 11 June
    assert (stats.notices, stats.notices_in_time, stats.not_delivered) == (2, 1, 1)
    with I18N.context(), I18N.use_locale("ru"):
        text = stats_text(stats)
    assert "Медиана рабочих дней от регистрации до решения: 6" in text
    assert "SZ-" not in text
