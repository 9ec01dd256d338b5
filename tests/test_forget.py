"""/forget: a citizen erases everything the bot keeps about them, after confirming; and what is
erased cannot be read back from the database files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_dispatcher
from bot.clock import Clock
from bot.commands import commands_for
from bot.config import Settings
from bot.console.chat import LocalChat
from handlers.keyboards import CHOOSE_LANGUAGE
from storage.db import create_session_factory
from storage.models import User
from storage.repositories import ScreeningRepo
from tests.test_screening import Persona, family_of_four_after_fire

DAY = date(2015, 4, 20)
USER = 100
OTHER = 200
INCOME = "987654"  # what the family types as its income: easy to find in the file's bytes
CONFIRM = (
    "<b>Erase everything about you?</b>\n"
    "The bot will forget your answers to the check in progress, your last check and your choice "
    "of language. This cannot be undone.\n"
    "Applications you have already submitted stay with the district department: they are its "
    "records."
)
ERASED = "Everything the bot kept about you is erased. To start again, send /start."


@pytest.fixture
def dp(settings: Settings, engine: AsyncEngine) -> Dispatcher:
    return create_dispatcher(settings, engine=engine, today=lambda: DAY)


def persona(dp: Dispatcher, bot: Bot, lang: str, user_id: int = USER) -> Persona:
    return Persona(LocalChat(dp, bot, user_id=user_id, language_code=lang), dp["i18n"], lang)


async def a_finished_check_and_one_in_progress(p: Persona) -> None:
    await family_of_four_after_fire(p, "10.04.2015", income=INCOME)
    await p.press("➖ None of these")  # p. 9.11 not received in the past year
    await p.press("✅ Show the result")
    # A second check, left unfinished.
    await p.start_check()
    await p.press("🔄 Start a new check")
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")


async def kept(engine: AsyncEngine, dp: Dispatcher, bot: Bot, user_id: int) -> dict[str, object]:
    state = dp.fsm.get_context(bot=bot, chat_id=user_id, user_id=user_id)
    async with create_session_factory(engine)() as session:
        row = await session.get(User, user_id)
        return {
            "state": await state.get_state(),
            "data": await state.get_data(),
            "last check": await ScreeningRepo(session).last(user_id),
            "user row": None if row is None else {"language": row.language},
        }


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_forget_asks_first_and_no_keeps_everything(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, lang: str
) -> None:
    p = persona(dp, bot, lang)
    await a_finished_check_and_one_in_progress(p)
    before = await kept(engine, dp, bot, USER)

    asked = await p.type("/forget")

    assert asked == p.t(CONFIRM) != CONFIRM
    assert len(p.chat.screen.flat_buttons) == 2  # type: ignore[union-attr]
    answer = await p.press("↩️ No, keep it")
    assert p.t("Nothing was erased.") in answer
    assert p.t("Step {k} of {n}").split("{")[0] in answer  # back at the step where they were
    after = await kept(engine, dp, bot, USER)
    assert after["data"]["screening"]["answers"] == before["data"]["screening"]["answers"]  # type: ignore[index]
    assert {**after, "data": None} == {**before, "data": None}


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_forget_erases_the_checks_the_conversation_and_the_user(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, lang: str
) -> None:
    p = persona(dp, bot, lang)
    other = persona(dp, bot, "ru", user_id=OTHER)
    await a_finished_check_and_one_in_progress(p)
    await a_finished_check_and_one_in_progress(other)
    others_before = await kept(engine, dp, bot, OTHER)
    assert (await kept(engine, dp, bot, USER))["last check"] is not None

    await p.type("/forget")
    erased = await p.press("🗑 Yes, erase everything")

    assert erased == p.t(ERASED) != ERASED
    assert p.chat.history[-1].buttons == []  # the confirmation loses its buttons
    assert await kept(engine, dp, bot, USER) == {
        "state": None, "data": {}, "last check": None, "user row": None,
    }
    assert await kept(engine, dp, bot, OTHER) == others_before
    # The language was forgotten too: a user Telegram gives no usable language is asked again.
    after = LocalChat(dp, bot, user_id=USER, language_code=None)
    assert (await after.send("/start"))[-1].text == CHOOSE_LANGUAGE


async def test_forget_confirmed_on_the_next_day_does_not_bring_the_user_back(
    settings: Settings, engine: AsyncEngine, bot: Bot
) -> None:
    """The confirmation is the user's first update of a new day, when the bot records the
    visit: that record must not re-create the user row the confirmation erased."""
    zone = ZoneInfo("Asia/Almaty")
    moment = [datetime.combine(DAY, time(9, 0), zone)]
    dp = create_dispatcher(settings, engine=engine, clock=Clock(zone, wall=lambda: moment[0]))
    p = persona(dp, bot, "ru")
    await a_finished_check_and_one_in_progress(p)
    await p.type("/forget")

    moment[0] += timedelta(days=1)
    erased = await p.press("🗑 Yes, erase everything")

    assert erased == p.t(ERASED)
    assert await kept(engine, dp, bot, USER) == {
        "state": None, "data": {}, "last check": None, "user row": None,
    }


def in_database_files(database_url: str, text: str) -> bool:
    """Anywhere in the bytes of the SQLite file or its write-ahead log."""
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    files = (path, path.with_name(path.name + "-wal"))
    return any(text.encode() in file.read_bytes() for file in files if file.exists())


async def forget(p: Persona) -> None:
    await p.type("/forget")
    await p.press("🗑 Yes, erase everything")


async def cancel(p: Persona) -> None:
    await p.type("/cancel")


@pytest.mark.parametrize("erase", [forget, cancel])
async def test_what_was_erased_is_not_in_the_database_files(
    dp: Dispatcher, bot: Bot, database_url: str, erase: Callable[[Persona], Awaitable[None]]
) -> None:
    p = persona(dp, bot, "ru")
    await a_finished_check_and_one_in_progress(p)
    assert in_database_files(database_url, INCOME), "the test would prove nothing"

    await erase(p)

    assert not in_database_files(database_url, INCOME)


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_forget_is_in_the_help_and_the_command_menu(
    dp: Dispatcher, bot: Bot, lang: str
) -> None:
    p = persona(dp, bot, lang)
    await p.type("/start")

    assert "/forget" in await p.type("/help")
    menu = {c.command: c.description for c in commands_for(dp["i18n"], lang)}
    assert menu["forget"] == p.t("Erase everything about me") != "Erase everything about me"
