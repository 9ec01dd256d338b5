"""One unit of work per update, handled once; retries; bounded locks and pools.

Driven through the real dispatcher with the local Bot API session (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.dispatcher.event.handler import CallableObject, FilterObject
from aiogram.filters import StateFilter, or_f
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import Response, SendMessage
from aiogram.types import ResponseParameters
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from bot.telegram import NotDelivered, Retries
from handlers.filters import Magic
from storage.db import create_engine, create_session_factory
from storage.handled import HandledUpdateRepo
from storage.isolation import ChatIsolation
from storage.models import HandledUpdate, Screening
from storage.retention import purge_handled_updates
from tests.test_screening import Persona, nothing_to_get

DAY = date(2015, 4, 20)
SORRY = "Sorry, something went wrong on our side. Your answers are kept; let us go on from here."


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to SQLite, as SQLAlchemy's cursor runs it."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split()[0].upper() + " " + statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def persona(dp: Dispatcher, bot: Bot, user_id: int = 100, lang: str = "ru") -> Persona:
    return Persona(LocalChat(dp, bot, user_id=user_id, language_code=lang), dp["i18n"], lang)


@pytest.fixture
def day_dp(settings: Settings, engine: AsyncEngine) -> Dispatcher:
    return create_dispatcher(settings, engine=engine, today=lambda: DAY)


async def groups_of(dp: Dispatcher, bot: Bot, user_id: int = 100) -> list[str]:
    state = dp.fsm.get_context(bot, chat_id=user_id, user_id=user_id)
    return list((await state.get_data())["screening"]["answers"]["groups"])


# ---- handled once ---------------------------------------------------------------------------


async def test_an_update_delivered_again_is_skipped(day_dp: Dispatcher, bot: Bot) -> None:
    """After a restart Telegram delivers again what it had no confirmation for: the tick is
    not undone and the user is not answered twice."""
    p = persona(day_dp, bot)
    await p.start_check()
    await p.press("Pensioners and the elderly")
    assert await groups_of(day_dp, bot) == ["elderly"]
    session: LocalSession = p.chat.session
    requests_before = len(session.requests)

    # The same update again (same update_id), as polling redelivers it.
    last_update = p.chat.last_update
    await day_dp.feed_update(bot, last_update)

    assert await groups_of(day_dp, bot) == ["elderly"]  # not toggled off
    assert len(session.requests) == requests_before  # nothing said again


async def test_a_failed_update_keeps_nothing(
    day_dp: Dispatcher, bot: Bot, engine: AsyncEngine
) -> None:
    """A failed update's writes are rolled back and it is not recorded: the half-done tick is
    not kept, and the apology is what is left of it."""
    p = persona(day_dp, bot)
    await p.start_check()
    p.chat.session.add_result(Response[bool](ok=True, result=True))  # answerCallbackQuery
    p.chat.session.add_result(Response[bool](
        ok=False, error_code=400, description="Bad Request: can't parse entities"))
    replies = await p.chat.click(p.t("Pensioners and the elderly"))
    assert any(p.t(SORRY) in r.text for r in replies)
    assert "elderly" not in await groups_of(day_dp, bot)
    assert p.chat.last_update is not None
    async with create_session_factory(engine)() as session:
        assert not await HandledUpdateRepo(session).seen(bot.id, p.chat.last_update.update_id)


async def test_old_handled_ids_are_purged(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        session.add_all([
            HandledUpdate(bot_id=1, update_id=1, handled_at=now - timedelta(days=3)),
            HandledUpdate(bot_id=1, update_id=2, handled_at=now),
        ])
        await session.commit()
    assert await purge_handled_updates(sessions) == 1
    async with sessions() as session:
        kept = await session.scalars(select(HandledUpdate.update_id))
        assert list(kept) == [2]



# ---- one unit of work per update -------------------------------------------------------------


async def test_one_transaction_and_one_fsm_read_per_update(
    day_dp: Dispatcher, bot: Bot, engine: AsyncEngine
) -> None:
    p = persona(day_dp, bot)
    await p.start_check()
    with statements(engine) as seen:
        await p.press("Pensioners and the elderly")
    fsm_reads = [s for s in seen if s.startswith("SELECT") and "fsm_states" in s]
    fsm_writes = [s for s in seen if not s.startswith("SELECT") and "fsm_states" in s]
    assert len(fsm_reads) == 1, seen
    assert len(fsm_writes) == 1, seen
    # The user was seen today already: their row is neither read nor written again.
    assert not [s for s in seen if "users" in s.split("FROM")[-1].split()[:1] or
                s.startswith(("INSERT INTO users", "UPDATE users"))], seen


async def test_a_press_is_three_statements(
    day_dp: Dispatcher, bot: Bot, engine: AsyncEngine
) -> None:
    """A press of a user seen today: the state read with "handled already?", then at the
    update's end the state written and the update recorded, committed together."""
    p = persona(day_dp, bot)
    await p.start_check()
    with statements(engine) as seen:
        await p.press("Pensioners and the elderly")

    assert [s.split()[0] for s in seen] == ["SELECT", "INSERT", "INSERT"], seen
    assert "fsm_states" in seen[1] and "handled_updates" in seen[2], seen
    assert await groups_of(day_dp, bot) == ["elderly"]  # the tick was kept all the same


