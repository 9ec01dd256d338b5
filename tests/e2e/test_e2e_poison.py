"""One update aiogram cannot read costs that update only: long polling goes on for everyone.

Over real HTTP: `python -m bot` polls the stand-in Bot API, which hands it, among good updates,
a poll message without the fields this aiogram requires (as a newer Telegram sends).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tests.e2e.bot_api_stub import BotAPIStub
from tests.e2e.test_e2e_http import StartBot, bot_env, migrate, to_chat


async def until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.05)


def unreadable_poll(stub: BotAPIStub, user_id: int) -> dict[str, object]:
    """A poll without ``allows_revoting``, ``members_only`` and the options' ``persistent_id``."""
    update = stub.message_update("-", user_id=user_id)
    message = dict(update["message"])  # type: ignore[arg-type]
    del message["text"]
    message["poll"] = {
        "id": "p1", "question": "?", "options": [{"text": "a", "voter_count": 0}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
        "type": "regular", "allows_multiple_answers": False,
    }
    return {**update, "message": message}


async def test_an_unreadable_update_is_skipped_and_the_others_answered(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    env = bot_env(tmp_path, stub.url)
    await migrate(env, tmp_path)
    bot = await start_bot(env)

    mark = len(stub.calls)
    await stub.push_message("/start", user_id=2001, language_code="ru")
    poison = await stub.push_update(unreadable_poll(stub, 2002))
    await stub.push_message("/start", user_id=2003, language_code="kk")
    await bot.expect(stub.wait_for_method("sendMessage", to_chat(2001), start=mark))
    await bot.expect(stub.wait_for_method("sendMessage", to_chat(2003), start=mark))

    mark = len(stub.calls)
    await stub.push_message("/start", user_id=2004, language_code="ru")
    await bot.expect(stub.wait_for_method("sendMessage", to_chat(2004), start=mark))
    # Confirmed to Telegram (the offset passed it): it is not given again.
    await bot.expect(until(lambda: poison not in stub.pending_updates))

    assert f"update {poison['update_id']} (message) could not be read: skipped" in bot.log
    assert "Traceback" not in bot.log and "getUpdates failed" not in bot.log, bot.log
    assert await bot.terminate() == 0
