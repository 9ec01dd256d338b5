"""Ours against bare aiogram, closed loop (each citizen's next update as soon as the last is
done), the very same updates built beforehand and bound to each side's bot: one citizen at a
time, the two sides taking turns every few citizens (this machine's speed drifts by tens of
per cent within seconds: both sides then see the drift alike), then CITIZENS at once.
Reported as a ratio of updates/s, with no target.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bench.measure import LeanSession, latency
from bench.scripts import Citizens, Script, bare_dispatcher
from bot.app import create_bot

Side = tuple[Dispatcher, Bot, list[tuple[int, list[Update]]]]


async def _timed(dp: Dispatcher, bot: Bot, citizens: list[tuple[int, list[Update]]],
                 at_once: bool) -> tuple[float, list[float], int]:
    # What was built before the run (the other side's updates too) is set aside from the
    # collector: a full pass over it would land in whichever short run it falls in.
    gc.collect()
    gc.freeze()
    latencies: list[float] = []
    errors = 0

    async def citizen(updates: list[Update]) -> None:
        nonlocal errors
        for update in updates:
            started = time.perf_counter()
            try:
                await dp.feed_update(bot, update)
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    if at_once:
        await asyncio.gather(*(citizen(updates) for _, updates in citizens))
    else:
        for _, updates in citizens:
            await citizen(updates)
    return time.perf_counter() - started, latencies, errors


async def _turns(*sides: Side, turn: int = 4) -> list[tuple[float, list[float], int]]:
    totals: list[tuple[float, list[float], int]] = [(0.0, [], 0) for _ in sides]
    for start in range(0, max(len(c) for _, _, c in sides), turn):
        for i, (dp, bot, citizens) in enumerate(sides):
            elapsed, lat, errors = await _timed(dp, bot, citizens[start:start + turn], False)
            totals[i] = (totals[i][0] + elapsed, totals[i][1] + lat, totals[i][2] + errors)
    return totals


def _side(elapsed: float, lat: list[float], errors: int) -> dict[str, Any]:
    return {"rate": round(len(lat) / elapsed, 1), **latency(lat), "errors": errors}


async def compare(dp: Dispatcher, bot: Bot, scripts: list[Script], settings: Any,
                  one: int = 24, many: int = 200) -> dict[str, Any]:
    """The caller has warmed ``dp`` up; bare aiogram is warmed up here."""
    bare, bare_bot = bare_dispatcher(), create_bot(settings, session=LeanSession())
    citizens, bare_citizens = Citizens(scripts, 30_000_000), Citizens(scripts, 30_000_000)
    await _timed(bare, bare_bot, bare_citizens.make(8, bare_bot), False)
    await _timed(bare, bare_bot, bare_citizens.make(20, bare_bot), True)
    try:
        b1, o1 = await _turns((bare, bare_bot, bare_citizens.make(one, bare_bot)),
                              (dp, bot, citizens.make(one, bot)))
        b2 = await _timed(bare, bare_bot, bare_citizens.make(many, bare_bot), True)
        o2 = await _timed(dp, bot, citizens.make(many, bot), True)
    finally:
        # Back to what production has: only the start-up's heap set aside.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
    result: dict[str, dict[str, Any]] = {
        "one": {"bare": _side(*b1), "ours": _side(*o1)},
        "many": {"bare": _side(*b2), "ours": _side(*o2), "citizens": many}}
    for run in (result["one"], result["many"]):
        run["ratio"] = round(run["ours"]["rate"] / run["bare"]["rate"], 3)
    return result
