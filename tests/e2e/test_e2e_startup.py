"""Start-up as an operator meets it, over real HTTP: `python -m bot` on a brand-new database,
a setting that is wrong, a Bot API that does not answer, a webhook fed garbage.

Each wrong thing is one line naming what to fix, with no traceback and never the token.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.e2e import test_e2e_http as e2e
from tests.e2e.bot_api_stub import BotAPIStub
from tests.e2e.test_e2e_http import (
    SECRET,
    TOKEN,
    StartBot,
    bot_env,
    free_port,
    run_cli,
    start_webhook_bot,
    stderr_lines,
    to_chat,
    wait_until_serving,
)
from tests.storage.conftest import postgres_database

# The fixtures of the HTTP tests: the Bot API stand-in and `python -m bot` in the background.
stub = e2e.stub
start_bot = e2e.start_bot
SECRET_HALF = TOKEN.partition(":")[2]

# ---- a brand-new database -------------------------------------------------------------------


async def _answers_start(stub: BotAPIStub, start_bot: StartBot, env: dict[str, str]) -> None:
    bot = await start_bot(env)  # no `python -m bot migrate` first
    await stub.push_message("/start", user_id=3001, language_code="ru")
    menu = await bot.expect(stub.wait_for_method("sendMessage", to_chat(3001)))
    assert "Главное меню" in menu.params["text"], bot.log
    assert await bot.terminate() == 0, bot.log
    assert "Traceback" not in bot.log, bot.log


async def test_a_brand_new_sqlite_database_answers_start(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    fresh = tmp_path / "nothing-here-yet"
    await _answers_start(stub, start_bot, bot_env(fresh, stub.url))
    assert (fresh / "bot.db").is_file()


async def test_a_brand_new_postgresql_database_answers_start(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    async with postgres_database() as url:
        await _answers_start(stub, start_bot, bot_env(tmp_path, stub.url, DATABASE_URL=url))


# ---- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("TELEGRAM_API_URL", {"TELEGRAM_API_URL": "notaurl"}),
        ("BOT_TOKEN", {"BOT_TOKEN": "abc"}),
        ("DATABASE_URL", {"DATABASE_URL": "garbage"}),
        ("DATABASE_URL", {"DATABASE_URL": "mysql://sozak:pw@127.0.0.1/sozak"}),
        ("REDIS_URL", {"REDIS_URL": "garbage"}),
        ("WEBHOOK_URL", {"WEBHOOK_URL": "not a url", "WEBHOOK_SECRET": "s3cret"}),
        ("WEBHOOK_SECRET", {"WEBHOOK_URL": "https://bot.example.org/hook"}),
        ("WEBHOOK_SECRET", {"WEBHOOK_URL": "https://bot.example.org/hook",
                            "WEBHOOK_SECRET": "not allowed!"}),
        ("DATA_DAYS", {"DATA_DAYS": "0"}),
        ("CLOCK_START", {"CLOCK_START": "2015-02-30"}),
    ],
)
def test_a_wrong_setting_stops_the_bot_with_one_line(
    tmp_path: Path, name: str, settings: dict[str, str]
) -> None:
    result = run_cli(env=bot_env(tmp_path, "http://127.0.0.1:9", **settings), cwd=tmp_path)

    assert result.returncode == 2, result
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"{name}: "), result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert SECRET_HALF not in output


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    result = run_cli(env=bot_env(tmp_path, api), cwd=tmp_path)

    assert result.returncode == 1, result
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("TELEGRAM_API_URL: "), result.stderr
    assert api in lines[0]
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert SECRET_HALF not in output


async def test_a_refused_token_is_one_line(start_bot: StartBot, tmp_path: Path) -> None:
    async with BotAPIStub(token="654321:another-bot") as other:
        bot = await start_bot(bot_env(tmp_path, other.url))
        code = await bot.expect(bot.proc.wait())

    assert code == 1, bot.log
    lines = [line for line in bot.log.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("BOT_TOKEN: "), bot.log
    assert SECRET_HALF not in bot.log


# ---- the webhook -------------------------------------------------------------------------

MARKER = "IIN 900101300123"


MALFORMED = [
    b"not json at all " + MARKER.encode(),
    b"\xff\xfe" + MARKER.encode("utf-16-le"),
    b'["' + MARKER.encode() + b'"]',
    b'{"update_id": "x", "message": {"text": "' + MARKER.encode() + b'"}}',
    b'{"message": {"text": "' + MARKER.encode() + b'"}}',
    b"",
]


async def test_a_malformed_webhook_body_gets_400_and_leaves_no_trace(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    bot, hook = await start_webhook_bot(stub, start_bot, tmp_path)
    async with aiohttp.ClientSession() as http:
        await wait_until_serving(bot, http, hook.replace("/tg/hook", "/healthz"))
        headers = {**SECRET, "Content-Type": "application/json"}
        for body in MALFORMED:
            async with http.post(hook, data=body, headers=headers) as response:
                assert response.status == 400, body
                assert MARKER not in await response.text()

        # The bot goes on serving well-formed updates.
        mark = len(stub.calls)
        update = stub.message_update("/start", user_id=2101, language_code="ru")
        async with http.post(hook, json=update, headers=SECRET) as response:
            assert response.status == 200
        await bot.expect(stub.wait_for_method("sendMessage", to_chat(2101), start=mark))

    assert await bot.terminate() == 0, bot.log
    assert "Traceback" not in bot.log, bot.log
    assert "900101300123" not in bot.log, bot.log
    assert bot.log.count("malformed body") == len(MALFORMED), bot.log
