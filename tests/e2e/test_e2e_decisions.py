"""End to end over HTTP: staff register and decide an application in Telegram (the card's
Decision button, the panel's buttons), and the citizen receives the notices in their language
through the outbox sender of the running bot (`python -m bot`, training clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from storage.applications import ApplicationRepo
from storage.db import create_engine, create_session_factory
from tests.e2e.bot_api_stub import JSON, BotAPIStub, Call
from tests.e2e.test_e2e_http import (  # noqa: F401 (fixtures)
    StartBot,
    bot_env,
    buttons,
    migrate,
    start_bot,
    stub,
    to_chat,
)

STAFF, CITIZEN = 501, 700
DAY = date(2015, 6, 1)


async def seed_application(database_url: str, language: str) -> str:
    """A submitted application (the citizen's side of applying is another conversation)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            repo = ApplicationRepo(session)
            app = await repo.create_draft(user_id=CITIZEN, chat_id=CITIZEN, language=language,
                                          on_date=DAY, screening={})
            await repo.set_benefits(app.id, [
                {"benefit_id": "p9.4", "cite": "9.4", "amount_mci": Decimal(72),
                 "up_to": False, "period": "once"},
                {"benefit_id": "p9.11", "cite": "9.11", "amount_mci": Decimal(300),
                 "up_to": True, "period": "once"},
            ])
            reference = await repo.submit(app, datetime(2015, 6, 1, 3, tzinfo=UTC), 2015)
            await session.commit()
            return reference
    finally:
        await engine.dispose()


def with_button(prefix: str) -> Callable[[JSON], bool]:
    return lambda params: any(data.startswith(prefix) for data in buttons(params))


def button(call: Call, prefix: str) -> str:
    return next(data for data in buttons(call.params) if data.startswith(prefix))


async def test_staff_decide_and_the_citizen_is_told_in_russian(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path,  # noqa: F811 (the fixtures)
) -> None:
    env = bot_env(tmp_path, stub.url, STAFF_IDS=str(STAFF), CLOCK_START=DAY.isoformat())
    await migrate(env, tmp_path)
    reference = await seed_application(env["DATABASE_URL"], "ru")
    bot = await start_bot(env)

    async def press(prefix: str, after: Call) -> Call:
        """Press the button ``prefix…`` under ``after``; the staff chat's next message."""
        mark = len(stub.calls)
        await stub.push_callback(button(after, prefix), after.result, user_id=STAFF,
                                 language_code="ru")
        return await bot.expect(stub.wait_for_method(
            "sendMessage", lambda p: to_chat(STAFF)(p), start=mark))

    mark = len(stub.calls)
    await stub.push_message(f"/app {reference}", STAFF, "ru")
    card = await bot.expect(stub.wait_for_method(
        "sendMessage", lambda p: to_chat(STAFF)(p) and with_button("dc:open")(p), start=mark))
    panel = await press("dc:open", card)
    assert reference in panel.params["text"]

    mark = len(stub.calls)
    panel = await press("dc:reg:", panel)
    registered = await bot.expect(stub.wait_for_method("sendMessage", to_chat(CITIZEN),
                                                       start=mark))
    assert "зарегистрировал" in registered.params["text"]
    assert "11 июня 2015" in registered.params["text"]  # the decision is due (p. 21)

    confirm = await press("dc:grant:", panel)
    panel = await press("dc:gok:", confirm)
    grounds = await press("dc:ref:", panel)
    no_note = await press("dc:refg:", grounds)
    mark = len(stub.calls)
    panel = await press("dc:refn:", no_note)
    assert "4 июня 2015" in panel.params["text"]  # the applicant to be told by (p. 22)

    decided = await bot.expect(stub.wait_for_method("sendMessage", to_chat(CITIZEN),
                                                    start=mark))
    text = decided.params["text"].replace("\xa0", " ").replace("\u202f", " ")
    assert "принял решение" in text
    assert "72 МРП" in text and "142 704 ₸" in text  # 72 × 1 982
    assert "отказано" in text and "п. 24.1" in text
    assert "не заменяет" in text
    await asyncio.sleep(0.2)
    assert len(stub.find(lambda c: c.method == "sendMessage"
                         and to_chat(CITIZEN)(c.params))) == 2  # each notice once
    assert await bot.terminate() == 0
