"""The outbox sender over real HTTP against the Bot API stand-in with Telegram's failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram import Bot
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.clock import Clock
from bot.config import Settings
from bot.services.outbox_sender import OutboxSender, SenderConfig
from bot.services.throttle import Throttle
from storage.db import create_session_factory
from storage.models import OutboxMessage
from storage.outbox import OutboxRepo
from tests.e2e.faulty_bot_api import (
    BLOCKED,
    CHAT_NOT_FOUND,
    DEACTIVATED,
    SERVER_ERROR,
    Fault,
    FaultyBotAPIStub,
    timeout,
    too_many,
)

DAY = date(2015, 6, 1)
T0 = datetime(2015, 6, 1, 4, 0, tzinfo=UTC)
FAST = SenderConfig(batch=25, lease=timedelta(seconds=60), backoff_base=5.0, request_timeout=1)


class WallClock:
    """The sender's "now" (for due times and leases), moved by the test."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
async def stub() -> AsyncIterator[FaultyBotAPIStub]:
    async with FaultyBotAPIStub() as server:
        yield server


@pytest.fixture
async def api_bot(stub: FaultyBotAPIStub, settings: Settings) -> AsyncIterator[Bot]:
    bot = create_bot(settings.model_copy(update={
        "telegram_api_url": stub.url, "bot_token": SecretStr(stub.token)}))
    yield bot
    await bot.session.close()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


SenderFactory = Callable[..., OutboxSender]


@pytest.fixture
def make_sender(api_bot: Bot, sessions: async_sessionmaker[AsyncSession],
                wall: WallClock) -> SenderFactory:
    def make(worker: str = "a", config: SenderConfig = FAST, **kwargs: object) -> OutboxSender:
        return OutboxSender(api_bot, sessions, Clock.fixed(DAY), config=config, worker=worker,
                            now=wall, **{"throttle": Throttle(rate=200),
                                         "jitter": lambda: 1.0, **kwargs})  # type: ignore[arg-type]

    return make


async def enqueue(sessions: async_sessionmaker[AsyncSession], chats: list[int],
                  application_id: int | None = None) -> None:
    async with sessions() as session:
        repo = OutboxRepo(session)
        for i, chat in enumerate(chats):
            await repo.enqueue(f"n-{chat}-{i}", chat, f"notice {i} to {chat}", "decided", T0,
                               application_id=application_id)
        await session.commit()


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def drain(sender: OutboxSender, wall: WallClock, rounds: int = 20) -> None:
    """Run the sender until nothing is due, moving the wall clock past back-offs and leases."""
    for _ in range(rounds):
        if not await sender.run_once():
            wall.advance(3600)
            if not await sender.run_once():
                return


async def test_sends_each_notice_once_and_records_telegrams_message_id(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory, wall: WallClock,
) -> None:
    await enqueue(sessions, [11, 12, 13])
    sender = make_sender()
    assert await sender.run_once() == 3
    assert await sender.run_once() == 0
    assert sorted(stub.delivered()) == ["notice 0 to 11", "notice 1 to 12", "notice 2 to 13"]
    assert {call.params.get("parse_mode") for call in stub.calls} == {"HTML"}  # the bot default
    sent_ids = {int(call.result["message_id"]) for call in stub.calls}
    for row in await rows(sessions):
        assert row.status == "sent"
        assert row.telegram_message_id in sent_ids
        assert row.sent_on == DAY
    # The same event enqueued again is refused by its key: no second notice.
    async with sessions() as session:
        assert not await OutboxRepo(session).enqueue("n-11-0", 11, "again", "decided", T0)
        await session.commit()
    await drain(sender, wall)
    assert len(stub.delivered()) == 3


async def test_429_pauses_every_send_for_retry_after(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory,
) -> None:
    stub.fail_next(too_many(1), chat_id=21)
    await enqueue(sessions, [21, 22, 23])
    # Half a second between sends: the 429 is back before the next send would leave.
    sender = make_sender(throttle=Throttle(rate=2))
    await sender.run_once()
    assert sender.stats.throttled == 1
    assert sorted(stub.delivered()) == ["notice 0 to 21", "notice 1 to 22", "notice 2 to 23"]
    (refused_at,) = [t for t, _, code in stub.send_times if code == 429]
    after = [t for t, _, code in stub.send_times if code == 200 and t > refused_at]
    # Whatever was not yet sent when Telegram said 429 waited the full second, for every chat.
    assert after
    assert min(after) - refused_at >= 0.95
    assert all(row.status == "sent" for row in await rows(sessions))


