"""A restart never loses a conversation: state, answers and language live in the database."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from storage.db import create_engine, create_session_factory
from storage.fsm import SQLStorage
from storage.repositories import UserRepo

USER_ID = 4242
MENU_HEADING = {"kk": "<b>Басты мәзір</b>", "ru": "<b>Главное меню</b>"}


class Somewhere(StatesGroup):
    """A conversation step; the screening conversation has its own restart test."""

    step = State()


class Process:
    """One run of the bot: its own engine, dispatcher and bot, as after a fresh start."""

    def __init__(self, settings: Settings) -> None:
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self.dp: Dispatcher = create_dispatcher(settings, engine=self.engine)
        self.bot: Bot = create_bot(settings, session=LocalSession())

    def chat(self, language_code: str | None) -> LocalChat:
        return LocalChat(self.dp, self.bot, user_id=USER_ID, language_code=language_code)

    def state(self) -> FSMContext:
        return self.dp.fsm.get_context(bot=self.bot, chat_id=USER_ID, user_id=USER_ID)

    async def stop(self) -> None:
        await self.dp.emit_shutdown()
        await self.bot.session.close()
        await self.engine.dispose()


async def test_state_data_and_language_survive_a_restart(settings: Settings) -> None:
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    first = Process(settings)
    assert isinstance(first.dp.storage.inner, SQLStorage)
    chat = first.chat(language_code=None)
    await chat.send("/start")
    await chat.click("Русский")
    state = first.state()
    await state.set_state(Somewhere.step)
    await state.update_data(age=70, children=[{"age": 5}], income="120 000 ₸")
    await first.stop()

    second = Process(settings)
    try:
        state = second.state()
        assert await state.get_state() == Somewhere.step.state
        assert await state.get_data() == {
            "age": 70,
            "children": [{"age": 5}],
            "income": "120 000 ₸",
        }
        async with create_session_factory(second.engine)() as session:
            assert await UserRepo(session).get_language(USER_ID) == "ru"

        # The user carries on: Russian although Telegram now says Kazakh, still in the step.
        chat = second.chat(language_code="kk")
        replies = await chat.send("/help")
        assert replies[0].text == second.dp["i18n"].gettext(
            "You can press the buttons or type a number where one is asked.\n"
            "/menu — main menu (your answers are kept)\n"
            "/cancel — stop and forget the answers of this check\n"
            "/forget — erase everything the bot keeps about you\n"
            "/language — Қазақша / Русский\n"
            "/help — this help",
            locale="ru",
        )
        assert await state.get_state() == Somewhere.step.state

        # /menu leaves the step; the answers stay for "continue" after another restart.
        replies = await chat.send("/menu")
        assert MENU_HEADING["ru"] in replies[-1].text
    finally:
        await second.stop()

    third = Process(settings)
    try:
        state = third.state()
        assert await state.get_state() is None
        assert (await state.get_data())["age"] == 70
    finally:
        await third.stop()


async def test_the_database_is_a_file_that_outlives_the_process(
    settings: Settings, tmp_path: Path
) -> None:
    first = Process(settings)
    await first.chat(language_code="kk").send("/start")
    await first.stop()

    database = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    assert database.is_file() and database.parent == tmp_path

    second = Process(settings)
    try:
        replies = await second.chat(language_code="ru").send("/start")
        assert MENU_HEADING["kk"] in replies[-1].text  # the language saved by the first run
    finally:
        await second.stop()
