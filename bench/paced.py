"""Open-loop load: updates offered at a fixed rate, whatever the bot's speed, as Telegram
offers them. CITIZENS are in the middle of their screenings at once (each started at a
different step, unmeasured); the offers go round them in turn, each citizen's updates in
order and one in flight per chat, as our poller hands them on (a chat's next update waits
for its last). A citizen who finishes is followed by a new one (a first /start). The latency
of an update is from the moment it was due to be offered to its feed_update's end, so a bot
that falls behind pays for the wait. The Bot API answers in-process at once.

Per rate: p50, p99, failed updates, full collections. Then the most updates/s sustained with
p99 < 100 ms (the rate stepped up, then halved between the last that held and the first that
did not). At the end every citizen still in the middle finishes (unmeasured), and the
screenings stored are counted against the citizens begun.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher

from bench.measure import Failures, GcWatch, latency, p99
from bench.scripts import Citizens, Script

RATES = (30, 100, 300)
SECONDS = {30: 10.0, 100: 8.0, 300: 5.0}  # per rate: long enough for a p99 (300+ updates)
LIMIT_MS = 100.0
EARLY = 0.0012  # s: asyncio's timers wake up to a millisecond late


@dataclass
class Cell:
    citizens: int
    rate: float
    offered: int = 0
    pending: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    closed: bool = False  # every update offered
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def settle(self) -> None:
        self.pending -= 1
        if self.closed and self.pending == 0:
            self.done.set()

    def close(self) -> None:
        self.closed = True
        if self.pending == 0:
            self.done.set()


@dataclass
class Slot:
    user: int
    persona: int
    steps: int
    at: int = 0
    queue: deque[tuple[float, Cell]] = field(default_factory=deque)
    busy: bool = False


class Population:
    def __init__(self, dp: Dispatcher, bot: Bot, scripts: list[Script], size: int,
                 first_user: int) -> None:
        self.dp, self.bot = dp, bot
        self.citizens = Citizens(scripts, first_user)
        self.slots = [self._slot() for _ in range(size)]
        self.begun = [slot.user for slot in self.slots]
        self.fed_all: list[int] = []  # citizens whose every update was handled
        self.failed = 0
        self._turn = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def _slot(self) -> Slot:
        user, persona = self.citizens.new_lean()
        return Slot(user, persona, self.citizens.steps(persona))

    async def _feed(self, slot: Slot) -> bool:
        if slot.at == slot.steps:  # the last one finished: a new citizen in their place
            self.fed_all.append(slot.user)
            fresh = self._slot()
            slot.user, slot.persona, slot.steps, slot.at = (fresh.user, fresh.persona,
                                                            fresh.steps, 0)
            self.begun.append(slot.user)
        update = self.citizens.update(slot.persona, slot.at, slot.user, self.bot)
        slot.at += 1
        try:
            await self.dp.feed_update(self.bot, update)
            return True
        except Exception:
            self.failed += 1
            return False

    async def stagger(self) -> None:
        """Each citizen taken to a different step of their screening, as fast as it goes."""
        async def advance(slot: Slot, steps: int) -> None:
            for _ in range(steps):
                await self._feed(slot)

        n = len(self.citizens.scripts)
        await asyncio.gather(*(advance(s, (i // n) % s.steps)
                               for i, s in enumerate(self.slots)))

    def offer(self, due: float, cell: Cell) -> None:
        slot = self.slots[self._turn % len(self.slots)]
        self._turn += 1
        slot.queue.append((due, cell))
        cell.offered += 1
        cell.pending += 1
        if not slot.busy:
            slot.busy = True
            task = asyncio.create_task(self._work(slot))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _work(self, slot: Slot) -> None:
        while slot.queue:
            due, cell = slot.queue.popleft()
            if not await self._feed(slot):
                cell.failed += 1
            cell.latencies.append(time.perf_counter() - due)
            cell.settle()
        slot.busy = False

    async def finish(self) -> None:
        """Every citizen in the middle goes to the end of their screening (unmeasured)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks))

        async def rest(slot: Slot) -> None:
            while slot.at < slot.steps:
                await self._feed(slot)
            self.fed_all.append(slot.user)

        await asyncio.gather(*(rest(slot) for slot in self.slots))


