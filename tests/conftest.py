"""Function-scoped fixtures: a migrated SQLite copy, the real dispatcher, a local-session bot."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from storage.db import create_engine
from storage.migrate import upgrade


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per run; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "bot.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "bot.db"
    shutil.copy(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, default_locale="kk", redis_url=None)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def bot(settings: Settings) -> Bot:
    return create_bot(settings, session=LocalSession())


@pytest.fixture
async def dp(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Dispatcher]:
    dispatcher = create_dispatcher(settings, engine=engine)
    yield dispatcher
    await dispatcher.emit_shutdown()  # background jobs, if it was started, and the storage


ChatFactory = Callable[..., LocalChat]


@pytest.fixture
def make_chat(dp: Dispatcher, bot: Bot) -> ChatFactory:
    def make(language_code: str | None = "ru", user_id: int = 100) -> LocalChat:
        return LocalChat(dp, bot, user_id=user_id, language_code=language_code)

    return make
