"""Two senders, each with its own engine, over one outbox on PostgreSQL: each notice once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from pydantic import SecretStr

from bot.app import create_bot
from bot.clock import Clock
from bot.config import Settings
from bot.services.outbox_sender import OutboxSender, SenderConfig
from bot.services.throttle import Throttle
from storage.db import create_engine, create_session_factory
from storage.outbox import OutboxRepo
from tests.e2e.faulty_bot_api import SERVER_ERROR, FaultyBotAPIStub
from tests.storage.conftest import migrated_engine, postgres_database

NOTICES = 300


async def test_two_senders_on_postgresql_send_each_notice_exactly_once() -> None:
    async with postgres_database() as url, migrated_engine(url) as engine, \
            FaultyBotAPIStub() as stub:
        sessions = create_session_factory(engine)
        now = datetime(2015, 6, 1, 4, 0, tzinfo=UTC)
        async with sessions() as session:
            repo = OutboxRepo(session)
            for i in range(NOTICES):
                await repo.enqueue(f"k{i}", 1000 + i, f"notice {i}", "decided", now)
            await session.commit()
        # A few server errors on the way: retried rows must not come back twice either.
        stub.fail_next(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
        settings = Settings(_env_file=None, telegram_api_url=stub.url,
                            bot_token=SecretStr(stub.token))
        config = SenderConfig(batch=10, backoff_base=0.0)
        senders = []
        for worker in ("one", "two"):
            own_engine = create_engine(url)  # two instances: two pools
            senders.append((own_engine, OutboxSender(
                create_bot(settings), create_session_factory(own_engine),
                Clock.fixed(date(2015, 6, 1)), config=config, worker=worker,
                throttle=Throttle(rate=2000, per_chat_interval=0),
                now=lambda: now + timedelta(seconds=1))))

        async def work(sender: OutboxSender) -> None:
            idle = 0
            while idle < 3:
                idle = 0 if await sender.run_once() else idle + 1
                await asyncio.sleep(0)

        try:
            await asyncio.gather(*(work(sender) for _, sender in senders))
        finally:
            for own_engine, sender in senders:
                await sender.bot.session.close()
                await own_engine.dispose()

        delivered = Counter(stub.delivered())
        assert len(delivered) == NOTICES
        assert set(delivered.values()) == {1}
        # Both really worked: the claims were shared, not one sender doing it all.
        assert all(sender.stats.sent > 0 for _, sender in senders)
        async with sessions() as session:
            assert await OutboxRepo(session).counts() == {"sent": NOTICES}