async def offer_at(pop: Population, rate: float, seconds: float, gcw: GcWatch,
                   failures: Failures, drain: float = 60.0) -> dict[str, Any]:
    cell = Cell(len(pop.slots), rate)
    gc_mark, failed_mark = gcw.mark(), failures.count
    count = max(1, round(rate * seconds))
    start = time.perf_counter() + 0.005
    for k in range(count):
        due = start + k / rate
        wait = due - time.perf_counter()
        if wait > EARLY:
            await asyncio.sleep(wait - EARLY)
        # Woken a little early (the loop's timers oversleep by up to 1 ms): offered now;
        # late (the loop was busy), counted from when it was due.
        pop.offer(min(due, time.perf_counter()), cell)
    cell.close()
    try:
        await asyncio.wait_for(cell.done.wait(), drain)
        drained = True
    except TimeoutError:
        drained = False
    return {"citizens": cell.citizens, "rate": rate, "offered": cell.offered,
            # An update that fails is logged (and apologised for), or raises: counted once.
            **latency(cell.latencies), "failed": max(cell.failed, failures.count - failed_mark),
            "drained": drained, "seconds": round(time.perf_counter() - start, 1),
            **gcw.since(gc_mark)}


def _holds(cell: dict[str, Any]) -> bool:
    return bool(cell["drained"] and cell["failed"] == 0 and cell["p99_ms"] < LIMIT_MS)


async def max_rate(pop: Population, gcw: GcWatch, failures: Failures, start: float = 300,
                   seconds: float = 4.0, tries: int = 7) -> dict[str, Any]:
    held: dict[str, Any] | None = None
    broke: dict[str, Any] | None = None
    tried = []
    rate = start
    for _ in range(tries):
        cell = await offer_at(pop, rate, seconds, gcw, failures, drain=30.0)
        tried.append({k: cell[k] for k in ("rate", "p50_ms", "p99_ms", "failed")})
        if _holds(cell):
            held = cell
        else:
            broke = cell
            if not cell["drained"]:
                break  # still behind: stepping on would only measure its backlog
        if broke is None:
            rate = round(rate * 1.4, -1)
        elif held is None:
            rate = round(rate / 2, -1)
        elif broke["rate"] / held["rate"] < 1.12:
            break
        else:
            rate = round((held["rate"] + broke["rate"]) / 2, -1)
    return {"citizens": len(pop.slots), "limit_ms": LIMIT_MS,
            "rate": held["rate"] if held else None,
            "p99_ms": held["p99_ms"] if held else None, "tried": tried}


async def run(dp: Dispatcher, bot: Bot, scripts: list[Script], database_url: str,
              sizes: tuple[int, ...] = (200, 1000), search: bool = True,
              progress: Any = print) -> dict[str, Any]:
    """The caller has warmed ``dp`` up and set the heap aside (gc.freeze)."""
    from bench.stores import finished_screenings

    cells, populations, search_result = [], [], None
    with GcWatch() as gcw, Failures() as failures:
        for n, size in enumerate(sizes):
            pop = Population(dp, bot, scripts, size, first_user=60_000_000 + n * 1_000_000)
            failed_mark = failures.count
            await pop.stagger()
            for rate in RATES:
                cell = await offer_at(pop, rate, SECONDS[rate], gcw, failures)
                progress(f"  {size} citizens at {rate}/s: p50 {cell['p50_ms']} ms, "
                         f"p99 {cell['p99_ms']} ms")
                cells.append(cell)
            if search and size == sizes[-1]:
                search_result = await max_rate(pop, gcw, failures)
                progress(f"  max rate with p99 < {LIMIT_MS:.0f} ms: {search_result['rate']}/s")
            await pop.finish()
            stored = await finished_screenings(database_url, pop.fed_all)
            populations.append({"citizens": size, "begun": len(pop.begun),
                                "finished": stored,
                                "failed": max(pop.failed, failures.count - failed_mark)})
    return {"cells": cells, "populations": populations, "max_rate": search_result,
            "p99_all_ms": round(p99([c["p99_ms"] for c in cells]), 1)}
