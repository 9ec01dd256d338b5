"""Never silence: unexpected input gets a hint and the current step; a failure an apology.

Failures are logged with the exception's type only: what the user typed (an IIN, a phone
number) must not reach the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncEngine

import handlers.common
import handlers.menu
import handlers.start
from bot.app import create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat, Reply
from tests.conftest import IN_FORCE

ChatFactory = Callable[..., LocalChat]

MENU_HEADING = {"kk": "<b>Басты мәзір</b>", "ru": "<b>Главное меню</b>"}
NOT_UNDERSTOOD = "Sorry, I did not understand that. Please use the buttons below."
TEXT_ONLY = "I can read only text and buttons. Please use the buttons below."
STALE = "That button is from an earlier message. Here is where you are now."
APOLOGY = "Sorry, something went wrong on our side. Your answers are kept; let us go on from here."
FAKE_IIN = "900101300123"


class Quiz(StatesGroup):
    """A stand-in conversation with a step renderer, as the real conversations register."""

    question = State()


def tr(dp: Dispatcher, msgid: str, locale: str) -> str:
    return dp["i18n"].gettext(msgid, locale=locale)


def assert_menu(reply: Reply, locale: str) -> None:
    assert MENU_HEADING[locale] in reply.text
    assert len(reply.flat_buttons) == 7


async def started(make_chat: ChatFactory, locale: str) -> LocalChat:
    chat = make_chat(language_code=locale)
    await chat.send("/start")
    return chat


# -- unexpected input ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_sticker_gets_a_hint_and_the_menu(
    make_chat: ChatFactory, dp: Dispatcher, locale: str
) -> None:
    chat = await started(make_chat, locale)

    replies = await chat.send_sticker()

    assert [r.kind for r in replies] == ["send", "send"]
    assert replies[0].text == tr(dp, TEXT_ONLY, locale)
    assert replies[0].text != TEXT_ONLY  # really translated
    assert_menu(replies[1], locale)


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_document_gets_a_hint_and_the_menu(
    make_chat: ChatFactory, dp: Dispatcher, locale: str
) -> None:
    chat = await started(make_chat, locale)

    replies = await chat.send_document("voice.ogg")

    assert replies[0].text == tr(dp, TEXT_ONLY, locale)
    assert_menu(replies[-1], locale)


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_stray_text_gets_a_hint_and_the_menu(
    make_chat: ChatFactory, dp: Dispatcher, locale: str
) -> None:
    chat = await started(make_chat, locale)

    replies = await chat.send("hello?")

    assert replies[0].text == tr(dp, NOT_UNDERSTOOD, locale)
    assert replies[0].text != NOT_UNDERSTOOD
    assert_menu(replies[-1], locale)


async def test_text_before_any_start_still_gets_an_answer(
    make_chat: ChatFactory, dp: Dispatcher
) -> None:
    chat = make_chat(language_code="ru")

    replies = await chat.send("Здравствуйте")

    assert replies[0].text == tr(dp, NOT_UNDERSTOOD, "ru")
    assert_menu(replies[-1], "ru")


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_stale_button_gets_a_notice_and_the_menu(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot, locale: str
) -> None:
    chat = await started(make_chat, locale)
    mark = len(bot.session.requests)

    replies = await chat.click_stale("screening:v0:q7:yes")

    assert replies[0].kind == "alert"
    assert replies[0].text == tr(dp, STALE, locale)
    assert_menu(replies[-1], locale)
    answered = [r for r in bot.session.requests[mark:] if isinstance(r, AnswerCallbackQuery)]
    assert len(answered) == 1


async def test_stale_language_button_with_an_unknown_code_is_not_silent(
    make_chat: ChatFactory, dp: Dispatcher
) -> None:
    chat = await started(make_chat, "ru")

    replies = await chat.click_stale("lang:en")

    assert replies, "the user saw nothing"
    # The language question again, with the two languages that exist.
    assert [b.data for b in replies[-1].flat_buttons] == ["lang:kk", "lang:ru"]


async def test_unexpected_input_in_a_conversation_shows_that_step_again(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hint is followed by the step the user is on, not by the menu."""

    async def ask_question(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
        await message.answer("QUESTION 7")

    monkeypatch.setitem(handlers.common._renderers, Quiz.__full_group_name__, ask_question)
    chat = await started(make_chat, "kk")
    state = dp.fsm.get_context(bot=bot, chat_id=chat.chat.id, user_id=chat.user.id)
    await state.set_state(Quiz.question)
    await state.update_data(age=70)

    actions = (chat.send_sticker, lambda: chat.send("what?"), lambda: chat.click_stale("old:1"))
    for action in actions:
        replies = await action()
        assert replies[0].text in {
            tr(dp, TEXT_ONLY, "kk"),
            tr(dp, NOT_UNDERSTOOD, "kk"),
            tr(dp, STALE, "kk"),
        }
        assert replies[-1].text == "QUESTION 7"

    # Nothing of the conversation was lost.
    assert await state.get_state() == Quiz.question.state
    assert await state.get_data() == {"age": 70}


# -- failures inside a handler ------------------------------------------------------------------


def _raise_with_user_data(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(f"could not parse IIN {FAKE_IIN}")


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_failing_button_handler_apologises_and_shows_the_menu(
    make_chat: ChatFactory,
    dp: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    locale: str,
) -> None:
    chat = await started(make_chat, locale)
    monkeypatch.setattr(handlers.menu, "about_text", _raise_with_user_data)

    with caplog.at_level(logging.DEBUG):
        replies = await chat.click(tr(dp, "ℹ️ About this bot", locale))

    texts = [r.text for r in replies if r.kind == "send"]
    assert texts[0] == tr(dp, APOLOGY, locale)
    assert texts[0] != APOLOGY
    assert_menu(replies[-1], locale)

    # Ours: a library's own complaint (a pool's, say) must not pass for the failure's record.
    errors = [r for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.split(".")[0] in {"bot", "handlers"}]
    assert errors, "the failure was not logged"
    assert "RuntimeError" in errors[0].getMessage()
    assert FAKE_IIN not in caplog.text
    assert all(r.exc_info is None for r in caplog.records), "a traceback may quote user data"


async def test_failing_message_handler_apologises_and_keeps_the_conversation(
    settings: Settings,
    engine: AsyncEngine,
    bot: Bot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken_help(message: Message, **data: Any) -> None:
        raise ValueError(f"unexpected {message.text}")

    # Handlers are bound when the routers are built: patch before building the dispatcher.
    monkeypatch.setattr(handlers.start, "help_", broken_help)
    dp = create_dispatcher(settings, engine=engine, clock=Clock.fixed(IN_FORCE))
    chat = LocalChat(dp, bot, language_code="ru")
    await chat.send("/start")
    state = dp.fsm.get_context(bot=bot, chat_id=chat.chat.id, user_id=chat.user.id)
    await state.update_data(iin=FAKE_IIN)

    with caplog.at_level(logging.DEBUG):
        replies = await chat.send(f"/help {FAKE_IIN}")

    assert replies[0].text == tr(dp, APOLOGY, "ru")
    assert_menu(replies[-1], "ru")
    assert "ValueError" in caplog.text
    assert FAKE_IIN not in caplog.text
    assert await state.get_data() == {"iin": FAKE_IIN}  # "your answers are kept"
    # Every failure must give its connection back, or the pool drains one failure at a time.
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    # The bot keeps working for this user afterwards.
    replies = await chat.send("/menu")
    assert_menu(replies[-1], "ru")


async def test_failing_button_handler_still_answers_the_press(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await started(make_chat, "ru")
    monkeypatch.setattr(handlers.menu, "about_text", _raise_with_user_data)
    mark = len(bot.session.requests)

    await chat.click(tr(dp, "ℹ️ About this bot", "ru"))

    assert any(isinstance(r, AnswerCallbackQuery) for r in bot.session.requests[mark:])


async def test_stray_text_before_choosing_a_language_asks_the_language_again(
    make_chat: ChatFactory,
) -> None:
    chat = make_chat(language_code=None)
    await chat.send("/start")

    replies = await chat.send("привет")

    assert [b.data for b in replies[-1].flat_buttons] == ["lang:kk", "lang:ru"]


async def test_a_database_failure_before_the_handler_is_logged_without_the_answers(
    make_chat: ChatFactory, dp: Dispatcher, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    from storage.fsm import SQLStorage

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT ...", {"data": f"income 90000, IIN {FAKE_IIN}"}, None)

    chat = make_chat(language_code="ru")
    monkeypatch.setattr(SQLStorage, "get_record", broken)
    monkeypatch.setattr(SQLStorage, "get_record_and_seen", broken)
    with caplog.at_level(logging.DEBUG):
        await chat.send("/start")  # must not raise out of the dispatcher

    assert "OperationalError" in caplog.text
    assert FAKE_IIN not in caplog.text and "90000" not in caplog.text


# -- failures before the handler: the database session and the user's record ------------------


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_a_schema_behind_gets_the_apology_in_the_users_language(
    tmp_path: Path, bot: Bot, caplog: pytest.LogCaptureFixture, locale: str
) -> None:
    """A brand-new, unmigrated database: the user's record cannot be read (no such table)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}"
    settings = Settings(_env_file=None, database_url=url, default_locale="kk")
    dp = create_dispatcher(settings)
    other = "ru" if locale == "kk" else "kk"
    try:
        with caplog.at_level(logging.ERROR):
            replies = await LocalChat(dp, bot, language_code=locale).send("/start")
    finally:
        await dp.emit_shutdown()

    assert replies, "silence"
    assert replies[0].text == tr(dp, APOLOGY, locale)
    assert replies[0].text != tr(dp, APOLOGY, other)
    assert "OperationalError" in caplog.text


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_a_failure_in_the_user_middleware_gets_the_apology(
    make_chat: ChatFactory, dp: Dispatcher, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    from sqlalchemy.exc import OperationalError

    from storage.repositories import UserRepo

    # A user this process has not seen today: their record is read (and touched) first.
    chat = make_chat(language_code=locale, user_id=4711)

    async def database_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT ...", {}, ConnectionRefusedError())

    monkeypatch.setattr(UserRepo, "get_language", database_down)
    replies = await chat.send("/menu")

    assert replies[0].text == tr(dp, APOLOGY, locale)
    assert replies[0].text != APOLOGY


async def test_a_failure_in_the_session_middleware_gets_the_apology(
    make_chat: ChatFactory, dp: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.unit import UnitMiddleware

    chat = await started(make_chat, "kk")

    def no_session() -> Any:
        raise OSError("connection pool exhausted")

    for middleware in dp.update.outer_middleware:
        if isinstance(middleware, UnitMiddleware):
            monkeypatch.setattr(middleware, "session_factory", no_session)
    replies = await chat.send("/menu")

    assert replies[0].text == tr(dp, APOLOGY, "kk")
