"""What an operator writes in the environment (or .env) and what the bot makes of it."""

from __future__ import annotations

import datetime as dt
import re
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
    ],
)
def test_well_formed_settings_are_accepted(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    load_settings()


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
