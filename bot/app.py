"""The one factory of bots and dispatchers: production, the console and the tests all use it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background
from bot.clock import Clock
from bot.commands import set_commands
from bot.config import Settings
from bot.i18n import UserLocaleMiddleware, create_i18n
from bot.middlewares import DbSessionMiddleware, UserMiddleware
from bot.places import load_places
from bot.rules import Calendar, load_ruleset
from bot.services.drafts import purge_drafts
from bot.telegram import HarmlessRefusals
from bot.training import TrainingMark
from handlers import routers
from handlers.errors import ErrorReplyMiddleware
from storage.db import create_engine, create_session_factory
from storage.fsm import SQLStorage
from storage.retention import PURGE_EVERY_SECONDS, purge

# Bot API accepts any well-formed token shape; this one is never sent anywhere.
OFFLINE_TOKEN = "1:offline-console-token"


def create_clock(settings: Settings) -> Clock:
    return Clock(ZoneInfo(settings.timezone), start=settings.clock_start)


def create_bot(
    settings: Settings, session: BaseSession | None = None, *, clock: Clock | None = None
) -> Bot:
    """Give it the dispatcher's clock: on a training clock every message carries the mark."""
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    session.middleware(HarmlessRefusals())
    clock = clock or create_clock(settings)
    if clock.training:
        session.middleware(TrainingMark(clock, create_i18n(settings.default_locale)))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_storage(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        kept = timedelta(days=settings.data_days)  # idle conversations expire, as in SQL
        return RedisStorage.from_url(
            settings.redis_url,
            # Conversations of another destiny or business connection never share a key.
            key_builder=DefaultKeyBuilder(with_destiny=True, with_business_connection_id=True),
            state_ttl=kept,
            data_ttl=kept,
        )
    return SQLStorage(sessions)


def create_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """One update at a time per chat, so two quick taps never overwrite each other's answer:
    across instances through Redis, within one process otherwise."""
    from aiogram.fsm.storage.redis import RedisStorage

    if isinstance(storage, RedisStorage):
        return storage.create_isolation()
    return SimpleEventIsolation()


def create_dispatcher(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    storage: BaseStorage | None = None,
    today: Callable[[], date] | None = None,
    clock: Clock | None = None,
) -> Dispatcher:
    """Wire middlewares, routers and shared services; the caller owns the bot."""
    own_engine = engine is None
    engine = engine or create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    storage = storage or create_storage(settings, sessions)
    if clock is None:
        clock = Clock.fixed(today()) if today is not None else create_clock(settings)
    dp = Dispatcher(
        storage=storage,
        events_isolation=create_isolation(storage),
        settings=settings,
        ruleset=load_ruleset(),
        places=load_places(),  # where to apply: the offices, edited by the operator
        # The law in force, the MCI and the deadlines depend on the day; tests fix it.
        clock=clock,
        today=clock.today,
        calendar=Calendar(
            extra_days_off=frozenset(settings.extra_days_off),
            extra_working_days=frozenset(settings.extra_working_days),
        ),
    )
    i18n = create_i18n(settings.default_locale)
    dp["i18n"] = i18n
    # Background work (the outbox sender, the digest) opens its own sessions.
    dp["sessions"] = sessions
    # Order matters: polite errors around everything (a failure to open the session or read
    # the user's record gets the apology too), a session, the user's record, their language.
    dp.update.outer_middleware(ErrorReplyMiddleware(i18n))
    dp.update.outer_middleware(DbSessionMiddleware(sessions))
    dp.update.outer_middleware(UserMiddleware())
    dp.update.outer_middleware(UserLocaleMiddleware(i18n))
    dp.include_routers(*routers())

    async def close_resources() -> None:
        await dp.storage.close()
        if own_engine:
            await engine.dispose()

    # Periodic jobs (`dp["background"].every(...)`) stop before the resources they use close.
    background = dp["background"] = Background()
    background.attach(dp)
    background.every(
        PURGE_EVERY_SECONDS,
        partial(purge, sessions, older_than=timedelta(days=settings.data_days)),
        name="purge of idle conversations",
    )
    background.every(PURGE_EVERY_SECONDS, partial(purge_drafts, sessions, settings, clock),
                     name="purge of expired application drafts")
    dp.startup.register(set_commands)
    dp.shutdown.register(close_resources)
    return dp
