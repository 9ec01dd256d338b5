"""Staff decide through the real dispatcher: the panel's buttons, typed amounts and notes, two
staff at once, forbidden presses, /overdue and /stats; the citizen's notice lands in the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from bot.console.terminal import deliver_outbox, handle_line
from bot.services.outbox_sender import OutboxSender
from bot.services.throttle import Throttle
from handlers.staff.decision_keyboards import OPEN, DecisionCB
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.db import create_session_factory
from storage.models import OutboxMessage
from storage.outbox import OutboxRepo

DAY = date(2015, 6, 1)  # Monday
ALMA, BOLAT, CITIZEN = 501, 502, 700
FIRE = {"benefit_id": "p9.11", "cite": "9.11", "amount_mci": Decimal(300), "up_to": True,
        "period": "once"}
CARE = {"benefit_id": "p9.10", "cite": "9.10", "amount_mci": Decimal(1), "up_to": True,
        "period": "monthly"}
AWARD = {"benefit_id": "p9.4", "cite": "9.4", "amount_mci": Decimal(72), "up_to": False,
         "period": "once"}


@pytest.fixture
def staff_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_ids": [ALMA, BOLAT]})


@pytest.fixture
async def staff_dp(staff_settings: Settings, engine: AsyncEngine) -> AsyncIterator[Dispatcher]:
    dispatcher = create_dispatcher(staff_settings, engine=engine, clock=Clock.fixed(DAY))
    yield dispatcher
    await dispatcher.storage.close()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def local_bot(staff_settings: Settings) -> Bot:
    return create_bot(staff_settings, session=LocalSession())


def staff(dp: Dispatcher, bot: Bot, user_id: int = ALMA) -> LocalChat:
    return LocalChat(dp, bot, user_id=user_id, first_name="Staff", language_code="ru")


async def submitted(sessions: async_sessionmaker[AsyncSession], *benefits: dict[str, object],
                    language: str = "kk") -> int:
    async with sessions() as session:
        repo = ApplicationRepo(session)
        app = await repo.create_draft(user_id=CITIZEN, chat_id=CITIZEN, language=language,
                                      on_date=DAY, screening={})
        await repo.set_benefits(app.id, benefits or (FIRE, CARE))
        await repo.submit(app, datetime(2015, 5, 29, 5, tzinfo=UTC), 2015)
        await session.commit()
        return app.id


async def open_panel(chat: LocalChat, app_id: int) -> str:
    await chat.send("/overdue")  # any message of the bot to press under
    replies = await chat.click_data(DecisionCB(action=OPEN, app=app_id).pack())
    return replies[-1].text


async def notices(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_register_grant_refuse_through_the_panel(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    chat = staff(staff_dp, local_bot)
    panel = await open_panel(chat, app_id)
    assert "SZ-2015-000001" in panel and "не заменяет" in panel

    await chat.click("Зарегистрировано сегодня")
    assert "11 июня 2015" in chat.last_text  # decision due (p. 21)

    await chat.click("Назначить п. 9.11")
    assert "300 МРП" in chat.last_text
    await chat.send("400")  # above the ceiling: explained, asked again
    assert "выше предельного" in chat.last_text
    await chat.send("сто")
    assert "не сумма" in chat.last_text
    await chat.send("150")
    assert "Назначено" in chat.last_text

    await chat.click("Отказать п. 9.10")
    await chat.click("п. 24.3")
    await chat.send("Доход семьи выше порога по справке")
    text = chat.last_text
    assert "Отказано" in text and "8 июня 2015" not in text
    assert "4 июня 2015" in text  # the applicant to be told by (p. 22)

    kinds = [n.kind for n in await notices(sessions)]
    assert kinds == ["registered", "decided"]
    decided = (await notices(sessions))[-1]
    assert decided.chat_id == CITIZEN
    assert "тағайындалды" in decided.text and "Доход семьи выше порога" in decided.text
    async with sessions() as session:
        actions = [e.action for e in await AuditRepo(session).history(app_id)]
    assert actions[-3:] == ["registered", "granted", "refused"]


async def test_fixed_amount_prefilled_and_monthly_months(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions, AWARD, CARE, language="ru")
    chat = staff(staff_dp, local_bot)
    await open_panel(chat, app_id)
    await chat.click("Зарегистрировано ранее")
    await chat.click("29.05.2015")
    assert "10 июня 2015" in chat.last_text
    await chat.click("Назначить п. 9.4")
    assert "72 МРП" in chat.last_text
    await chat.click("✅")
    await chat.click("Назначить п. 9.10")
    await chat.send("1")
    await chat.send("13")  # months out of range
    assert "от 1 до 12" in chat.last_text
    await chat.send("6")
    async with sessions() as session:
        rows = await ApplicationRepo(session).benefits(app_id)
    assert [(b.status, b.granted_mci, b.granted_months) for b in rows] == [
        ("granted", Decimal(72), None), ("granted", Decimal(1), 6)]
    decided = (await notices(sessions))[-1]
    assert "в месяц в течение 6 мес." in decided.text


async def test_two_staff_press_at_once_one_wins_the_other_is_told_who(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    alma, bolat = staff(staff_dp, local_bot, ALMA), staff(staff_dp, local_bot, BOLAT)
    await open_panel(alma, app_id)
    await open_panel(bolat, app_id)
    bolat_panel = bolat.screen
    await alma.click("Зарегистрировано сегодня")
    await bolat.click("Зарегистрировано сегодня", bolat_panel)
    assert "Кто-то изменил" in bolat.last_text and str(ALMA) in bolat.last_text
    assert [n.kind for n in await notices(sessions)] == ["registered"]


async def test_two_staff_pressing_in_the_same_moment_one_wins_no_apology(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Both updates in hand at once (each in its own unit of work): one move is stored and
    announced as done, the other is told someone was first; neither gets the apology."""
    app_id = await submitted(sessions)
    alma, bolat = staff(staff_dp, local_bot, ALMA), staff(staff_dp, local_bot, BOLAT)
    await open_panel(alma, app_id)
    await open_panel(bolat, app_id)
    await asyncio.gather(alma.click("Зарегистрировано сегодня"),
                         bolat.click("Зарегистрировано сегодня"))
    answers = sorted([alma.last_text, bolat.last_text], key=lambda text: "Кто-то" in text)
    assert answers[0].startswith("Зарегистрировано.") and "Кто-то изменил" in answers[1]
    assert [n.kind for n in await notices(sessions)] == ["registered"]