@pytest.mark.parametrize("fault", [SERVER_ERROR, timeout(1.5)], ids=["500", "timeout"])
async def test_server_errors_and_timeouts_are_retried_with_backoff(
    fault: Fault, stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory, wall: WallClock,
) -> None:
    stub.fail_next(fault, fault)
    await enqueue(sessions, [31])
    sender = make_sender()
    await sender.run_once()
    (row,) = await rows(sessions)
    assert (row.status, row.attempts) == ("pending", 1)
    # Back-off: 5 s * 2 ** 1 (jitter pinned to its top) before the next try.
    assert row.due_at == T0 + timedelta(seconds=10)
    assert await sender.run_once() == 0  # not due yet
    wall.advance(10)
    await sender.run_once()
    (row,) = await rows(sessions)
    assert (row.status, row.attempts, row.due_at) == ("pending", 2, wall.at + timedelta(seconds=20))
    wall.advance(20)
    await sender.run_once()
    (row,) = await rows(sessions)
    assert row.status == "sent"
    assert stub.delivered() == ["notice 0 to 31"]


def test_backoff_doubles_with_jitter_and_is_capped(make_sender: SenderFactory) -> None:
    sender = make_sender(jitter=lambda: 0.0)
    assert [sender.backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert sender.backoff(30) == FAST.backoff_cap / 2


async def test_gives_up_after_max_attempts(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory, wall: WallClock,
) -> None:
    stub.fail_next(*[SERVER_ERROR] * 3)
    await enqueue(sessions, [41], application_id=7)
    sender = make_sender(config=SenderConfig(max_attempts=3, backoff_base=1.0))
    await drain(sender, wall)
    (row,) = await rows(sessions)
    assert (row.status, row.last_error) == ("undeliverable", "gave_up")
    assert stub.delivered() == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [(BLOCKED, "blocked"), (DEACTIVATED, "blocked"), (CHAT_NOT_FOUND, "chat_gone")],
)
async def test_blocked_or_deleted_account_is_undeliverable_at_once(
    fault: Fault, error: str, stub: FaultyBotAPIStub,
    sessions: async_sessionmaker[AsyncSession], make_sender: SenderFactory, wall: WallClock,
) -> None:
    stub.fail_next(fault, chat_id=51)
    await enqueue(sessions, [51, 52], application_id=9)
    sender = make_sender()
    await drain(sender, wall)
    first, second = await rows(sessions)
    assert (first.status, first.last_error) == ("undeliverable", error)
    assert second.status == "sent"
    assert len(stub.send_times) == 2  # never tried again
    async with sessions() as session:
        assert await OutboxRepo(session).undeliverable_for([9, 10]) == {9}


async def test_one_message_per_second_per_chat(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory,
) -> None:
    await enqueue(sessions, [61, 61, 62])
    await make_sender().run_once()
    assert stub.delivered(61) == ["notice 0 to 61", "notice 1 to 61"]  # in order
    times = [t for t, chat, _ in stub.send_times if chat == 61]
    assert times[1] - times[0] >= 0.95


async def test_killed_mid_batch_and_restarted_nothing_lost_nothing_doubled(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory, wall: WallClock,
) -> None:
    chats = list(range(100, 110))
    await enqueue(sessions, chats)
    # The 5th send never returns (Telegram never got it); then the process dies.
    stub.fail_next(*([Fault(hang=True)] * 6), chat_id=104)
    first = make_sender("first", throttle=Throttle(rate=1000, per_chat_interval=0))
    task = asyncio.create_task(first.run_once())
    await asyncio.wait_for(stub.hanging.wait(), 10)
    await asyncio.sleep(0.2)  # the other sends of the batch finish meanwhile
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    states = {row.chat_id: row.status for row in await rows(sessions)}
    assert states[104] == "sending"
    stub.faults.clear()

    second = make_sender("second")
    # While the dead sender's lease holds, nobody sends its row.
    assert await second.run_once() == 0
    wall.advance(61)
    await drain(second, wall)
    for chat in chats:
        assert len(stub.delivered(chat)) == 1, chat
    assert {row.status for row in await rows(sessions)} == {"sent"}


async def test_the_window_a_crash_after_telegram_accepted_sends_again(
    stub: FaultyBotAPIStub, sessions: async_sessionmaker[AsyncSession],
    make_sender: SenderFactory, wall: WallClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one documented double: Telegram has the message, the row is not marked yet."""
    await enqueue(sessions, [71])
    crashed = make_sender("crashed")

    async def crash(*args: object, **kwargs: object) -> bool:
        raise asyncio.CancelledError

    monkeypatch.setattr(OutboxRepo, "mark_sent", crash)
    with pytest.raises(asyncio.CancelledError):
        await crashed.run_once()
    monkeypatch.undo()
    wall.advance(61)
    await drain(make_sender("restarted"), wall)
    assert stub.delivered(71) == ["notice 0 to 71", "notice 0 to 71"]


async def test_a_sender_that_lost_its_lease_does_not_overwrite_the_new_holder(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await enqueue(sessions, [81])
    async with sessions() as session:
        repo = OutboxRepo(session)
        (old,) = await repo.claim("old", T0, timedelta(seconds=60), 10)
        (new,) = await repo.claim("new", T0 + timedelta(seconds=61), timedelta(seconds=60), 10)
        assert old.id == new.id
        assert not await repo.mark_sent(old.id, "old", 1, T0, DAY)
        assert await repo.mark_sent(new.id, "new", 2, T0, DAY)
        await session.commit()
    (row,) = await rows(sessions)
    assert row.telegram_message_id == 2
