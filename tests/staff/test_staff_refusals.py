"""Forged or huge numbers from staff (item 10): a period past the calendar gets a message saying
which dates are accepted; a button whose id, version or value is not one our buttons carry is
an old button ("That button is no longer valid."), never the apology or a change."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.db import create_session_factory
from tests.conftest import ChatFactory
from tests.staff.conftest import STAFF, Submit
from tests.test_pipeline import SORRY

ACCEPTED = "Only dates from {first} to {last} are accepted."
NO_LONGER_VALID = "That button is no longer valid."
HUGE = "99999999999999999999999"


def t(dp: Dispatcher, msgid: str, locale: str = "ru") -> str:
    return dp["i18n"].gettext(msgid, locale=locale)


def requests_since(bot: Bot, mark: int) -> list[Any]:
    assert isinstance(bot.session, LocalSession)
    return bot.session.requests[mark:]


def said(chat: LocalChat) -> str:
    return "\n".join(r.text for r in chat.history)


@pytest.mark.parametrize("command", [
    "/export 01.01.0001 31.12.9999",
    "/export 01.06.2015 31.12.9999",
    "/stats 01.01.0001 31.12.9999",
    "/stats 01.06.2015 31.12.9999",
    "/stats 01.01.1999 30.06.2015",
])
@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_a_period_past_the_calendar_says_which_dates_are_accepted(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot, submit: Submit, command: str,
    locale: str,
) -> None:
    await submit()
    staff = make_chat(user_id=STAFF, language_code=locale)
    assert isinstance(bot.session, LocalSession)
    mark = len(bot.session.requests)
    replies = await staff.send(command)
    assert t(dp, ACCEPTED, locale) != ACCEPTED  # translated
    accepted = t(dp, ACCEPTED, locale).format(first="01.01.2000", last="31.12.2100")
    assert [r.text.startswith(accepted) for r in replies] == [True]
    assert command.split()[0] in replies[0].text  # and how to write the command
    assert not any(isinstance(m, SendDocument) for m in requests_since(bot, mark))
    assert t(dp, SORRY, locale) not in said(staff)


async def test_a_period_within_the_calendar_still_works(
    make_chat: ChatFactory, dp: Dispatcher, submit: Submit,
) -> None:
    await submit()
    staff = make_chat(user_id=STAFF, language_code="ru")
    await staff.send("/stats 31.12.2100 01.01.2000")  # either order, the widest period
    assert "Заявлений: 1" in staff.last_text
    await staff.send("/stats 01.06.2015 сегодня")
    assert "Заявлений: 1" in staff.last_text
    assert t(dp, SORRY) not in said(staff)


async def test_forged_staff_buttons_are_old_buttons_and_change_nothing(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine, submit: Submit,
) -> None:
    app_id, reference = await submit()
    staff = make_chat(user_id=STAFF, language_code="ru")
    await staff.send(f"/app {reference}")
    async with create_session_factory(engine)() as session:
        app = await ApplicationRepo(session).get(app_id)
        assert app is not None
        v = app.version
        before = len(await AuditRepo(session).history(app_id))
    for data in (
        f"dc:open:{HUGE}:0:-1:",
        f"dc:open:-{HUGE}:0:-1:",
        "dc:open:2147483648:0:-1:",  # past PostgreSQL's integer
        f"dc:open:{app_id}:{HUGE}:-1:",
        f"dc:reg:{app_id}:{v}:{HUGE}:",
        f"dc:regd:{app_id}:{v}:-1:notadate",
        f"dc:regd:{app_id}:{v}:-1:00010101",
        f"dc:regd:{app_id}:{v}:-1:99991231",
        f"dc:regd:{app_id}:{v}:-1:20150231",
        f"dc:gmon:{app_id}:{v}:0:abc",
        f"dc:gmon:{app_id}:{v}:0:{HUGE}",
        f"dc:refg:{app_id}:{v}:0:nonsense",
        f"dc:refn:{app_id}:{v}:0:nonsense",
        f"dc:termg:{app_id}:{v}:0:nonsense",
        f"st:card:{HUGE}",
        f"st:pdf:-{HUGE}",
    ):
        replies = await staff.click_data(data)
        assert [r.text for r in replies] == [t(dp, NO_LONGER_VALID)], data
    assert t(dp, SORRY) not in said(staff)
    async with create_session_factory(engine)() as session:
        app = await ApplicationRepo(session).get(app_id)
        assert app is not None and (app.status, app.version) == ("submitted", v)
        assert len(await AuditRepo(session).history(app_id)) == before
