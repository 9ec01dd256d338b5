"""End to end over HTTP, the whole journey of issue #10: a family after a fire checks and applies
in Kazakh, the staff chat gets the card and the PDF and sees the application in /queue, a staff
member (in Russian) opens the decision panel on the card, registers and grants p. 9.11 with a
typed amount, and the citizen receives the decision notice in Kazakh, once.

`python -m bot` runs by long polling on the training clock; only Telegram is the stand-in. The
staff chat is a supergroup: presses and typing there carry its chat, as Telegram's would.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from handlers.application.keyboards import ACB
from handlers.screening.keyboards import SCB
from storage.applications import ApplicationRepo
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage
from storage.outbox import OutboxRepo
from tests.e2e.bot_api_stub import JSON, BotAPIStub, Call
from tests.e2e.test_e2e_decisions import button, with_button
from tests.e2e.test_e2e_http import (  # noqa: F401  (fixtures)
    BotProcess,
    StartBot,
    bot_env,
    buttons,
    catalog,
    migrate,
    start_bot,
    stub,
    to_chat,
)

CITIZEN, STAFF = 3101, 511
STAFF_CHAT = -1009101
DAY = "2015-04-20"  # a Monday: decision No. 241 is in force, the fire was "yesterday"
MCI_2015 = 1982
# The decision notice's first line (bot/services/notices.py), looked up in each catalog.
DECIDED = "<b>Application {reference}</b>: the district department has decided (on {decided_on})."
CEILING, GRANTED = 300, 150  # MCI: p. 9.11 pays "up to 300 MCI"; the commission sets 150


def in_staff_chat(message: JSON) -> JSON:
    """The message as Telegram delivers it from the staff supergroup."""
    return {**message, "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Sozak staff"}}


def plain(text: str) -> str:
    """The text as read: no HTML tags, and plain spaces where Babel groups digits with
    (narrow) no-break ones."""
    return re.sub(r"<[^>]+>", "", text).replace("\xa0", " ").replace("\u202f", " ")


def tenge(amount_mci: int) -> str:
    return f"{amount_mci * MCI_2015:,} ₸".replace(",", " ")


def reads(call: Call) -> str:
    return plain(call.params["text"])


def fragment(locale: str, msgid: str) -> str:
    """The longest literal piece of a message's translation (no placeholders, no tags)."""
    return max(re.split(r"\{\w+\}", plain(catalog(locale)[msgid])), key=len).strip(" .:()")


@dataclass
class Citizen:
    """A citizen in a private chat, pressing the buttons of the bot's screens."""

    stub: BotAPIStub
    bot: BotProcess
    user: int
    language: str

    async def say(self, text: str) -> Call:
        """Type; the next screen is the first new message with inline buttons."""
        mark = len(self.stub.calls)
        await self.stub.push_message(text, user_id=self.user, language_code=self.language)
        return await self.bot.expect(self.stub.wait_for(
            lambda c: c.method == "sendMessage" and to_chat(self.user)(c.params)
            and bool(buttons(c.params)), start=mark))

    async def press(self, screen: Call, data: str) -> Call:
        """Press the button with this callback data; a screening or application button is
        found by its act and argument, whatever step the screen stamped on it."""
        for factory in (ACB, SCB):
            prefix = factory.__prefix__ + ":"
            if data.startswith(prefix):
                wanted = factory.unpack(data)
                data = next(d for d in buttons(screen.params) if d.startswith(prefix)
                            and (factory.unpack(d).act, factory.unpack(d).arg)
                            == (wanted.act, wanted.arg))
        mark = len(self.stub.calls)
        await self.stub.push_callback(data, screen.result, language_code=self.language)
        return await self.bot.expect(self.stub.wait_for_method(
            "editMessageText", to_chat(self.user), start=mark))


@dataclass
class Staff:
    """A staff member working in the staff chat."""

    stub: BotAPIStub
    bot: BotProcess
    user: int

    async def _answer(self, mark: int, text: str = "") -> Call:
        # The morning digest comes whenever the outbox finds it due, maybe between a press
        # and its answer: it is not the answer.
        digest = fragment("ru", "<b>Decisions and notices on {today}</b>")
        return await self.bot.expect(self.stub.wait_for_method(
            "sendMessage",
            lambda p: to_chat(STAFF_CHAT)(p) and text in p["text"] and digest not in p["text"],
            start=mark))

    async def type(self, text: str, expect: str = "") -> Call:
        """Type in the staff chat; the bot's first answer there (containing ``expect``)."""
        mark = len(self.stub.calls)
        update = self.stub.message_update(text, user_id=self.user, language_code="ru")
        update["message"] = in_staff_chat(update["message"])
        await self.stub.push_update(update)
        return await self._answer(mark, expect)

    async def press(self, prefix: str, under: Call) -> Call:
        """Press the button ``prefix…`` under the bot's message; its next message there."""
        mark = len(self.stub.calls)
        await self.stub.push_callback(button(under, prefix), in_staff_chat(under.result),
                                      user_id=self.user, language_code="ru")
        return await self._answer(mark)