async def test_no_filter_or_handler_waits_for_a_worker_thread(
    day_dp: Dispatcher, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiogram runs a plain-function filter (F.text, a State) in a worker thread: a thread
    hand-off per filter tried, the largest cost of an update before handlers.filters."""
    handed_off: list[Any] = []
    real = asyncio.to_thread

    async def counting(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        handed_off.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    p = persona(day_dp, bot)
    await p.start_check()
    await p.press("Pensioners and the elderly")
    await p.type("hello")  # a typed answer: the message filters are tried too
    await p.chat.send("/stats")  # a staff command from a citizen: the staff routers' filters

    assert handed_off == []
    assert p.chat.screen is not None and p.chat.screen.flat_buttons  # the screens still came


def not_awaited(router: Router) -> list[str]:
    """The filters and handlers of ``router`` and the routers under it that aiogram would run
    in a worker thread (not a coroutine function, not a ``Filter``), named. Read through
    aiogram's public attributes only (which do not show a router's own filters: the updates of
    test_no_filter_or_handler_waits_for_a_worker_thread pass those)."""
    found: list[str] = []
    for each in router.chain_tail:
        for kind, observer in each.observers.items():
            where = f"router {each.name!r}, {kind}"
            for handler in observer.handlers:
                if not handler.awaitable:
                    found.append(f"{where}: handler {named(handler)}")
                found += [f"{where}: filter {named(f)} of {named(handler)}"
                          for f in plain(handler.filters)]
    return found


def plain(filters: Sequence[FilterObject] | None) -> Iterator[FilterObject]:
    for each in filters or ():
        if not each.awaitable:
            yield each
        # aiogram's and_f, or_f and invert_f (~) hold their filters as targets, or one target.
        inner = getattr(each.callback, "targets", ()) or [getattr(each.callback, "target", None)]
        yield from plain([f for f in inner if isinstance(f, FilterObject)])


def named(obj: CallableObject) -> str:
    if isinstance(obj, FilterObject) and obj.magic is not None:
        return "F…"  # a magic filter: its operations have no readable name
    return str(getattr(obj.callback, "__qualname__", obj.callback))


async def test_every_filter_and_handler_is_awaited(day_dp: Dispatcher) -> None:
    """Each handler registered, each filter given: not only those a screening walks by."""
    assert not_awaited(day_dp) == []

    # The checks find a plain filter or handler registered anywhere, late or nested.
    late = Router(name="late")
    late.message.register(lambda message: None, Magic(F.text))
    late.message.register(echo, F.text, ~Magic(F.text), StateFilter("x"), Asking.now)
    late.callback_query.register(echo, or_f(Magic(F.data), F.data == "x"))
    day_dp.include_router(late)
    assert not_awaited(day_dp) == [
        "router 'late', message: handler "
        "test_every_filter_and_handler_is_awaited.<locals>.<lambda>",
        "router 'late', message: filter F… of echo",
        "router 'late', message: filter <State 'Asking:now'> of echo",
        "router 'late', callback_query: filter F… of echo",
    ]


class Asking(StatesGroup):
    now = State()


async def echo(event: Any) -> None:
    return None


async def test_the_user_row_is_touched_once_a_day(
    day_dp: Dispatcher, bot: Bot, engine: AsyncEngine
) -> None:
    p = persona(day_dp, bot)
    with statements(engine) as seen:
        await p.chat.send("/start")
        await p.chat.send("/help")
        await p.chat.send("/menu")
    # One write of the user row for the day: the language Telegram gave, saved at /start,
    # records the visit too (no touch besides it), and /help and /menu write nothing.
    writes = [s for s in seen if "INSERT INTO users" in s]
    assert len(writes) == 1 and "last_seen = excluded.last_seen" in writes[0], seen


async def test_a_result_is_stored_with_its_update(
    day_dp: Dispatcher, bot: Bot, engine: AsyncEngine
) -> None:
    """The screening row and the FSM change are committed together, at the update's end."""
    await nothing_to_get(persona(day_dp, bot))
    async with create_session_factory(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(Screening))
    assert count == 1


