"""Over real HTTP: a submitted application's card and PDF reach the staff chat through
aiogram's aiohttp session and the Bot API stand-in (sendMessage, then sendDocument)."""

from __future__ import annotations

import io

from aiogram import Dispatcher
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot
from bot.config import Settings
from bot.services.staff_card import announce_submission
from storage.db import create_session_factory
from tests.e2e.bot_api_stub import BotAPIStub
from tests.staff.conftest import IIN, NAME, STAFF_CHAT, Submit


async def test_card_and_pdf_reach_the_staff_chat_over_http(
    dp: Dispatcher, engine: AsyncEngine, settings: Settings, submit: Submit,
) -> None:
    app_id, reference = await submit()
    async with BotAPIStub() as stub:
        bot = create_bot(settings.model_copy(
            update={"telegram_api_url": stub.url, "bot_token": SecretStr(stub.token)}))
        try:
            async with create_session_factory(engine)() as session:
                with dp["i18n"].context():
                    await announce_submission(bot, session, settings, app_id)
                await session.commit()
        finally:
            await bot.session.close()
        card = await stub.wait_for_method("sendMessage",
                                          lambda p: int(p["chat_id"]) == STAFF_CHAT)
        document = await stub.wait_for_method("sendDocument", start=card.index)
    assert reference in card.params["text"] and NAME in card.params["text"]
    assert int(document.params["chat_id"]) == STAFF_CHAT
    upload = document.params["document"]
    assert isinstance(upload, str) and upload.startswith("attach://")  # multipart, as Telegram
    pdf = document.params[upload.removeprefix("attach://")]
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert reference in text and IIN in text
