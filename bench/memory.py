"""Resident memory (VmRSS) at start and after USERS distinct users, in a process of its own.

    .venv/bin/python bench/memory.py [--store sqlite|pg] [--users 10000] [--json FILE]
                                     [--scripts FILE]

The dispatcher is made as in production, the heap set aside once (gc.freeze, as
bot/runner.py does), then each user sends /start and presses the menu's first button (the
personas' first two updates, in both languages), AT_ONCE users at a time. Measured: RSS at
start, after the first user and after the last; the growth from the first to the last user.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import Failures, GcWatch, LeanSession, freeze_heap, quiet_logs, rss_mib
from bench.scripts import Citizens, ours, scripts_from, store_settings
from bench.stores import KINDS, NAMES, Store, fresh_store

AT_ONCE = 50


async def measure(store: Store, users: int, scripts_file: str | None) -> dict[str, Any]:
    from storage.migrate import upgrade_async

    await upgrade_async(store.database_url)
    settings = store_settings(store.database_url, store.redis_url)
    scripts = [script[:2] for script in await scripts_from(scripts_file)]  # /start, then a press
    dp, bot = ours(settings, LeanSession())
    citizens = Citizens(scripts, 80_000_000)
    freeze_heap()
    at_start = rss_mib()
    left = users

    async def user() -> None:
        _, steps = citizens.new()
        for step in steps:
            await dp.feed_update(bot, citizens.bind(step, bot))

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await user()

    try:
        with GcWatch() as gcw, Failures() as failures:
            left -= 1
            await user()
            first = rss_mib()
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(AT_ONCE)))
            elapsed = time.perf_counter() - started
            last = rss_mib()
    finally:
        await dp.emit_shutdown()
    return {"store": store.name, "users": users, "rss_start_mib": at_start,
            "rss_first_mib": first, "rss_last_mib": last,
            "growth_mib": round(last - first, 1), "failed": failures.count,
            "updates_per_s": round((users - 1) * 2 / elapsed), **gcw.since(0)}


async def main(kind: str, users: int, out: str | None, scripts_file: str | None) -> int:
    quiet_logs()
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_store(kind, Path(folder)) as store:
            if isinstance(store, str):
                result: dict[str, Any] = {"store": NAMES[kind], "skipped": store}
            else:
                result = await measure(store, users, scripts_file)
    if out:
        Path(out).write_text(json.dumps(result))
    elif "skipped" in result:
        print(f"{result['store']}: skipped ({result['skipped']})")
    else:
        print(f"{result['store']}: RSS {result['rss_start_mib']} MiB at start, "
              f"{result['rss_first_mib']} after the first user, {result['rss_last_mib']} after "
              f"{users} (+{result['growth_mib']} MiB); {result['failed']} failed updates, "
              f"{result['full_gcs']} full collections (max {result['gc_max_ms']} ms)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=KINDS, default="sqlite")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--json", dest="out")
    parser.add_argument("--scripts", help="scripts recorded beforehand (bench.scripts)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.store, args.users, args.out, args.scripts)))
