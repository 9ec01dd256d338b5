"""One persona end to end over HTTP: a family after a fire checks in Russian, via polling."""

from __future__ import annotations

from pathlib import Path

from bot.rules import load_ruleset, today_almaty
from handlers.screening.keyboards import SCB
from tests.e2e.bot_api_stub import BotAPIStub, Call
from tests.e2e.test_e2e_http import (  # noqa: F401  (fixtures)
    StartBot,
    bot_env,
    catalog,
    migrate,
    start_bot,
    stub,
    to_chat,
)

USER = 2001


async def test_family_after_fire_over_http(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path  # noqa: F811
) -> None:
    env = bot_env(tmp_path, stub.url)
    await migrate(env, tmp_path)
    bot = await start_bot(env)

    async def say(text: str, method: str = "sendMessage") -> Call:
        mark = len(stub.calls)
        await stub.push_message(text, user_id=USER, language_code="ru")
        return await bot.expect(stub.wait_for_method(method, to_chat(USER), start=mark))

    async def press(screen: Call, act: str, arg: str = "") -> Call:
        """The button of `screen` that does `act` (its data names the screen's step)."""
        mark = len(stub.calls)
        buttons = [b["callback_data"] for row in screen.result["reply_markup"]["inline_keyboard"]
                   for b in row]
        data = next(d for d in buttons if (SCB.unpack(d).act, SCB.unpack(d).arg) == (act, arg))
        await stub.push_callback(data, screen.result)
        return await bot.expect(stub.wait_for_method("editMessageText", to_chat(USER),
                                                      start=mark))

    menu = await say("/start")
    mark = len(stub.calls)
    await stub.push_callback("m:check", menu.result)
    screen = await bot.expect(stub.wait_for_method("editMessageText", to_chat(USER), start=mark))
    # Today the decision is not in force: the day of the check first, then statuses, family
    # size, income, review.
    assert catalog("ru")["Step {k} of {n}"].format(k=1, n=5) in screen.params["text"]
    assert catalog("ru")["Day of the check"] in screen.params["text"]
    screen = await press(screen, "pick", "today")
    screen = await press(screen, "toggle", "hardship")
    screen = await press(screen, "next")
    screen = await press(screen, "pick", "fire")
    screen = await say("вчера")  # the date of the fire
    screen = await press(screen, "pick", "4")
    screen = await say("120 000 тг")
    screen = await press(screen, "none")  # nothing received in the past year
    result = await press(screen, "result")

    text = result.params["text"].replace("\u00a0", " ").replace("\u202f", " ")
    ruleset = load_ruleset()
    # Worded as what the decision provided; no application under a repealed decision.
    assert catalog("ru")["Nothing can be applied for under this decision any more."] in text
    ceiling = 300 * ruleset.mci_at(today_almaty())
    assert f"{ceiling:,}".replace(",", " ") + " ₸" in text  # up to 300 MCI in tenge
    assert "241" in text  # the decision is no longer in force today: said in one line
    assert await bot.terminate() == 0
