"""The first minutes of a user: /start, the choice of language, the menu and the commands.

Conversations run through the real dispatcher (LocalChat -> Dispatcher.feed_update) and the
expected words come from the catalogs, so a test fails when the user would see the wrong text.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SetMyCommands
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands import set_commands
from bot.console.chat import LocalChat, Reply
from storage.db import create_session_factory
from storage.repositories import UserRepo

ChatFactory = Callable[..., LocalChat]

# Words known from the .po files (the bold heading of each translated message).
MENU_HEADING = {"kk": "<b>Басты мәзір</b>", "ru": "<b>Главное меню</b>"}
ABOUT_HEADING = {"kk": "<b>Бот туралы</b>", "ru": "<b>О боте</b>"}
WHERE_HEADING = {"kk": "<b>Қайда жүгіну керек</b>", "ru": "<b>Куда обращаться</b>"}
REPEALED = {"kk": "күші", "ru": "утратило силу"}
LANGUAGE_QUESTION = "Тілді таңдаңыз · Выберите язык"
# The menu items whose screens are final; "check" and "documents" are being built.
STABLE_ITEMS = (
    "📝 Apply",
    "📂 My applications",
    "📍 Where to apply",
    "🌐 Language",
    "ℹ️ About this bot",
)


class Elsewhere(StatesGroup):
    """A conversation step no handler knows: commands must work from any state."""

    step = State()


def tr(dp: Dispatcher, msgid: str, locale: str) -> str:
    return dp["i18n"].gettext(msgid, locale=locale)


def assert_menu(dp: Dispatcher, reply: Reply, locale: str) -> None:
    other = "ru" if locale == "kk" else "kk"
    assert MENU_HEADING[locale] in reply.text
    assert MENU_HEADING[other] not in reply.text
    labels = [button.text for button in reply.flat_buttons]
    assert len(labels) == 7, labels
    for msgid in STABLE_ITEMS:
        assert tr(dp, msgid, locale) in labels, (msgid, labels)


def assert_language_question(reply: Reply) -> None:
    assert reply.text == LANGUAGE_QUESTION
    assert [b.text for b in reply.flat_buttons] == ["Қазақша", "Русский"]


async def saved_language(engine: AsyncEngine, user_id: int = 100) -> str | None:
    async with create_session_factory(engine)() as session:
        return await UserRepo(session).get_language(user_id)


def state_of(dp: Dispatcher, bot: Bot, user_id: int = 100) -> FSMContext:
    return dp.fsm.get_context(bot=bot, chat_id=user_id, user_id=user_id)


# -- the first /start -------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_first_start_in_a_known_language_shows_the_menu_at_once(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine, locale: str
) -> None:
    chat = make_chat(language_code=locale)

    replies = await chat.send("/start")

    assert len(replies) == 1
    assert replies[0].text.startswith(tr(dp, "Hello! 👋", locale))
    assert_menu(dp, replies[0], locale)
    assert await saved_language(engine) == locale


async def test_regional_language_code_counts_as_its_language(
    make_chat: ChatFactory, dp: Dispatcher
) -> None:
    chat = make_chat(language_code="ru-KZ")

    replies = await chat.send("/start")

    assert_menu(dp, replies[-1], "ru")


@pytest.mark.parametrize("language_code", ["en", None])
@pytest.mark.parametrize(("button", "locale"), [("Қазақша", "kk"), ("Русский", "ru")])
async def test_unknown_language_is_asked_and_the_answer_shows_the_menu(
    make_chat: ChatFactory,
    dp: Dispatcher,
    engine: AsyncEngine,
    language_code: str | None,
    button: str,
    locale: str,
) -> None:
    chat = make_chat(language_code=language_code)

    replies = await chat.send("/start")
    assert len(replies) == 1
    assert_language_question(replies[0])
    assert await saved_language(engine) is None

    replies = await chat.click(button)

    assert replies[0].kind == "edit"
    assert replies[0].text == tr(dp, "Language: English", locale)
    assert_menu(dp, replies[-1], locale)
    assert await saved_language(engine) == locale


async def test_chosen_language_wins_over_telegram_language_on_the_next_start(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine
) -> None:
    first = make_chat(language_code="en")
    await first.send("/start")
    await first.click("Русский")

    # Later Telegram reports Kazakh (the user changed the app's language): the choice stands.
    chat = make_chat(language_code="kk")
    replies = await chat.send("/start")

    assert_menu(dp, replies[-1], "ru")
    assert await saved_language(engine) == "ru"


async def test_language_detected_at_first_start_is_remembered(
    make_chat: ChatFactory, dp: Dispatcher
) -> None:
    await make_chat(language_code="kk").send("/start")

    replies = await make_chat(language_code=None).send("/start")

    assert_menu(dp, replies[-1], "kk")


# -- switching the language at any time -----------------------------------------------------


async def test_language_command_asks_and_switches(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine
) -> None:
    chat = make_chat(language_code="kk")
    await chat.send("/start")

    replies = await chat.send("/language")
    assert_language_question(replies[-1])

    replies = await chat.click("Русский")
    assert_menu(dp, replies[-1], "ru")
    assert await saved_language(engine) == "ru"

    # And from then on everything speaks Russian.
    replies = await chat.send("/menu")
    assert_menu(dp, replies[-1], "ru")


async def test_menu_language_button_switches(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine
) -> None:
    chat = make_chat(language_code="ru")
    await chat.send("/start")

    replies = await chat.click(tr(dp, "🌐 Language", "ru"))
    assert replies[-1].kind == "edit"
    assert_language_question(replies[-1])

    replies = await chat.click("Қазақша")
    assert replies[0].text == tr(dp, "Language: English", "kk")
    assert_menu(dp, replies[-1], "kk")
    assert await saved_language(engine) == "kk"


@pytest.mark.parametrize(("first", "target"), [("kk", "ru"), ("ru", "kk")])
async def test_lang_command_with_a_code_switches_directly(
    make_chat: ChatFactory, dp: Dispatcher, engine: AsyncEngine, first: str, target: str
) -> None:
    chat = make_chat(language_code=first)
    await chat.send("/start")

    replies = await chat.send(f"/lang {target}")

    assert replies[0].text == tr(dp, "Language: English", target)
    assert_menu(dp, replies[-1], target)
    assert await saved_language(engine) == target


async def test_lang_command_with_an_unknown_code_asks(
    make_chat: ChatFactory, engine: AsyncEngine
) -> None:
    chat = make_chat(language_code="ru")
    await chat.send("/start")

    replies = await chat.send("/lang xx")

    assert len(replies) == 1
    assert_language_question(replies[0])
    assert await saved_language(engine) == "ru"


# -- commands that work from any state ------------------------------------------------------


async def test_help_answers_in_a_conversation_and_keeps_it(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot
) -> None:
    chat = make_chat(language_code="kk")
    await chat.send("/start")
    state = state_of(dp, bot)
    await state.set_state(Elsewhere.step)
    await state.update_data(answer=1)

    replies = await chat.send("/help")

    help_text = tr(dp, "You can press the buttons or type a number where one is asked.\n"
                       "/menu — main menu (your answers are kept)\n"
                       "/cancel — stop and forget the answers of this check\n"
                       "/forget — erase everything the bot keeps about you\n"
                       "/language — Қазақша / Русский\n"
                       "/help — this help", "kk")
    assert replies[0].text == help_text
    assert "/cancel" in replies[0].text
    assert_menu(dp, replies[-1], "kk")  # the current step: no renderer knows it, so the menu
    assert await state.get_state() == Elsewhere.step.state
    assert await state.get_data() == {"answer": 1}


async def test_menu_leaves_the_conversation_but_keeps_the_answers(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot
) -> None:
    chat = make_chat(language_code="ru")
    await chat.send("/start")
    state = state_of(dp, bot)
    await state.set_state(Elsewhere.step)
    await state.update_data(answer=1)

    replies = await chat.send("/menu")

    assert len(replies) == 1
    assert_menu(dp, replies[0], "ru")
    assert await state.get_state() is None
    assert await state.get_data() == {"answer": 1}


async def test_cancel_stops_and_forgets(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot
) -> None:
    chat = make_chat(language_code="ru")
    await chat.send("/start")
    state = state_of(dp, bot)
    await state.set_state(Elsewhere.step)
    await state.update_data(answer=1)

    replies = await chat.send("/cancel")

    assert replies[0].text.startswith(tr(dp, "Stopped. Nothing of it is kept.", "ru"))
    assert_menu(dp, replies[0], "ru")
    assert await state.get_state() is None
    assert await state.get_data() == {}


async def test_start_from_a_conversation_returns_to_the_menu(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot
) -> None:
    chat = make_chat(language_code="kk")
    await chat.send("/start")
    state = state_of(dp, bot)
    await state.set_state(Elsewhere.step)

    replies = await chat.send("/start")

    assert_menu(dp, replies[-1], "kk")
    assert await state.get_state() is None


# -- the menu items ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_about_names_the_decisions_and_the_repeal(
    make_chat: ChatFactory, dp: Dispatcher, locale: str
) -> None:
    chat = make_chat(language_code=locale)
    await chat.send("/start")

    replies = await chat.click(tr(dp, "ℹ️ About this bot", locale))

    text = replies[-1].text
    assert replies[-1].kind == "edit"
    assert text.startswith(ABOUT_HEADING[locale])
    for number in ("241", "3114", "293", "25"):
        assert f"№ {number}" in text, number
    assert REPEALED[locale] in text
    assert [b.text for b in replies[-1].flat_buttons] == [tr(dp, "⬅️ Main menu", locale)]

    # The back button brings the menu back in place.
    replies = await chat.click(1)
    assert replies[-1].kind == "edit"
    assert_menu(dp, replies[-1], locale)


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_where_to_apply(make_chat: ChatFactory, dp: Dispatcher, locale: str) -> None:
    chat = make_chat(language_code=locale)
    await chat.send("/start")

    replies = await chat.click(tr(dp, "📍 Where to apply", locale))

    text = replies[-1].text
    assert text.startswith(WHERE_HEADING[locale])
    assert {"kk": "Шолаққорған", "ru": "Шолаккорган"}[locale] in text
    assert {"kk": "әкім", "ru": "аким"}[locale] in text


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_apply_and_my_applications_before_any_check(
    make_chat: ChatFactory, dp: Dispatcher, locale: str
) -> None:
    """Applying starts from a check (tests/test_application.py applies); with none, the bot
    says so, and «My applications» is empty."""
    chat = make_chat(language_code=locale)
    await chat.send("/start")

    replies = await chat.click(tr(dp, "📝 Apply", locale))
    assert replies[-1].text == tr(
        dp, "An application starts from a check: it tells which assistance you may apply for "
        "and fills in part of the form. Please do the check first.", locale)
    assert tr(dp, "🔎 What assistance may I get?", locale) in [
        b.text for b in replies[-1].flat_buttons]

    await chat.click(tr(dp, "⬅️ Main menu", locale))
    replies = await chat.click(tr(dp, "📂 My applications", locale))
    assert replies[-1].text == tr(dp, "You have no sent applications yet.", locale)


async def test_each_press_is_answered(make_chat: ChatFactory, dp: Dispatcher, bot: Bot) -> None:
    """A pressed button that is not answered keeps spinning in Telegram."""
    from aiogram.methods import AnswerCallbackQuery

    chat = make_chat(language_code="ru")
    await chat.send("/start")
    for item in ("ℹ️ About this bot", "📍 Where to apply", "📝 Apply"):
        mark = len(bot.session.requests)
        await chat.click(tr(dp, item, "ru"))
        answered = [r for r in bot.session.requests[mark:] if isinstance(r, AnswerCallbackQuery)]
        assert len(answered) == 1, item
        await chat.click(tr(dp, "⬅️ Main menu", "ru"))


# -- the command list Telegram shows ----------------------------------------------------------


def _descriptions(request: SetMyCommands) -> dict[str, str]:
    return {command.command: command.description for command in request.commands}


async def test_commands_are_set_per_language(dp: Dispatcher, bot: Bot) -> None:
    await set_commands(bot, dp["i18n"])

    requests = [r for r in bot.session.requests if isinstance(r, SetMyCommands)]
    by_language = {r.language_code: _descriptions(r) for r in requests}
    assert set(by_language) == {"kk", "ru", None}
    for locale in ("kk", "ru"):
        assert by_language[locale] == {
            "start": tr(dp, "Start again", locale),
            "menu": tr(dp, "Main menu", locale),
            "language": tr(dp, "Language · Тіл · Язык", locale),
            "help": tr(dp, "Help", locale),
            "cancel": tr(dp, "Stop and forget this check", locale),
            "forget": tr(dp, "Erase everything about me", locale),
        }
    assert by_language["kk"]["menu"] == "Басты мәзір"
    assert by_language["ru"]["menu"] == "Главное меню"
    assert all(by_language["kk"][name] != by_language["ru"][name] for name in by_language["kk"])
    # Users of any other language get the default language (kk in these settings).
    assert by_language[None] == by_language["kk"]


async def test_commands_are_set_when_the_dispatcher_starts(dp: Dispatcher, bot: Bot) -> None:
    # Polling and the webhook app both start the dispatcher with its workflow data.
    await dp.emit_startup(bot=bot, **dp.workflow_data)

    languages = {r.language_code for r in bot.session.requests if isinstance(r, SetMyCommands)}
    assert languages == {"kk", "ru", None}
