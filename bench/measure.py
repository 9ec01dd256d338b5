"""What the bench parts measure with: percentiles, full garbage collections, failed updates,
resident memory and process CPU time (Linux /proc), and a Bot API session that keeps nothing."""

from __future__ import annotations

import gc
import logging
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

from bot.console.session import LocalSession

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def latency(values: list[float]) -> dict[str, Any]:
    """p50 and p99 in milliseconds, and how many values they are taken over."""
    return {"n": len(values), "p50_ms": ms(p50(values)), "p99_ms": ms(p99(values))}


class GcWatch:
    """Every full (generation 2) collection while installed: its duration, in order."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.durations.append(time.perf_counter() - self._started)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def mark(self) -> int:
        return len(self.durations)

    def since(self, mark: int) -> dict[str, Any]:
        seen = self.durations[mark:]
        return {"full_gcs": len(seen), "gc_total_ms": ms(sum(seen)),
                "gc_max_ms": ms(max(seen, default=0.0))}


def freeze_heap() -> None:
    """As production does once after start-up (bot/runner.py): what exists now is set aside
    from the collector, whose full passes would otherwise walk it again and again."""
    gc.collect()
    gc.freeze()


class Failures(logging.Handler):
    """Errors logged anywhere (a failed update is logged by its type and place)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def __enter__(self) -> Failures:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in ("aiogram.event", "aiogram.dispatcher", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory (VmRSS) in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LeanSession(LocalSession):
    """LocalSession's answers with none of its history (requests, answers, messages): a long
    run's history would grow the heap the collector walks and the memory measured."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        try:
            return await super().make_request(bot, method, timeout)
        finally:
            self.requests.clear()
            self.results.clear()
            self.messages.clear()
