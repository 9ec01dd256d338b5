"""The fault suite, over real HTTP: `python -m bot` against a Bot API stand-in that misbehaves.

Killed (-9) or stopped (SIGTERM) in the middle of an update; 429, 500 and time-outs on
sendMessage and on the apology; one chat's hanging call while another chat talks. Every user's
answers end up stored exactly once and every message gets its answer. The one duplicate
allowed is the answer Telegram accepted from a process killed before its commit: counted.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiohttp

from tests.e2e.bot_api_stub import JSON, BotAPIStub, Call
from tests.e2e.test_e2e_http import (
    SECRET,
    BotProcess,
    StartBot,
    bot_env,
    buttons,
    catalog,
    migrate,
    start_webhook_bot,
    to_chat,
    wait_until_serving,
)

# A day decision No. 241 was in force: the check starts with the groups, not the day to check.
IN_FORCE = "2015-04-20"
SORRY = "Sorry, something went wrong on our side. Your answers are kept; let us go on from here."


def edit_of(chat: int) -> object:
    return lambda c: c.method == "editMessageText" and to_chat(chat)(c.params)


async def open_check(stub: BotAPIStub, bot: BotProcess, user: int) -> Call:
    """/start, then the check: the screen of groups (its call, with the buttons)."""
    mark = len(stub.calls)
    await stub.push_message("/start", user_id=user, language_code="ru")
    menu = await bot.expect(stub.wait_for_method("sendMessage", to_chat(user), start=mark))
    mark = len(stub.calls)
    await stub.push_callback("m:check", menu.result)
    return await bot.expect(stub.wait_for(
        lambda c: to_chat(user)(c.params) and any("elderly" in b for b in buttons(c.params)),
        start=mark, what="the screen of groups",
    ))


def tick(screen: Call) -> str:
    return next(b for b in buttons(screen.params) if "toggle" in b and "elderly" in b)


def groups_in(db: Path, user: int) -> list[str]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT data FROM fsm_states WHERE key LIKE ?", (f"%:{user}:{user}:%",)
        ).fetchone()
    return list(json.loads(row[0])["screening"]["answers"]["groups"])


async def settled(check: Callable[[], bool]) -> None:
    """Until ``check()`` holds (the caller bounds the wait)."""
    while not check():
        await asyncio.sleep(0.05)


def answers_to(stub: BotAPIStub, press: JSON) -> list[Call]:
    query_id = press["callback_query"]["id"]
    return stub.find(lambda c: c.method == "answerCallbackQuery"
                     and c.params.get("callback_query_id") == query_id)


async def tick_in_flight(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path, env: dict[str, str], user: int
) -> tuple[BotProcess, Call, JSON]:
    """A bot whose answer to the user's tick is on its way, slowly: the bot, the screen and
    the press."""
    await migrate(env, tmp_path)
    bot = await start_bot(env)
    screen = await open_check(stub, bot, user)
    stub.fault("editMessageText", when=to_chat(user), delay=1.0)
    arrived = len(stub.arrived)
    press = await stub.push_callback(tick(screen), screen.result)
    await bot.expect(stub.wait_for(edit_of(user), among=stub.arrived, start=arrived))
    return bot, screen, press


async def test_killed_mid_update_the_tick_is_stored_once(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    user = 3001
    env = bot_env(tmp_path, stub.url, CLOCK_START=IN_FORCE)
    first, screen, press = await tick_in_flight(stub, start_bot, tmp_path, env, user)
    first.proc.kill()
    await first.proc.wait()

    restarted = len(stub.arrived)
    second = await start_bot(env)
    # Telegram had no confirmation: the press comes again and is handled, once.
    await second.expect(stub.wait_for(edit_of(user), among=stub.arrived, start=restarted))
    await second.expect(settled(lambda: groups_in(tmp_path / "bot.db", user) == ["elderly"]))
    edits = [c for c in stub.find(edit_of(user)) if c.index > screen.index]
    # Telegram may have accepted the killed process's edit (it was on its way): then the
    # citizen sees the same screen twice. That is the one duplicate there can be.
    duplicates = len(edits) - 1
    print(f"kill -9 mid-update: {duplicates} duplicate answer(s)")
    assert duplicates <= 1
    assert len(answers_to(stub, press)) == 1 + duplicates
    assert await second.terminate() == 0


async def test_sigterm_mid_update_finishes_it_and_it_is_not_handled_again(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    user = 3002
    env = bot_env(tmp_path, stub.url, CLOCK_START=IN_FORCE)
    first, screen, press = await tick_in_flight(stub, start_bot, tmp_path, env, user)
    assert await first.terminate() == 0, first.log  # finishes the update in hand, then exits
    assert "Traceback" not in first.log
    assert len([c for c in stub.find(edit_of(user)) if c.index > screen.index]) == 1
    assert groups_in(tmp_path / "bot.db", user) == ["elderly"]

    second = await start_bot(env)
    mark = len(stub.calls)
    await stub.push_message("/help", user_id=user, language_code="ru")
    await second.expect(stub.wait_for_method("sendMessage", to_chat(user), start=mark))
    assert len(answers_to(stub, press)) == 1  # confirmed: not delivered, not handled again
    assert groups_in(tmp_path / "bot.db", user) == ["elderly"]
    assert await second.terminate() == 0


async def test_a_hanging_call_holds_neither_its_answer_nor_other_chats(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    slow, other = 3003, 3004
    env = bot_env(tmp_path, stub.url, TELEGRAM_TIMEOUT="2")
    await migrate(env, tmp_path)
    bot = await start_bot(env)
    # The first answer to `slow` hangs past the request time-out and is lost.
    stub.fault("sendMessage", when=to_chat(slow), delay=4.0, status=502)
    arrived = len(stub.arrived)
    await stub.push_message("/start", user_id=slow, language_code="ru")
    await bot.expect(stub.wait_for(
        lambda c: c.method == "sendMessage" and to_chat(slow)(c.params),
        among=stub.arrived, start=arrived))
    await stub.push_message("/start", user_id=other, language_code="ru")

    answer_other = await bot.expect(stub.wait_for_method("sendMessage", to_chat(other)))
    answer_slow = await bot.expect(stub.wait_for_method("sendMessage", to_chat(slow)))
    assert answer_other.index < answer_slow.index  # the other chat did not wait
    assert len(stub.find(lambda c: c.method == "sendMessage" and to_chat(slow)(c.params))) == 1
    assert await bot.terminate() == 0


async def test_429_and_500_on_the_answer_and_on_the_apology(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    user = 3005
    ru = catalog("ru")
    env = bot_env(tmp_path, stub.url)
    await migrate(env, tmp_path)
    bot = await start_bot(env)

    stub.fault("sendMessage", when=to_chat(user), status=429, retry_after=1)
    stub.fault("sendMessage", when=to_chat(user), status=500)
    await stub.push_message("/start", user_id=user, language_code="ru")
    menu = await bot.expect(stub.wait_for_method("sendMessage", to_chat(user)))
    assert ru["Main menu"] in menu.params["text"]
    assert len(stub.refused) == 2

    # The next answer is refused for good (400): the apology is sent, and it meets a 500.
    stub.fault("sendMessage", when=to_chat(user), status=400)
    stub.fault("sendMessage", when=to_chat(user), status=500)
    mark = len(stub.calls)
    await stub.push_message("/help", user_id=user, language_code="ru")
    apology = await bot.expect(stub.wait_for_method("sendMessage", to_chat(user), start=mark))
    assert apology.params["text"] == ru[SORRY]
    assert len(stub.refused) == 4
    sent = stub.find(lambda c: c.method == "sendMessage" and to_chat(user)(c.params))
    assert [c.params["text"] for c in sent].count(ru[SORRY]) == 1
    assert await bot.terminate() == 0
    assert "Traceback" not in bot.log


async def test_webhook_sigterm_mid_update_answers_it(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    user = 3006
    bot, hook = await start_webhook_bot(stub, start_bot, tmp_path)
    async with aiohttp.ClientSession() as http:
        await wait_until_serving(bot, http, hook.replace("/tg/hook", "/healthz"))
        stub.fault("sendMessage", when=to_chat(user), delay=1.0)
        arrived = len(stub.arrived)
        update = stub.message_update("/start", user_id=user, language_code="ru")
        post = asyncio.ensure_future(http.post(hook, json=update, headers=SECRET))
        await bot.expect(stub.wait_for(
            lambda c: c.method == "sendMessage" and to_chat(user)(c.params),
            among=stub.arrived, start=arrived))
        bot.proc.send_signal(signal.SIGTERM)
        async with await post as response:
            assert response.status == 200  # answered: Telegram does not send it again
    assert await bot.proc.wait() == 0, bot.log
    sent = stub.find(lambda c: c.method == "sendMessage" and to_chat(user)(c.params))
    # Seen here: the Bot API call in flight at SIGTERM is cut ("server disconnected") after
    # the stand-in took it, and the retry sends it again. Counted, and said in the README.
    print(f"webhook SIGTERM mid-call: {len(sent) - 1} duplicate answer(s)")
    assert 1 <= len(sent) <= 2
