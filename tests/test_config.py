"""What an operator writes in the environment (or .env) and what the bot makes of it."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.__main__ import main
from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the machine's environment or a developer's .env."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_environment() -> None:
    settings = load_settings()

    assert settings.bot_token is None
    assert settings.default_locale == "kk"
    assert settings.staff_ids == []
    assert settings.redis_url is None
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


def test_staff_ids_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_IDS", "1, 2")

    assert load_settings().staff_ids == [1, 2]


def test_empty_lists_and_optional_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_IDS", "")
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("WEBHOOK_URL", "")
    monkeypatch.setenv("STAFF_CHAT_ID", "")

    settings = load_settings()

    assert settings.staff_ids == []
    assert settings.redis_url is None
    assert settings.webhook_url is None
    assert settings.staff_chat_id is None


def test_calendar_overrides_are_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRA_DAYS_OFF", "2026-03-23, 2026-03-24")
    monkeypatch.setenv("EXTRA_WORKING_DAYS", "2026-03-28")

    settings = load_settings()

    assert settings.extra_days_off == [dt.date(2026, 3, 23), dt.date(2026, 3, 24)]
    assert settings.extra_working_days == [dt.date(2026, 3, 28)]


def test_the_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STAFF_IDS=7\nDEFAULT_LOCALE=ru\n", encoding="utf-8")

    settings = load_settings()

    assert settings.staff_ids == [7]
    assert settings.default_locale == "ru"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "1, two"),
        ("STAFF_IDS", "1;2"),
        ("DEFAULT_LOCALE", "en"),
        ("WEBHOOK_PORT", "0"),
        ("TIMEZONE", "Asia/Nowhere"),
        ("EXTRA_DAYS_OFF", "23.03.2026"),
        ("STAFF_CHAT_ID", "staff"),
        ("BOT_TOKEN", "abc"),
        ("BOT_TOKEN", "123456"),
        ("BOT_TOKEN", "abc:123456"),
        ("BOT_TOKEN", "123456:with space"),
        ("TELEGRAM_API_URL", "notaurl"),
        ("TELEGRAM_API_URL", "ftp://api.telegram.org"),
        ("TELEGRAM_API_URL", "https://"),
        ("DATABASE_URL", "garbage"),
        ("DATABASE_URL", "mysql://user:pw@127.0.0.1/sozak"),
        ("DATABASE_URL", "sqlite:///data/bot.db"),  # a driver that blocks the event loop
        ("DATABASE_URL", "postgresql://user@127.0.0.1/sozak"),
        ("REDIS_URL", "garbage"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("WEBHOOK_URL", "not a url"),
        ("WEBHOOK_URL", "http://bot.example.org/hook"),  # Telegram posts to HTTPS only
        ("WEBHOOK_SECRET", "has space"),
        ("WEBHOOK_SECRET", "x" * 257),
        ("WEBHOOK_SECRET", "ключ"),
        ("DATA_DAYS", "0"),
        ("DATA_DAYS", "month"),
        ("CLOCK_START", "2015-02-30"),
        # Accepted once, and the bot broke later (OverflowError, every update apologising).
        ("STAFF_CHAT_ID", "99999999999999999999"),  # past Telegram's signed 64 bits
        ("STAFF_CHAT_ID", "-1_001"),
        ("STAFF_IDS", "1.0"),
        ("STAFF_IDS", "1" * 40),
        ("STAFF_IDS", "1" * 5000),  # past what int() reads at all
        ("STAFF_IDS", "١٢٣"),  # Arabic-Indic digits
        ("STAFF_IDS", "+5"),
        ("STAFF_IDS", "-5"),  # a user id is positive (a group's is not a staff member)
        ("DATABASE_URL", "sqlite+aiosqlite://"),  # in memory: nothing kept, no schema
        ("DATABASE_URL", "sqlite+aiosqlite:///:memory:"),
        ("DATABASE_URL", "sqlite+aiosqlite:///file:bot?mode=memory&uri=true"),
        ("REDIS_URL", "redis://127.0.0.1:notaport/0"),
        ("REDIS_URL", "redis://127.0.0.1:6379/zero"),
        ("REDIS_URL", "redis://[::1/0"),
        ("CLOCK_START", "0001-01-01"),
        ("CLOCK_START", "1999-12-31"),
        ("CLOCK_START", "2101-01-01"),
        ("CLOCK_START", "9999-12-31"),
        ("BOT_TOKEN", "١٢٣:abc"),
        # Values that are (or contain) a token or a password: never quoted back.
        ("BOT_TOKEN", "123456:AAH secret token"),
        ("TELEGRAM_API_URL", "notaurl/bot123456:AAH-secret"),
        ("DATABASE_URL", "mysql://sozak:AAH-secret@127.0.0.1/sozak"),
        ("WEBHOOK_SECRET", "AAH secret"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    assert raised.value.__cause__ is None  # no pydantic wall of text chained to it
    assert "secret" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "123456:AAH-secret_Token"),
        ("TELEGRAM_API_URL", "http://127.0.0.1:8081"),
        ("TELEGRAM_API_URL", "https://api.telegram.org"),
        ("DATABASE_URL", "sqlite+aiosqlite:///data/bot.db"),
        ("DATABASE_URL", "postgresql+asyncpg://sozak:pw%40rd@127.0.0.1:5432/sozak"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("REDIS_URL", "rediss://user:pw@redis.example.org:6380/1"),
        ("REDIS_URL", "unix:///run/redis/redis.sock"),
        ("WEBHOOK_SECRET", "A-z_0-9"),
        ("WEBHOOK_SECRET", "s" * 256),
        ("DATA_DAYS", "7"),
        ("STAFF_CHAT_ID", "-1001234567890"),
        ("STAFF_CHAT_ID", str(2**63 - 1)),
        ("STAFF_IDS", f"1, {2**63 - 1}"),
        ("CLOCK_START", "2000-01-01"),
        ("CLOCK_START", "2100-12-31"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("REDIS_URL", "unix:///run/redis/redis.sock?db=2"),
    ],
)
def test_well_formed_settings_are_accepted(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    load_settings()


def test_telegram_ids_are_read_as_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("STAFF_IDS", "111, 222")

    settings = load_settings()

    assert settings.staff_chat_id == -1001234567890
    assert settings.staff_ids == [111, 222]


def test_webhook_mode_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg/hook")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert str(raised.value).startswith("WEBHOOK_SECRET: ")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    assert load_settings().webhook_url == "https://bot.example.org/tg/hook"


def test_data_is_kept_30_days_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().data_days == 30
    monkeypatch.setenv("DATA_DAYS", "90")
    assert load_settings().data_days == 90


def test_the_command_line_reports_a_bad_setting_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "en")

    assert main(["migrate"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.startswith("DEFAULT_LOCALE: ")
    assert "\n" not in err


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:SECRET-token-value")
    monkeypatch.setenv("WEBHOOK_SECRET", "hook-secret-value")

    settings = load_settings()

    assert isinstance(settings.bot_token, SecretStr)
    assert isinstance(settings.webhook_secret, SecretStr)
    assert settings.bot_token.get_secret_value() == "123456:SECRET-token-value"
    for shown in (repr(settings), str(settings), str(settings.model_dump())):
        assert "SECRET-token-value" not in shown
        assert "hook-secret-value" not in shown


def test_an_empty_token_line_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "")
    monkeypatch.setenv("WEBHOOK_SECRET", "")

    settings = load_settings()

    assert settings.bot_token is None
    assert settings.webhook_secret is None


def _documented_names(text: str) -> list[str]:
    # `NAME=` at the start of a line; a commented-out `# NAME=` documents an optional one.
    return re.findall(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def test_env_example_documents_every_setting() -> None:
    example = ROOT / ".env.example"
    assert example.is_file(), ".env.example is missing: operators copy it to .env"

    documented = _documented_names(example.read_text(encoding="utf-8"))

    assert sorted(set(ENV_NAMES) - set(documented)) == [], "settings not in .env.example"
    assert sorted(set(documented) - set(ENV_NAMES)) == [], "unknown names in .env.example"


def test_env_example_is_a_valid_configuration(tmp_path: Path) -> None:
    example = ROOT / ".env.example"
    assert example.is_file(), ".env.example is missing: operators copy it to .env"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")

    load_settings()  # copying the example must not make the bot refuse to start


# ---- `python -m bot` as an operator starts it: one line naming the setting, exit code 2 -----

# Only what runs Python: nothing that configures the bot comes from the developer's machine.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def run_bot(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    env.update({
        "BOT_TOKEN": "123456:TEST-token",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # never reached: the checks come first
        "DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'bot.db'}",
        **settings,
    })
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
        capture_output=True, text=True, timeout=60, check=False,
    )


def one_line_naming(result: subprocess.CompletedProcess[str], name: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{name}: "), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert "TEST-token" not in result.stdout + result.stderr
    return lines[0]


def a_closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_CHAT_ID", "99999999999999999999"),
        ("STAFF_IDS", "1.0"),
        ("STAFF_IDS", "1" * 40),
        ("DATABASE_URL", "sqlite+aiosqlite://"),
        ("REDIS_URL", "redis://127.0.0.1:notaport/0"),
        ("CLOCK_START", "0001-01-01"),
        ("CLOCK_START", "9999-12-31"),
        ("BOT_TOKEN", "١٢٣:abc"),
    ],
)
def test_a_setting_that_would_break_the_bot_stops_it_at_once(
    tmp_path: Path, name: str, value: str
) -> None:
    one_line_naming(run_bot(tmp_path, **{name: value}), name)


def test_a_redis_nobody_answers_at_is_found_at_start(tmp_path: Path) -> None:
    port = a_closed_port()

    line = one_line_naming(
        run_bot(tmp_path, REDIS_URL=f"redis://:pass-word@127.0.0.1:{port}/0"), "REDIS_URL"
    )

    assert f"127.0.0.1:{port}" in line
    assert "pass-word" not in line
    assert not (tmp_path / "bot.db").exists()  # stopped before anything was done


def test_a_data_dir_that_cannot_be_written_is_found_at_start(tmp_path: Path) -> None:
    # A path through a file: not writable whoever runs the tests (root ignores permissions).
    (tmp_path / "a-file").write_text("x")

    for command in ("run", "console"):
        line = one_line_naming(
            run_bot(tmp_path, command, DATA_DIR=str(tmp_path / "a-file" / "data")), "DATA_DIR"
        )
        assert "a-file" in line


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_a_webhook_host_that_cannot_be_listened_on_is_one_line(tmp_path: Path, host: str) -> None:
    """192.0.2.1 is a documentation address, on no machine's interface."""
    line = one_line_naming(
        run_bot(tmp_path, WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_SECRET="s3cret",
                WEBHOOK_HOST=host, WEBHOOK_PORT="8443"),
        "WEBHOOK_HOST",
    )

    assert f"{host}:8443" in line


def test_a_webhook_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        line = one_line_naming(
            run_bot(tmp_path, WEBHOOK_URL="https://bot.example.org/hook",
                    WEBHOOK_SECRET="s3cret", WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port)),
            "WEBHOOK_PORT",
        )

    assert f"127.0.0.1:{port}" in line


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_a_dotenv_in_utf16_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / ".env").write_text("STAFF_IDS=7\n", encoding="utf-16")

    line = one_line_naming(run_bot(tmp_path, command), ".env")

    assert "UTF-8" in line
