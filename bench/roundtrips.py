"""What a citizen waits for: Bot API round trips. Every call is answered after RTT (50 ms,
Telegram as seen from Kazakhstan); per kind of update (/start, a press, a typed answer) the
time from the update to the end of its last call, how many calls it made and how many of
them one after another (the longest chain of calls each starting after the one before
ended). A call made in a task of the update (answered concurrently) counts; one the handler
returns for the webhook's response is counted apart, with no round trip of its own.
AT_ONCE citizens go through their screenings at a time, ours and bare aiogram in turn.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from contextvars import ContextVar
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod

from bench.measure import LeanSession, latency
from bench.scripts import Citizens, Script, Step, bare_dispatcher

RTT = 0.050
KINDS = ("command", "press", "typed")
# The calls of the update being handled (tasks it starts inherit it).
_calls: ContextVar[list[list[Any]] | None] = ContextVar("bench_update_calls", default=None)


class RoundTripSession(LeanSession):
    """Answers every call after ``rtt`` seconds, noting when each call began and ended."""

    def __init__(self, rtt: float = RTT) -> None:
        super().__init__()
        self.rtt = rtt

    async def make_request(self, bot: Bot, method: TelegramMethod[Any],
                           timeout: int | None = None) -> Any:
        record = [type(method).__name__, time.perf_counter(), None]
        calls = _calls.get()
        if calls is not None:
            calls.append(record)
        try:
            await asyncio.sleep(self.rtt)
            return await super().make_request(bot, method, timeout)
        finally:
            record[2] = time.perf_counter()


def in_sequence(calls: list[list[Any]]) -> int:
    """The most calls of which each began after the one before it ended."""
    chain, end = 0, float("-inf")
    for _, began, ended in sorted(calls, key=lambda c: c[2]):
        if began >= end:
            chain, end = chain + 1, ended
    return chain


async def _update(dp: Dispatcher, bot: Bot, citizens: Citizens, step: Step,
                  seen: dict[str, list[dict[str, Any]]]) -> None:
    update = citizens.bind(step, bot)
    calls: list[list[Any]] = []
    token = _calls.set(calls)
    started = time.perf_counter()
    try:
        answer = await dp.feed_update(bot, update)
    finally:
        _calls.reset(token)
    fed = time.perf_counter()
    while any(c[2] is None for c in calls) and time.perf_counter() - fed < 2.0:
        await asyncio.sleep(0.005)  # calls still in flight in the update's tasks
    done = [c for c in calls if c[2] is not None]
    seen[step["kind"]].append({
        "wait": max((c[2] for c in done), default=fed) - started,
        "calls": len(done), "in_sequence": in_sequence(done),
        "in_response": int(isinstance(answer, TelegramMethod)),
        "methods": "→".join(c[0] for c in sorted(done, key=lambda c: c[1])),
    })


async def _side(dp: Dispatcher, bot: Bot, scripts: list[Script], at_once: int,
                rounds: int, first_user: int) -> dict[str, Any]:
    citizens = Citizens(scripts, first_user)
    seen: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}

    async def citizen() -> None:
        _, steps = citizens.new()
        for step in steps:
            await _update(dp, bot, citizens, step, seen)

    for _ in range(rounds):
        await asyncio.gather(*(citizen() for _ in range(at_once)))
    out: dict[str, Any] = {}
    for kind, rows in seen.items():
        if not rows:
            continue
        methods = statistics.mode(r["methods"] for r in rows)
        out[kind] = {**latency([r["wait"] for r in rows]),
                     "calls": statistics.median_low([r["calls"] for r in rows]),
                     "in_sequence": statistics.median_low([r["in_sequence"] for r in rows]),
                     "in_sequence_max": max(r["in_sequence"] for r in rows),
                     "in_response": sum(r["in_response"] for r in rows),
                     "usual_calls": methods}
    return out


async def measure(dp: Dispatcher, settings: Any, scripts: list[Script],
                  at_once: int = 4, rounds: int = 2) -> dict[str, Any]:
    """Our dispatcher ``dp`` (warmed up by the caller) and bare aiogram, on a 50 ms Bot API."""
    from bot.app import create_bot

    bot = create_bot(settings, session=RoundTripSession())
    bare, bare_bot = bare_dispatcher(), create_bot(settings, session=RoundTripSession())
    await _side(bare, bare_bot, scripts, 1, 1, 51_000_000)  # warm-up
    return {"rtt_ms": RTT * 1000,
            "ours": await _side(dp, bot, scripts, at_once, rounds, 50_000_000),
            "bare": await _side(bare, bare_bot, scripts, at_once, rounds, 52_000_000)}
