"""End to end over HTTP: a citizen checks, applies and submits; the staff chat hears of it."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.application.keyboards import ACB
from handlers.screening.keyboards import SCB
from tests.e2e.bot_api_stub import BotAPIStub, Call
from tests.e2e.test_e2e_http import (  # noqa: F401  (fixtures)
    StartBot,
    bot_env,
    buttons,
    catalog,
    migrate,
    start_bot,
    stub,
    to_chat,
)

USER = 3001
STAFF_CHAT = -1009001


def is_screen(params: dict[str, object]) -> bool:
    markup = params.get("reply_markup")
    return isinstance(markup, dict) and bool(markup.get("inline_keyboard"))


async def test_a_citizen_submits_and_the_staff_chat_hears_of_it(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path  # noqa: F811
) -> None:
    # The training clock: the decision was in force on that day.
    env = bot_env(tmp_path, stub.url, CLOCK_START="2015-04-20", STAFF_CHAT_ID=str(STAFF_CHAT),
                  DATA_DIR=str(tmp_path / "files"))
    await migrate(env, tmp_path)
    bot = await start_bot(env)

    async def say(text: str) -> Call:
        """Type; the next screen is the first new message with inline buttons."""
        mark = len(stub.calls)
        await stub.push_message(text, user_id=USER, language_code="ru")
        return await bot.expect(stub.wait_for(
            lambda c: c.method == "sendMessage" and to_chat(USER)(c.params)
            and is_screen(c.params), start=mark))

    async def press(screen: Call, data: str) -> Call:
        """Press the button with this callback data (an application's button: the one with
        this act and argument, whatever step it is stamped with)."""
        for factory in (ACB, SCB):
            prefix = factory.__prefix__ + ":"
            if data.startswith(prefix):
                wanted = factory.unpack(data)
                data = next(d for d in buttons(screen.params) if d.startswith(prefix)
                            and (factory.unpack(d).act, factory.unpack(d).arg)  # type: ignore[attr-defined]
                            == (wanted.act, wanted.arg))  # type: ignore[attr-defined]
        mark = len(stub.calls)
        await stub.push_callback(data, screen.result)
        return await bot.expect(stub.wait_for_method("editMessageText", to_chat(USER),
                                                      start=mark))

    menu = await say("/start")
    screen = await press(menu, "m:check")
    screen = await press(screen, SCB(act="toggle", arg="hardship").pack())
    screen = await press(screen, SCB(act="next").pack())
    screen = await press(screen, SCB(act="pick", arg="fire").pack())
    screen = await say("вчера")
    screen = await press(screen, SCB(act="pick", arg="2").pack())
    screen = await say("50 000")
    screen = await press(screen, SCB(act="none").pack())  # nothing received in the past year
    result = await press(screen, SCB(act="result").pack())

    screen = await press(result, "m:apply")
    assert "94-V" in screen.params["text"]  # the consent comes first
    screen = await press(screen, ACB(act="agree").pack())
    screen = await press(screen, ACB(act="next").pack())
    screen = await say("Асанова Айгүл")
    screen = await say("800101400032")
    screen = await say("8 701 555 44 33")
    screen = await press(screen, ACB(act="pick", arg="sozak").pack())
    screen = await say("Төле би көшесі, 5")
    screen = await press(screen, ACB(act="paper").pack())  # the one other member: on paper
    screen = await say("Үй өртенді")
    screen = await press(screen, ACB(act="next").pack())  # no files: brought on paper
    mark = len(stub.calls)
    done = await press(screen, ACB(act="submit").pack())

    reference = re.search(r"SZ-2015-\d{6}", done.params["text"])
    assert reference is not None, done.params["text"]
    staff = await bot.expect(stub.wait_for_method("sendMessage", to_chat(STAFF_CHAT),
                                                  start=mark))
    assert reference.group(0) in staff.params["text"]
    pdf = await bot.expect(stub.wait_for_method("sendDocument", to_chat(STAFF_CHAT),
                                                start=staff.index))
    assert reference.group(0) in pdf.params["caption"]  # the application's PDF follows the card
    assert await bot.terminate() == 0