async def apply_after_fire(citizen: Citizen) -> Call:
    """Screening (fire yesterday, two people), Apply, consent, the form, Send: the last screen."""
    menu = await citizen.say("/start")
    assert fragment("kk", "Main menu") in reads(menu)  # Kazakh from the first screen
    screen = await citizen.press(menu, "m:check")
    screen = await citizen.press(screen, SCB(act="toggle", arg="hardship").pack())
    screen = await citizen.press(screen, SCB(act="next").pack())
    screen = await citizen.press(screen, SCB(act="pick", arg="fire").pack())
    screen = await citizen.say("кеше")
    screen = await citizen.press(screen, SCB(act="pick", arg="2").pack())
    screen = await citizen.say("50 000")
    screen = await citizen.press(screen, SCB(act="none").pack())  # nothing in the past year
    result = await citizen.press(screen, SCB(act="result").pack())
    assert tenge(CEILING) in reads(result)  # p. 9.11: "up to 594 600 ₸"

    screen = await citizen.press(result, "m:apply")
    assert "94-V" in screen.params["text"]  # the consent comes first
    screen = await citizen.press(screen, ACB(act="agree").pack())
    screen = await citizen.press(screen, ACB(act="next").pack())
    screen = await citizen.say("Асанова Айгүл")
    screen = await citizen.say("800101400032")
    screen = await citizen.say("8 701 555 44 33")
    screen = await citizen.press(screen, ACB(act="pick", arg="sozak").pack())
    screen = await citizen.say("Төле би көшесі, 5")
    screen = await citizen.press(screen, ACB(act="paper").pack())  # the other member: on paper
    screen = await citizen.say("Үй өртенді")
    screen = await citizen.press(screen, ACB(act="next").pack())  # no files: brought on paper
    return await citizen.press(screen, ACB(act="submit").pack())


async def outbox_rows(database_url: str, reference: str) -> list[OutboxMessage]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            app = await ApplicationRepo(session).by_reference(reference)
            assert app is not None
            return await OutboxRepo(session).for_application(app.id)
    finally:
        await engine.dispose()


async def all_sent(database_url: str, reference: str, count: int) -> list[OutboxMessage]:
    """Waits until the application's ``count`` notices are all marked sent."""
    while True:
        rows = await outbox_rows(database_url, reference)
        if len(rows) >= count and all(row.status == "sent" for row in rows):
            return rows
        await asyncio.sleep(0.1)


async def test_from_the_check_to_the_decision_notice_in_kazakh(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path  # noqa: F811
) -> None:
    env = bot_env(tmp_path, stub.url, CLOCK_START=DAY, STAFF_CHAT_ID=str(STAFF_CHAT),
                  STAFF_IDS=str(STAFF), STAFF_LOCALE="ru", DATA_DIR=str(tmp_path / "files"))
    await migrate(env, tmp_path)
    bot = await start_bot(env)
    citizen, staff = Citizen(stub, bot, CITIZEN, "kk"), Staff(stub, bot, STAFF)

    # The citizen: check, apply, send; a reference comes back.
    mark = len(stub.calls)
    done = await apply_after_fire(citizen)
    found = re.search(r"SZ-2015-\d{6}", done.params["text"])
    assert found is not None, done.params["text"]
    reference = found.group(0)

    # The staff chat: the card, then the application's PDF.
    card = await bot.expect(stub.wait_for_method(
        "sendMessage", lambda p: to_chat(STAFF_CHAT)(p) and reference in p["text"], start=mark))
    assert with_button("dc:open")(card.params)  # the ⚖️ Decision button
    pdf = await bot.expect(stub.wait_for_method("sendDocument", to_chat(STAFF_CHAT),
                                                start=card.index))
    assert reference in pdf.params["caption"]
    assert pdf.result["document"]["file_size"] > 0

    # Before any decision, /queue lists it (in Russian, the staff chat's language).
    queue = await staff.type("/queue", expect=reference)
    assert fragment("ru", "Open applications, oldest first: {count}") in reads(queue)

    # The decision panel on the card: register today, then grant p. 9.11 with a typed amount.
    panel = await staff.press("dc:open", card)
    assert reference in panel.params["text"]
    mark = len(stub.calls)
    panel = await staff.press("dc:reg:", panel)
    assert fragment("ru", "Registered.") in reads(panel)
    registered = await bot.expect(stub.wait_for_method("sendMessage", to_chat(CITIZEN),
                                                       start=mark))
    assert reference in registered.params["text"]
    assert fragment("kk", "The decision is due by <b>{decision_by}</b> (eight working days, "
                          "p. 21). We will write to you here.") in reads(registered)

    asked = await staff.press("dc:grant:", panel)
    assert "9.11" in asked.params["text"] and "300" in asked.params["text"]  # the ceiling
    above = await staff.type(str(CEILING + 1))  # refused politely; the question stays open
    assert fragment("ru", "The amount is above the ceiling of the paragraph (p. 11).") \
        in reads(above)
    mark = len(stub.calls)
    panel = await staff.type(str(GRANTED))
    assert fragment("ru", "Granted.") in reads(panel), panel.params["text"]

    # The citizen: the decision notice, in Kazakh, with the reference and the amount.
    notice = fragment("kk", DECIDED)
    decided = await bot.expect(stub.wait_for_method(
        "sendMessage", lambda p: to_chat(CITIZEN)(p) and notice in plain(p["text"]), start=mark))
    text = reads(decided)
    assert reference in text
    assert f"{GRANTED} {fragment('kk', '{amount} MCI')}" in text  # 150 АЕК
    assert tenge(GRANTED) in text  # 297 300 ₸
    assert fragment("ru", DECIDED) not in text

    # Exactly once: both notices are marked sent with the message Telegram returned; once the
    # bot has stopped nothing more can come, and a marked notice is never claimed again.
    rows = await bot.expect(all_sent(env["DATABASE_URL"], reference, count=2))
    assert await bot.terminate() == 0
    to_citizen = stub.find(lambda c: c.method == "sendMessage" and to_chat(CITIZEN)(c.params),
                           start=registered.index)
    assert [c.result["message_id"] for c in to_citizen] == \
        [registered.result["message_id"], decided.result["message_id"]]
    assert sorted(row.telegram_message_id or 0 for row in rows) == \
        sorted(c.result["message_id"] for c in to_citizen)
    assert "Traceback" not in bot.log, bot.log
