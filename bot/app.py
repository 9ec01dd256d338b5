"""The one factory of bots and dispatchers: production, the console and the tests all use it."""

from __future__ import annotations

import socket
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
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background
from bot.clock import Clock
from bot.commands import set_commands
from bot.config import Settings
from bot.i18n import UserLocaleMiddleware, create_i18n
from bot.middlewares import UserMiddleware
from bot.places import load_places
from bot.rules import Calendar, load_ruleset
from bot.services.drafts import purge_drafts
from bot.telegram import HarmlessRefusals, Retries
from bot.training import TrainingMark
from handlers import routers
from handlers.errors import ErrorReplyMiddleware
from storage import fsm
from storage.db import create_engine, create_session_factory, pool_capacity
from storage.fsm import SQLStorage, UnitStorage
from storage.isolation import ChatIsolation, RedisChatIsolation
from storage.retention import PURGE_EVERY_SECONDS, purge, purge_handled_updates
from storage.unit import OnceMiddleware, UnitMiddleware

# Bot API accepts any well-formed token shape; this one is never sent anywhere.
OFFLINE_TOKEN = "1:offline-console-token"


def create_clock(settings: Settings) -> Clock:
    return Clock(ZoneInfo(settings.timezone), start=settings.clock_start)


def create_bot(
    settings: Settings, session: BaseSession | None = None, *, clock: Clock | None = None
) -> Bot:
    """Give it the dispatcher's clock: on a training clock every message carries the mark."""
    if session is None:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_url),
            timeout=settings.telegram_timeout,
        )
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    session.middleware(Retries(max_wait=settings.telegram_retry_seconds))
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
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        # Enough connections for every update in flight; when all are busy, wait (redis-py's
        # default pool fails instead). A connection the server closed (a restart, an idle
        # time-out) is made again and the command tried again: a client made from a URL does
        # not retry by itself. Every command of ours is safe to repeat.
        pool = BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=redis_connections(settings), timeout=30,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        kept = timedelta(days=settings.data_days)  # idle conversations expire, as in SQL
        return RedisStorage(
            Redis(connection_pool=pool),
            # Conversations of another destiny or business connection never share a key.
            key_builder=DefaultKeyBuilder(with_destiny=True, with_business_connection_id=True),
            state_ttl=kept,
            data_ttl=kept,
            json_loads=fsm.loads,  # the FSM data's JSON, as in the update's buffer
            json_dumps=fsm.dumps,
        )
    return SQLStorage(sessions)


def redis_connections(settings: Settings) -> int:
    # One per update in flight (an update asks Redis one thing at a time), and a few for
    # background work.
    return settings.db_pool_size + 4


def create_isolation(storage: BaseStorage, settings: Settings) -> BaseEventIsolation:
    """One update at a time per chat, so two quick taps never overwrite each other's answer:
    across instances through Redis, within one process otherwise."""
    from aiogram.fsm.storage.redis import RedisStorage

    if isinstance(storage, RedisStorage):
        return RedisChatIsolation(storage, owner=instance_name(settings))
    return ChatIsolation()


def instance_name(settings: Settings) -> str:
    """The same after a restart, different for each instance: on one host, instances behind a
    load balancer listen on different ports; a bot's polling runs once (Telegram allows one)."""
    where = str(settings.webhook_port) if settings.webhook_url else "polling"
    return f"{socket.gethostname()}:{where}"


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
    engine = engine or create_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = create_session_factory(engine)
    storage = storage or create_storage(settings, sessions)
    if clock is None:
        clock = Clock.fixed(today()) if today is not None else create_clock(settings)
    dp = Dispatcher(
        # Read once and written once per update, in the update's transaction.
        storage=UnitStorage(storage),
        events_isolation=create_isolation(storage, settings),
        # Registered below, after the unit of work it reads the state in.
        disable_fsm=True,
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
    # Background work (the outbox sender, the digest) opens its own sessions, outside updates.
    dp["sessions"] = sessions
    # Order matters (storage.unit): polite errors around everything (a failure to open
    # the session or read the state gets the apology too; a failed update's writes are rolled
    # back), the update's unit of work, the chat's lock and state, handled once, the user's
    # record, their language.
    in_flight = min(settings.db_pool_size, pool_capacity(engine) or settings.db_pool_size)
    dp.update.outer_middleware(ErrorReplyMiddleware(i18n))
    dp.update.outer_middleware(UnitMiddleware(sessions, limit=in_flight))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(OnceMiddleware())
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
    background.every(
        PURGE_EVERY_SECONDS, partial(purge_handled_updates, sessions),
        name="purge of handled update ids",
    )
    background.every(PURGE_EVERY_SECONDS, partial(purge_drafts, sessions, settings, clock),
                     name="purge of expired application drafts")
    dp.startup.register(set_commands)
    dp.shutdown.register(close_resources)
    return dp
