"""The terminal chat (`python -m bot console`, `make demo`): typed lines become updates."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.console.chat import Button, LocalChat, Reply
from bot.console.terminal import handle_line, render

ROOT = Path(__file__).resolve().parent.parent
ChatFactory = Callable[..., LocalChat]

MENU_HEADING = {"kk": "Басты мәзір", "ru": "Главное меню"}
LANGUAGE_QUESTION = "Тілді таңдаңыз · Выберите язык"


def tr(dp: Dispatcher, msgid: str, locale: str) -> str:
    return dp["i18n"].gettext(msgid, locale=locale)


@pytest.fixture
def updates(dp: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> list[Update]:
    """Every update the console feeds to the dispatcher."""
    seen: list[Update] = []
    feed = dp.feed_update

    async def recording_feed(bot: Bot, update: Update, **kwargs: Any) -> Any:
        seen.append(update)
        return await feed(bot, update, **kwargs)

    monkeypatch.setattr(dp, "feed_update", recording_feed)
    return seen


async def test_a_number_presses_that_button_of_the_current_screen(
    make_chat: ChatFactory, dp: Dispatcher, updates: list[Update]
) -> None:
    chat = make_chat(language_code=None)
    await handle_line(chat, "/start")
    assert chat.screen is not None
    assert chat.screen.text == LANGUAGE_QUESTION

    replies = await handle_line(chat, "2")  # [1] Қазақша  [2] Русский

    assert updates[-1].callback_query is not None
    assert MENU_HEADING["ru"] in replies[-1].text

    # The menu is now the screen: its 5th button is "Where to apply".
    where = chat.find_button(chat.screen, 5)
    assert where.text == tr(dp, "📍 Where to apply", "ru")
    replies = await handle_line(chat, "5")
    assert replies[-1].text.startswith("<b>Куда обращаться</b>")


async def test_a_number_without_such_a_button_is_sent_as_text(
    make_chat: ChatFactory, dp: Dispatcher, updates: list[Update]
) -> None:
    chat = make_chat(language_code="ru")
    await handle_line(chat, "/start")

    replies = await handle_line(chat, "99")

    assert updates[-1].message is not None
    assert updates[-1].message.text == "99"
    assert replies[0].text == tr(
        dp, "Sorry, I did not understand that. Please use the buttons below.", "ru"
    )


async def test_equals_sends_the_number_as_text(
    make_chat: ChatFactory, updates: list[Update]
) -> None:
    chat = make_chat(language_code="ru")
    await handle_line(chat, "/start")
    assert chat.screen is not None and len(chat.screen.flat_buttons) >= 5

    await handle_line(chat, "=5")

    assert updates[-1].message is not None
    assert updates[-1].message.text == "5"
    assert updates[-1].callback_query is None


async def test_contact_command_shares_a_phone_number(
    make_chat: ChatFactory, updates: list[Update]
) -> None:
    chat = make_chat(language_code="kk")
    await handle_line(chat, "/start")

    replies = await handle_line(chat, "/contact +77001234567")

    message = updates[-1].message
    assert message is not None and message.contact is not None
    assert message.contact.phone_number == "+77001234567"
    assert message.contact.user_id == chat.user.id  # the user's own number
    assert replies, "the bot answered nothing"


async def test_file_command_sends_a_document(
    make_chat: ChatFactory, dp: Dispatcher, updates: list[Update]
) -> None:
    chat = make_chat(language_code="kk")
    await handle_line(chat, "/start")

    replies = await handle_line(chat, "/file x.pdf")

    message = updates[-1].message
    assert message is not None and message.document is not None
    assert message.document.file_name == "x.pdf"
    assert message.text is None
    assert replies[0].text == tr(
        dp, "I can read only text and buttons. Please use the buttons below.", "kk"
    )


async def test_sticker_command_sends_a_sticker(
    make_chat: ChatFactory, updates: list[Update]
) -> None:
    chat = make_chat(language_code="kk")

    await handle_line(chat, "/sticker")

    assert updates[-1].message is not None and updates[-1].message.sticker is not None


def test_render_numbers_buttons_and_strips_html() -> None:
    reply = Reply(
        "send",
        "<b>Main menu</b>\nA &amp; B <i>now</i>",
        message_id=1,
        buttons=[
            [Button("Қазақша", "lang:kk"), Button("Русский", "lang:ru")],
            [Button("Site", url="https://example.org")],
        ],
    )

    shown = render(reply)

    assert shown.splitlines() == [
        "Main menu",
        "A & B now",
        "[1] Қазақша   [2] Русский",
        "[3] Site <https://example.org>",
    ]


def test_render_marks_edits_and_notices() -> None:
    assert render(Reply("edit", "<b>New</b>")).startswith("(the screen above changes)\nNew")
    assert render(Reply("alert", "Old button")) == "(notice) Old button"


def test_render_shows_a_reply_keyboard() -> None:
    reply = Reply("send", "Share your number", reply_keyboard=[["📞 Share", "Cancel"]])

    assert render(reply).splitlines()[-1] == "«📞 Share»   «Cancel»"


def test_console_command_runs_a_conversation(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BOT_TOKEN", "REDIS_URL", "DEFAULT_LOCALE", "WEBHOOK_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        PYTHONPATH=str(ROOT),
        CLOCK_START="2015-06-01",  # as `make demo`: a training clock on a day in force
    )

    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="2\n/quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    out = done.stdout
    question = out.index(LANGUAGE_QUESTION)
    assert "[1] Қазақша   [2] Русский" in out[question:]
    menu = out.index(MENU_HEADING["ru"], question)
    assert "Язык: русский" in out[question:menu]
    assert "<b>" not in out  # HTML is rendered as plain text
    assert "[7]" in out[menu:]  # the menu's buttons, numbered
    assert "Учебный режим: в боте сегодня 1 июня 2015" in out[question:]  # marked, in Russian
    assert (tmp_path / "console.db").exists()  # migrated and used
    assert "Traceback" not in done.stderr