async def test_forbidden_press_is_explained_and_changes_nothing(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    chat = staff(staff_dp, local_bot)
    await open_panel(chat, app_id)
    async with sessions() as session:
        app = await ApplicationRepo(session).get(app_id)
        assert app is not None
        version = app.version
    # A grant button from an old message, before registration.
    await chat.click_data(DecisionCB(action="gok", app=app_id, v=version, b=0).pack())
    assert "Сначала зарегистрируйте" in chat.last_text
    assert await notices(sessions) == []


async def test_a_citizen_cannot_press_staff_buttons(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    citizen = LocalChat(staff_dp, local_bot, user_id=CITIZEN, language_code="ru")
    await citizen.send("/start")
    replies = await citizen.click_data(DecisionCB(action=OPEN, app=app_id).pack())
    assert all("SZ-2015" not in r.text for r in replies)


async def test_overdue_and_stats(
    staff_settings: Settings, engine: AsyncEngine, local_bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    first = create_dispatcher(staff_settings, engine=engine, clock=Clock.fixed(DAY))
    chat = staff(first, local_bot)
    await open_panel(chat, app_id)
    await chat.click("Зарегистрировано сегодня")
    await first.storage.close()
    # Three working days after the deadline of 11 June.
    later = create_dispatcher(staff_settings, engine=engine,
                              clock=Clock.fixed(DAY + timedelta(days=15)))
    chat = staff(later, local_bot)
    await chat.send("/overdue")
    assert "SZ-2015-000001" in chat.last_text and "11 июня 2015" in chat.last_text
    await chat.send("/stats 01.05.2015 30.06.2015")
    stats = chat.last_text
    assert "Заявлений: 1" in stats and "п. 9.11: 1 / 0 / 0 / 0" in stats
    assert "SZ-2015" not in stats  # no references, names or IINs
    await chat.send("/stats вчера")
    assert "/stats" in chat.last_text  # usage explained
    await later.storage.close()


async def test_the_terminal_chat_delivers_the_outbox_between_lines(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    """`make demo`: a staff member who is also the citizen sees the notice after the press."""
    app_id = await submitted(sessions, language="ru")
    chat = staff(staff_dp, local_bot)
    await open_panel(chat, app_id)
    sender = OutboxSender(local_bot, sessions, Clock.fixed(DAY),
                          throttle=Throttle(per_chat_interval=0))
    assert isinstance(local_bot.session, LocalSession)
    assert await deliver_outbox(sender, local_bot.session) == []
    await handle_line(chat, "1")  # the first button of the panel: registered today
    (notice,) = await deliver_outbox(sender, local_bot.session)
    assert "зарегистрировал" in notice


async def test_the_card_says_when_a_notice_was_not_delivered(
    staff_dp: Dispatcher, local_bot: Bot, sessions: async_sessionmaker[AsyncSession],
) -> None:
    app_id = await submitted(sessions)
    chat = staff(staff_dp, local_bot)
    await open_panel(chat, app_id)
    await chat.click("Зарегистрировано сегодня")
    await chat.send("/app SZ-2015-000001")
    assert "не доставлено" not in chat.last_text and "не заменяет" in chat.history[-2].text
    async with sessions() as session:  # the citizen blocked the bot
        repo = OutboxRepo(session)
        (row,) = await repo.claim("s", datetime.now(UTC), timedelta(seconds=60), 10)
        await repo.mark_undeliverable(row.id, "s", "blocked")
        await session.commit()
    await chat.send("/app SZ-2015-000001")
    card = "\n".join(r.text for r in chat.history[-3:])
    assert "не доставлено в Telegram — направьте письменное уведомление" in card
    panel = await open_panel(chat, app_id)
    assert "не доставлено — направьте письменное уведомление" not in panel  # no p. 22 date yet
    assert "не доставлено" in panel
