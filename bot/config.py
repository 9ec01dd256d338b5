"""Settings read from the environment or `.env` (documented line by line in .env.example)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Locale = Literal["kk", "ru"]

# The shape @BotFather gives: the bot's numeric id, a colon, then letters, digits, _ and -.
# ASCII digits only: `\d` alone would take ١٢٣ (Arabic-Indic digits), which Telegram refuses.
BOT_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,100}")
# A Telegram id as written: ASCII digits, a minus for a group; not the looser forms a number
# is otherwise read from ("1.0", "1_000", "+5").
TELEGRAM_ID_SHAPE = re.compile(r"-?[0-9]+")
# Telegram's ids are signed 64-bit numbers (Bot API: "at most 52 significant bits").
TELEGRAM_ID_MAX = 2**63 - 1
TOO_LONG = "too long for a Telegram id (a signed 64-bit number)"
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
REDIS_SCHEMES = ("redis", "rediss", "unix")
# A training clock outside these years is a typo (0001-01-01, 9999-12-31): dates around it
# would leave the calendar (OverflowError), and no rule of ours is dated outside them.
CLOCK_YEARS = (2000, 2100)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _id_digits(value: object) -> object:
    if isinstance(value, str):
        if not TELEGRAM_ID_SHAPE.fullmatch(value.strip()):
            raise ValueError("expected a Telegram id: digits only (0-9), e.g. 123456789")
        if len(value.strip().lstrip("-")) > len(str(TELEGRAM_ID_MAX)):
            raise ValueError(TOO_LONG)  # before int(), which refuses past 4300 digits
        return int(value)
    return value


def _id_range(value: int) -> int:
    if not -TELEGRAM_ID_MAX - 1 <= value <= TELEGRAM_ID_MAX:
        raise ValueError(TOO_LONG)
    return value


def _user_id(value: int) -> int:
    if value <= 0:
        raise ValueError("a Telegram user id is a positive number")
    return value


ChatId = Annotated[int, BeforeValidator(_id_digits), AfterValidator(_id_range)]
UserId = Annotated[ChatId, AfterValidator(_user_id)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    redis_url: str | None = None
    staff_chat_id: ChatId | None = None
    staff_ids: Annotated[list[UserId], NoDecode] = Field(default_factory=list)
    default_locale: Locale = "kk"
    # The staff chat's language (cards, PDFs); empty: DEFAULT_LOCALE. A staff member in a
    # private chat reads their own /language.
    staff_locale: Locale | None = None
    timezone: str = "Asia/Almaty"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Operator overrides of the working-day calendar (comma-separated YYYY-MM-DD).
    extra_days_off: Annotated[list[dt.date], NoDecode] = Field(default_factory=list)
    extra_working_days: Annotated[list[dt.date], NoDecode] = Field(default_factory=list)
    # Training clock: "today" starts on this day and runs forward (empty in production).
    clock_start: dt.date | None = None
    # Bot API: seconds before a request is given up, and at most this many seconds of pauses
    # retrying one call (429 retry_after, 5xx, network errors, time-outs).
    telegram_timeout: float = Field(default=10.0, gt=0, le=60)
    telegram_retry_seconds: float = Field(default=20.0, ge=0, le=300)
    # Database connections; also the most updates handled at once.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # On SIGTERM, seconds to finish the updates in hand before exiting.
    shutdown_timeout: float = Field(default=20.0, ge=0, le=600)
    # Unfinished conversations (and their FSM data) are erased after this many idle days.
    data_days: int = Field(default=30, ge=1, le=3650)
    # Where application files are kept (DATA_DIR/applications/<id>/…).
    data_dir: Path = Path("data")
    # An unfinished application is erased, with its files, after this many days untouched.
    draft_days: int = Field(default=14, ge=1, le=3650)
    # Notices sent per second by this instance's outbox sender (Telegram allows about 30 in
    # all: with several instances, divide). One per second per chat whatever this is.
    outbox_rate: float = Field(default=25.0, gt=0, le=30)

    _csv = field_validator(
        "staff_ids", "extra_days_off", "extra_working_days", mode="before"
    )(_split_csv)

    @field_validator(
        "bot_token", "webhook_secret", "redis_url", "webhook_url", "staff_chat_id", "clock_start",
        "staff_locale",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("clock_start")
    @classmethod
    def _clock_in_range(cls, value: dt.date | None) -> dt.date | None:
        first, last = CLOCK_YEARS
        if value is not None and not first <= value.year <= last:
            raise ValueError(f"expected a day of the years {first} to {last}, e.g. 2015-06-01")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    # The messages never quote the value: it may hold the token or a password.
    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not BOT_TOKEN_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("not a bot token: expected digits:letters, as @BotFather gives it")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not _is_url(value, ("http", "https")):
            raise ValueError("expected an http:// or https:// URL, e.g. https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            url = None
        if url is None or url.drivername not in DATABASE_DRIVERS:
            raise ValueError(
                "expected sqlite+aiosqlite:///path/to/bot.db or "
                "postgresql+asyncpg://user:password@host:5432/database"
            )
        if url.drivername.startswith("sqlite") and _in_memory(url.database, url.query):
            # Each connection would get its own empty database, without the schema.
            raise ValueError(
                "an in-memory SQLite database keeps nothing: give a file "
                "(sqlite+aiosqlite:///data/bot.db) or a server (postgresql+asyncpg://…)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from redis.asyncio import ConnectionPool

        shape = "expected redis://host:6379/0, rediss://… or unix:///path"
        try:
            parts = urlsplit(value)
            if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
                raise ValueError(shape)
            parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
            if parts.scheme != "unix" and not re.fullmatch(r"/?[0-9]*", parts.path):
                raise ValueError(shape)  # redis-py would quietly take database 0
            # redis-py's own reading of it (the options); connects nowhere.
            ConnectionPool.from_url(value)
        except ValueError:
            raise ValueError(
                f"{shape}, with a port number and a database number"
            ) from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not _is_url(value, ("https",)):
            raise ValueError("expected the public https:// URL Telegram posts to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Self:
        # Without the secret anyone who finds the URL could post updates as any user.
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set (webhook mode)")
        return self


def _in_memory(database: str | None, options: Mapping[str, object]) -> bool:
    return (
        not database
        or database == ":memory:"
        or database.startswith("file::memory:")
        or options.get("mode") == "memory"
    )


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and " " not in value


class SettingsError(Exception):
    """One line naming the setting that is missing or malformed, or that points at nothing
    usable (bot.preflight: a Redis that does not answer, an address that cannot be listened on,
    a DATA_DIR that cannot be written) (exit code 2)."""


class StartupError(Exception):
    """One line: what the bot needs at start-up (the Bot API, the database) refused (exit 1)."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:  # only the .env file is decoded
        raise SettingsError(
            f".env: not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8"
        ) from None
    except OSError as exc:  # a .env that is a folder, or that this user may not read
        raise SettingsError(f".env: cannot be read ({type(exc).__name__})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not err["loc"]:  # a rule across settings names its setting itself
            raise SettingsError(message) from None
        raise SettingsError(f"{str(err['loc'][0]).upper()}: {message}") from None
