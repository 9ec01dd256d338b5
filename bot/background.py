"""Periodic background jobs that live as long as the dispatcher: started on its start-up,
stopped on its shutdown (polling, the webhook server and the tests all emit both).

    background = dp["background"]
    background.every(3600, purge)          # now, then an hour after each run ends

A failing run is logged by its type and place (never its message: it may quote personal data)
and the next run comes as planned. Stopping lets a run in progress finish its unit of work for
up to ``grace`` seconds, then cancels it (a transaction cut short rolls back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Dispatcher

from bot.logs import log_failure

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class _Periodic:
    seconds: float
    job: Job
    name: str


class Background:
    def __init__(self, grace: float = 5.0) -> None:
        self.grace = grace
        self._periodic: list[_Periodic] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._stopping is not None

    def every(self, seconds: float, job: Job, *, name: str | None = None) -> None:
        """Run ``job()`` at start-up, then ``seconds`` after each run ends."""
        if seconds <= 0:
            raise ValueError(f"a period must be positive, got {seconds!r}")
        periodic = _Periodic(seconds, job, name or str(getattr(job, "__qualname__", job)))
        self._periodic.append(periodic)
        if self._stopping is not None:  # added while running: it starts at once
            self._launch(periodic, self._stopping)

    async def start(self) -> None:
        if self._stopping is not None:
            return
        self._stopping = asyncio.Event()
        for periodic in self._periodic:
            self._launch(periodic, self._stopping)

    async def stop(self) -> None:
        stopping, self._stopping = self._stopping, None
        if stopping is None:
            return
        stopping.set()
        tasks, self._tasks = self._tasks, set()
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=self.grace)
        for task in late:
            log.warning("background job %s cut short at shutdown", task.get_name())
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def attach(self, dp: Dispatcher) -> None:
        """Start with the dispatcher and stop with it (before the resources it uses close:
        attach before registering their shutdown)."""
        dp.startup.register(self.start)
        dp.shutdown.register(self.stop)

    def _launch(self, periodic: _Periodic, stopping: asyncio.Event) -> None:
        task = asyncio.create_task(_run(periodic, stopping), name=periodic.name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _run(periodic: _Periodic, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        try:
            await periodic.job()
        except Exception as exc:
            log_failure(f"background job {periodic.name} failed", exc, log)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), periodic.seconds)
