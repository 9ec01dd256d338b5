"""End to end over real HTTP: `python -m bot` as a subprocess against a stand-in Bot API.

The bot runs exactly as in production (its own interpreter, settings from the environment, the
migrated SQLite file, aiogram's aiohttp session); only Telegram is replaced by
:class:`~tests.e2e.bot_api_stub.BotAPIStub`. Each subprocess runs in a temporary directory, so no
developer `.env` is read, and its output goes to a file that is printed when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from babel.messages.pofile import read_po

from tests.e2e.bot_api_stub import JSON, BotAPIStub, Call

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"
WAIT = 20.0  # seconds, for any one thing the bot should do
# The only variables taken from the developer's environment: nothing that configures the bot.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")

T = TypeVar("T")


def base_env(**settings: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(settings)
    return env


def bot_env(workdir: Path, api_url: str, **settings: str) -> dict[str, str]:
    defaults = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}",
        "DEFAULT_LOCALE": "kk",
        "REDIS_URL": "",
        "WEBHOOK_URL": "",
    }
    return base_env(**{**defaults, **settings})


def catalog(locale: str) -> dict[str, str]:
    """msgid -> msgstr of a locale's .po file (the source the compiled .mo is built from)."""
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        po = read_po(file, locale=locale)
    return {str(m.id): str(m.string) for m in po if m.id and isinstance(m.id, str) and m.string}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def buttons(params_or_message: JSON) -> list[str]:
    markup = params_or_message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def to_chat(chat_id: int) -> Callable[[JSON], bool]:
    return lambda params: str(params.get("chat_id")) == str(chat_id)


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def migrate(env: dict[str, str], cwd: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate",
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, f"migrate exited {proc.returncode}:\n{out.decode()}"


class BotProcess:
    """`python -m bot ...` running in the background, its output in a file."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log_path = log

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def expect(self, awaitable: Awaitable[T], timeout: float = WAIT) -> T:
        """Await, but fail at once (with the bot's output) if the bot exits meanwhile."""
        task = asyncio.ensure_future(awaitable)
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            done, _ = await asyncio.wait(
                {task, exited}, timeout=timeout + 1, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                return task.result()
            if exited in done:
                pytest.fail(f"the bot exited with {self.proc.returncode}:\n{self.log}")
            pytest.fail(f"timed out after {timeout} s")
        finally:
            for pending in (task, exited):
                pending.cancel()

    async def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code; fails if the bot is still running after ``timeout``."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            pytest.fail(f"the bot did not exit within {timeout} s of SIGTERM:\n{self.log}")


StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def stub() -> AsyncIterator[BotAPIStub]:
    async with BotAPIStub(token=TOKEN) as api:
        yield api


@pytest.fixture
async def start_bot(tmp_path: Path) -> AsyncIterator[StartBot]:
    """Starts `python -m bot [args]`; kills whatever is left and prints its output at the end.

    pytest shows the printed output only for a failed test.
    """
    started: list[tuple[BotProcess, Any]] = []

    async def start(env: dict[str, str], *args: str) -> BotProcess:
        log = tmp_path / f"bot-{len(started)}.log"
        out = log.open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args,
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )
        started.append((BotProcess(proc, log), out))
        return started[-1][0]

    try:
        yield start
    finally:
        for bot, out in started:
            if bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()
            out.close()
            print(f"----- python -m bot (exit {bot.proc.returncode}) -----\n{bot.log}")


# ---- long polling ---------------------------------------------------------------------------


async def test_polling_start_language_menu_in_both_languages(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    kk, ru = catalog("kk"), catalog("ru")
    env = bot_env(tmp_path, stub.url)
    await migrate(env, tmp_path)
    bot = await start_bot(env)

    # User A: Telegram says "en", which the bot does not speak: it asks, in both languages.
    mark = len(stub.calls)
    await stub.push_message("/start", user_id=1001, language_code="en")
    choice = await bot.expect(stub.wait_for_method("sendMessage", to_chat(1001), start=mark))
    assert sorted(buttons(choice.params)) == ["lang:kk", "lang:ru"]

    mark = len(stub.calls)
    press = await stub.push_callback("lang:kk", choice.result, language_code="en")
    answered = await bot.expect(stub.wait_for_method(
        "answerCallbackQuery",
        lambda p: p.get("callback_query_id") == press["callback_query"]["id"],
        start=mark,
    ))
    menu_a = await bot.expect(stub.wait_for_method("sendMessage", to_chat(1001), start=mark))
    assert kk["Main menu"] in menu_a.params["text"]  # "Басты мәзір"
    assert "Басты мәзір" in menu_a.params["text"]
    assert ru["Main menu"] not in menu_a.params["text"]
    assert_menu_keyboard(menu_a)
    # The choice message itself was edited to confirm the language, in Kazakh.
    edits = stub.find(
        lambda c: c.method == "editMessageText" and to_chat(1001)(c.params), start=mark
    )
    assert [int(c.params["message_id"]) for c in edits] == [choice.result["message_id"]]
    assert edits[0].params["text"] == kk["Language: English"]
    assert answered.index < menu_a.index

    # User B: Telegram says "ru": straight to the menu, in Russian.
    mark = len(stub.calls)
    await stub.push_message("/start", user_id=1002, language_code="ru")
    menu_b = await bot.expect(stub.wait_for_method("sendMessage", to_chat(1002), start=mark))
    assert "Главное меню" in menu_b.params["text"]
    assert ru["Main menu"] in menu_b.params["text"]
    assert kk["Main menu"] not in menu_b.params["text"]
    assert_menu_keyboard(menu_b)

    # The command menu was set per language, translated.
    for locale, po in (("kk", kk), ("ru", ru)):
        call = await bot.expect(stub.wait_for_method(
            "setMyCommands", lambda p, loc=locale: p.get("language_code") == loc
        ))
        described = {c["command"]: c["description"] for c in call.params["commands"]}
        assert {"start", "menu", "help", "language", "cancel"} <= described.keys()
        assert described["start"] == po["Start again"]
        assert described["menu"] == po["Main menu"]
        assert described["help"] == po["Help"]
        assert described["start"] != "Start again"
    assert stub.find(lambda c: c.method == "deleteWebhook")

    # SIGTERM: aiogram stops polling, the dispatcher shuts down, the process exits 0.
    code = await bot.terminate()
    assert code == 0, bot.log
    assert "Traceback" not in bot.log, bot.log


def assert_menu_keyboard(call: Call) -> None:
    data = buttons(call.params)
    assert len(data) >= 5, data
    assert all(item.startswith("m:") for item in data), data
    assert "m:check" in data, data
    # Telegram echoes the keyboard on the message the bot gets back.
    assert buttons(call.result) == data


# ---- webhook --------------------------------------------------------------------------------


async def wait_until_serving(bot: BotProcess, http: aiohttp.ClientSession, url: str) -> int:
    async def probe() -> int:
        while True:
            try:
                async with http.get(url) as response:
                    assert (await response.json()) == {"status": "ok"}
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)

    return await bot.expect(probe())


SECRET = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
# What Telegram is told (HTTPS, behind a reverse proxy); the bot listens on its path locally.
PUBLIC_HOOK = "https://bot.example.org/tg/hook"


async def start_webhook_bot(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> tuple[BotProcess, str]:
    """`python -m bot` in webhook mode on a free port; returns it and its local webhook URL."""
    port = free_port()
    hook = f"http://127.0.0.1:{port}/tg/hook"
    env = bot_env(
        tmp_path,
        stub.url,
        WEBHOOK_URL=PUBLIC_HOOK,
        WEBHOOK_SECRET="s3cret",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    await migrate(env, tmp_path)
    bot = await start_bot(env)
    return bot, hook


async def test_webhook_mode(stub: BotAPIStub, start_bot: StartBot, tmp_path: Path) -> None:
    bot, hook = await start_webhook_bot(stub, start_bot, tmp_path)

    registered = await bot.expect(stub.wait_for_method("setWebhook"))
    assert registered.params["url"] == PUBLIC_HOOK
    assert registered.params["secret_token"] == "s3cret"

    secret = SECRET
    async with aiohttp.ClientSession() as http:
        healthz = hook.replace("/tg/hook", "/healthz")
        assert await wait_until_serving(bot, http, healthz) == 200

        # Without the secret, or with a wrong one, aiogram's handler answers 401 and drops it.
        intruder = stub.message_update("/start", user_id=2002, language_code="ru")
        async with http.post(hook, json=intruder) as response:
            assert response.status == 401
        async with http.post(
            hook, json=intruder, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        ) as response:
            assert response.status == 401

        mark = len(stub.calls)
        update = stub.message_update("/start", user_id=2001, language_code="en")
        async with http.post(hook, json=update, headers=secret) as response:
            assert response.status == 200
        choice = await bot.expect(stub.wait_for_method("sendMessage", to_chat(2001), start=mark))
        assert sorted(buttons(choice.params)) == ["lang:kk", "lang:ru"]

        mark = len(stub.calls)
        press = stub.callback_update("lang:ru", choice.result, language_code="en")
        async with http.post(hook, json=press, headers=secret) as response:
            assert response.status == 200
        menu = await bot.expect(stub.wait_for_method("sendMessage", to_chat(2001), start=mark))
        assert "Главное меню" in menu.params["text"]
        assert_menu_keyboard(menu)

    assert not stub.find(lambda c: to_chat(2002)(c.params)), "a rejected update was handled"
    # Webhook mode never polls, and the commands are set there too.
    assert stub.find(lambda c: c.method == "setMyCommands" and c.params.get("language_code"))
    assert not stub.find(lambda c: c.method == "deleteWebhook")


async def test_webhook_mode_exits_cleanly_on_sigterm(
    stub: BotAPIStub, start_bot: StartBot, tmp_path: Path
) -> None:
    """Like polling: SIGTERM stops the server, runs the shutdown hooks and exits 0."""
    bot, hook = await start_webhook_bot(stub, start_bot, tmp_path)
    async with aiohttp.ClientSession() as http:
        await wait_until_serving(bot, http, hook.replace("/tg/hook", "/healthz"))
        mark = len(stub.calls)
        update = stub.message_update("/start", user_id=2003, language_code="kk")
        async with http.post(hook, json=update, headers=SECRET) as response:
            assert response.status == 200
        await bot.expect(stub.wait_for_method("sendMessage", to_chat(2003), start=mark))

    code = await bot.terminate()
    assert code == 0, f"exit {code} (a negative code is the signal that killed it):\n{bot.log}"
    assert "Traceback" not in bot.log, bot.log


# ---- the command line -----------------------------------------------------------------------


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    result = run_cli(env=env, cwd=tmp_path)
    assert result.returncode == 2, result
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "abc"),
        ("STAFF_IDS", "1,two"),
        ("WEBHOOK_PORT", "70000"),
        ("DEFAULT_LOCALE", "en"),
        ("TIMEZONE", "Nowhere/Town"),
        ("EXTRA_DAYS_OFF", "2025-13-01"),
    ],
)
def test_malformed_setting_exits_2_naming_it(tmp_path: Path, name: str, value: str) -> None:
    env = bot_env(tmp_path, "http://127.0.0.1:9", **{name: value})
    result = run_cli(env=env, cwd=tmp_path)
    assert result.returncode == 2, result
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert name in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_help_lists_the_subcommands(tmp_path: Path) -> None:
    result = run_cli("--help", env=base_env(), cwd=tmp_path)
    assert result.returncode == 0, result
    for command in ("run", "console", "migrate", "eligibility"):
        assert re.search(rf"\b{command}\b", result.stdout), result.stdout