async def test_forty_users_at_once_on_a_small_pool(settings: Settings) -> None:
    """No update holds a pooled connection while asking for another: 40 users at once on
    three connections all get their answers (before: the pool timed out)."""
    engine = create_engine(settings.database_url, pool_size=3, pool_timeout=5)
    dp = create_dispatcher(settings, engine=engine, today=lambda: DAY)
    bot = create_bot(settings, session=LocalSession())
    try:
        # A bot (and so a local session) each: a chat reads its replies off its session.
        people = [persona(dp, create_bot(settings, session=LocalSession()), user_id=1000 + i)
                  for i in range(40)]

        async def walk(p: Persona) -> str:
            await p.start_check()
            await p.press("Pensioners and the elderly")
            return await p.press("Next ➡️")

        screens = await asyncio.gather(*(walk(p) for p in people))
        assert all(p.t("Step {k} of {n}").split("{k}")[0] in s for p, s in zip(
            people, screens, strict=True))
        assert not any(p.t(SORRY) in r.text for p in people for r in p.chat.history)
        for p in people:
            assert await groups_of(dp, bot, p.chat.user.id) == ["elderly"]
    finally:
        await dp.emit_shutdown()
        await engine.dispose()


# ---- bounded concurrency --------------------------------------------------------------------


async def test_chat_locks_are_not_kept_for_quiet_chats(day_dp: Dispatcher, bot: Bot) -> None:
    isolation = day_dp.fsm.events_isolation
    assert isinstance(isolation, ChatIsolation)
    await asyncio.gather(*(persona(day_dp, bot, user_id=500 + i).chat.send("/start")
                           for i in range(30)))
    assert isolation.keys_held == 0


async def test_updates_in_flight_are_bounded_by_the_pool(settings: Settings) -> None:
    engine = create_engine(settings.database_url, pool_size=4)
    dp = create_dispatcher(settings.model_copy(update={"db_pool_size": 10}), engine=engine)
    try:
        unit = next(m for m in dp.update.outer_middleware if type(m).__name__ == "UnitMiddleware")
        assert unit.limit == 4  # the engine's pool, smaller than the setting
    finally:
        await dp.emit_shutdown()
        await engine.dispose()


