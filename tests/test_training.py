"""The training clock marks every screen, in the reader's language, sent from anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText, SendMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot, create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession

TRAINING = Clock.fixed(date(2015, 6, 1), training=True)
MARK = {"kk": "🎓 Оқу режимі: ботта бүгін 1 маусым 2015",
        "ru": "🎓 Учебный режим: в боте сегодня 1 июня 2015"}


@pytest.fixture
async def training(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[Dispatcher,
                                                                                   Bot]]:
    bot = create_bot(settings, session=LocalSession(), clock=TRAINING)
    dp = create_dispatcher(settings, engine=engine, clock=TRAINING)
    yield dp, bot
    await dp.storage.close()


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_every_message_and_edit_carries_the_mark(training, lang: str) -> None:
    dp, bot = training
    chat = LocalChat(dp, bot, language_code=lang)
    replies = await chat.send("/start")
    replies += await chat.click(1)  # "What assistance may I get?": the screen is edited
    replies += await chat.send("nonsense")  # a hint, then the step again
    shown = [r for r in replies if r.kind in ("send", "edit")]
    assert {r.kind for r in shown} == {"send", "edit"}
    for reply in shown:
        assert reply.text.startswith(f"<i>{MARK[lang]}</i>\n"), reply.text
    other = "ru" if lang == "kk" else "kk"
    assert not any(MARK[other] in r.text for r in shown)


async def test_a_notice_sent_outside_a_handler_is_marked_in_the_recipients_language(
    training,
) -> None:
    """How a background sender does it: render in the recipient's language, send inside it."""
    dp, bot = training
    i18n = dp["i18n"]
    with i18n.context(), i18n.use_locale("ru"):
        await bot.send_message(100, "Ваше заявление рассмотрено.")
    await bot.send_message(100, "no language known", parse_mode=None)

    sent = [r for r in bot.session.requests if isinstance(r, SendMessage)]
    assert sent[0].text == f"<i>{MARK['ru']}</i>\nВаше заявление рассмотрено."
    # No language at all: both, and as plain text where the message is plain text.
    assert sent[1].text == f"{MARK['kk']} · {MARK['ru']}\nno language known"


async def test_no_mark_on_the_real_clock(make_chat, bot: Bot) -> None:
    chat = make_chat(language_code="ru")
    await chat.send("/start")
    await chat.click(1)
    for request in bot.session.requests:
        if isinstance(request, SendMessage | EditMessageText):
            assert "🎓" not in (request.text or "")


async def test_a_document_caption_is_marked(training) -> None:
    from aiogram.methods import SendDocument
    from aiogram.types import BufferedInputFile

    dp, bot = training
    with dp["i18n"].context(), dp["i18n"].use_locale("kk"):
        await bot.send_document(100, BufferedInputFile(b"%PDF-1.4", "result.pdf"),
                                caption="Нәтиже")
    sent = next(r for r in bot.session.requests if isinstance(r, SendDocument))
    assert sent.caption == f"<i>{MARK['kk']}</i>\nНәтиже"
