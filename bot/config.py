"""Settings read from the environment or `.env` (documented line by line in .env.example)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Locale = Literal["kk", "ru"]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    redis_url: str | None = None
    staff_chat_id: int | None = None
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
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
    # Where application files are kept (data/applications/<id>/…).
    data_dir: Path = Path("data")
    # An unfinished application is erased, with its files, after this many days untouched.
    draft_days: int = Field(default=14, ge=1)
    # Notices sent per second by this instance's outbox sender (Telegram allows about 30 in
    # all: with several instances, divide). One per second per chat whatever this is.
    outbox_rate: float = Field(default=25.0, gt=0, le=30)

    _csv = field_validator("staff_ids", "extra_days_off", "extra_working_days", mode="before")(
        _split_csv
    )

    @field_validator(
        "bot_token",
        "webhook_secret",
        "redis_url",
        "webhook_url",
        "staff_chat_id",
        "clock_start",
        "staff_locale",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class SettingsError(Exception):
    """One line naming the setting that is missing or malformed."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise SettingsError(f"{name}: {err['msg']}") from None