def test_the_redis_pool_waits_instead_of_failing(database_url: str) -> None:
    from redis.asyncio import BlockingConnectionPool

    from bot.app import create_storage, redis_connections

    settings = Settings(_env_file=None, database_url=database_url,
                        redis_url="redis://127.0.0.1:6379/0", db_pool_size=7)
    storage = create_storage(settings, create_session_factory(create_engine(database_url)))
    pool = storage.redis.connection_pool  # type: ignore[attr-defined]
    assert isinstance(pool, BlockingConnectionPool)
    assert pool.max_connections == redis_connections(settings) > settings.db_pool_size


# ---- retries --------------------------------------------------------------------------------


def no_pauses(bot: Bot) -> list[float]:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    for middleware in bot.session.middleware:
        if isinstance(middleware, Retries):
            middleware.sleep = sleep
    return pauses


def refusal(code: int, retry_after: int | None = None) -> Response[Any]:
    return Response[Any](
        ok=False, error_code=code, description="Too Many Requests" if code == 429 else "Oops",
        parameters=ResponseParameters(retry_after=retry_after) if retry_after else None,
    )


@pytest.mark.parametrize("failure", [refusal(429, retry_after=3), refusal(500), refusal(502)])
async def test_a_busy_telegram_still_gets_the_answer(
    day_dp: Dispatcher, bot: Bot, failure: Response[Any]
) -> None:
    pauses = no_pauses(bot)
    p = persona(day_dp, bot)
    p.chat.session.add_result(failure)
    p.chat.session.add_result(failure)
    replies = await p.chat.send("/start")
    assert any(p.t("Main menu") in r.text for r in replies)
    assert not any(p.t(SORRY) in r.text for r in replies)
    sent = [m for m in p.chat.session.requests if isinstance(m, SendMessage)]
    assert len(sent) == 3  # two refused, the third delivered
    assert pauses == ([3, 3] if failure.error_code == 429 else [0.5, 1.0])


async def test_a_failed_apology_is_retried_too(day_dp: Dispatcher, bot: Bot) -> None:
    pauses = no_pauses(bot)
    p = persona(day_dp, bot)
    await p.start_check()
    session = p.chat.session
    session.add_result(Response[bool](ok=True, result=True))  # answerCallbackQuery
    session.add_result(Response[bool](ok=False, error_code=400, description="Bad Request: x"))
    session.add_result(refusal(500))  # the apology, once
    replies = await p.chat.click(p.t("Pensioners and the elderly"))
    assert any(p.t(SORRY) in r.text for r in replies)
    assert pauses == [0.5]


async def test_retries_are_bounded(day_dp: Dispatcher, bot: Bot) -> None:
    """Telegram down for good: a bounded number of tries, then the error (and no hang)."""
    pauses = no_pauses(bot)
    p = persona(day_dp, bot)
    for _ in range(20):
        p.chat.session.add_result(refusal(500))
    with pytest.raises(NotDelivered):  # to the transport: the update comes again later
        await p.chat.send("/start")
    assert len(pauses) < 10 and sum(pauses) <= 20.0


def test_the_request_time_out_is_seconds() -> None:
    settings = Settings(_env_file=None)
    bot = create_bot(settings)
    assert settings.telegram_timeout <= 10 and bot.session.timeout == settings.telegram_timeout


# ---- ids in the local chat ------------------------------------------------------------------


def test_local_chats_never_share_an_update_id(dp: Dispatcher, bot: Bot) -> None:
    a, b = LocalChat(dp, bot, user_id=1), LocalChat(dp, bot, user_id=2)
    ids = [next(a._update_ids), next(b._update_ids), next(a._update_ids)]
    assert len(set(ids)) == 3


# ---- polling ----------------------------------------------------------------------------------


async def test_polling_keeps_each_chat_in_order_and_confirms_only_what_is_done(bot: Bot) -> None:
    """While chat 10's first update hangs, chat 20 is answered; chat 10's second waits for its
    first; the offset given to Telegram never passes the update in hand."""
    from aiogram.types import Chat, Message, Update

    from bot.polling import Poller

    handled: list[int] = []
    release = asyncio.Event()

    class Dispatcher:
        def resolve_used_update_types(self) -> list[str]:
            return ["message"]

        async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> None:
            if update.update_id == 1:
                await release.wait()
            handled.append(update.update_id)

    def update(update_id: int, chat: int) -> Update:
        return Update(update_id=update_id, message=Message(
            message_id=update_id, date=datetime.now(UTC), chat=Chat(id=chat, type="private"),
            text="hi"))

    async def until(check: Any) -> None:
        while not check():
            await asyncio.sleep(0)

    poller = Poller(Dispatcher(), bot)  # type: ignore[arg-type]
    for u in (update(1, 10), update(2, 10), update(3, 20)):
        poller.dispatch(u)
    await asyncio.wait_for(until(lambda: handled == [3]), 5)
    assert poller.offset == 1  # update 1 is in hand: it and all after it come again
    poller.dispatch(update(3, 20))  # delivered again while 1 is in hand: not handled twice
    release.set()
    await asyncio.wait_for(until(lambda: not poller.in_hand), 5)
    assert handled == [3, 1, 2]
    assert poller.offset == 4


# ---- round trips to Telegram ------------------------------------------------------------------


class Overlapping(LocalSession):
    """A Bot API that takes a moment to answer (it lets the loop run): records, per update,
    which calls were in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight: set[str] = set()
        self.together: list[frozenset[str]] = []

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:
        name = type(method).__name__
        self.in_flight.add(name)
        self.together.append(frozenset(self.in_flight))
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            return await super().make_request(bot, method, timeout)
        finally:
            self.in_flight.discard(name)


async def test_a_press_and_a_typed_answer_are_one_round_trip_to_telegram(
    day_dp: Dispatcher, settings: Settings
) -> None:
    """A citizen waits for Telegram once per tap: the press's answer goes out beside its new
    screen, and after typing, the old screen's buttons come off beside the new screen."""
    session = Overlapping()
    p = persona(day_dp, create_bot(settings, session=session))
    await p.start_check()

    session.together.clear()
    await p.press("Pensioners and the elderly")
    assert {"AnswerCallbackQuery", "EditMessageText"} in session.together, session.together

    session.together.clear()
    await p.type("hello")  # not an answer here: a hint, then the step again below it
    assert {"EditMessageReplyMarkup", "SendMessage"} in session.together, session.together


async def test_an_answer_telegram_did_not_take_is_tried_again_after_its_pause(
    settings: Settings, engine: AsyncEngine
) -> None:
    """A flood wait longer than our retries: no apology (it would be refused too), the update
    is not confirmed while it waits, and after the pause Telegram asked for it is handled again
    and answered; it is recorded once."""
    from aiogram.types import Chat, Message, Update, User

    from bot.polling import Poller

    settings = settings.model_copy(update={"telegram_retry_seconds": 0.1})
    dp = create_dispatcher(settings, engine=engine, today=lambda: DAY)
    session = LocalSession()
    bot = create_bot(settings, session=session)
    session.add_result(Response(ok=False, error_code=429, description="Too Many Requests",
                                parameters=ResponseParameters(retry_after=1)))
    user = User(id=100, is_bot=False, first_name="A", language_code="ru")
    update = Update(update_id=77, message=Message(
        message_id=1, date=datetime.now(UTC), chat=Chat(id=100, type="private"),
        from_user=user, text="/start"))
    poller = Poller(dp, bot)
    poller.dispatch(update)
    await asyncio.sleep(0.5)
    assert poller.offset == 77  # in hand while it waits: not confirmed

    while poller.in_hand:
        await asyncio.sleep(0.05)
    sent = [r for r in session.requests if isinstance(r, SendMessage)]
    # Refused, then taken: the same answer twice, and no apology (a third message).
    assert len(sent) == 2 and sent[0].text == sent[1].text
    assert poller.offset == 78
    async with create_session_factory(engine)() as s:
        assert await s.scalar(select(func.count()).select_from(HandledUpdate)) == 1
    await dp.emit_shutdown()
