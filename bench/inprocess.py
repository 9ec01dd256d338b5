"""Our dispatcher in one process, on one store: round trips on a 50 ms Bot API, the ratio to
bare aiogram, then the paced load and the most updates/s sustained.

    .venv/bin/python bench/inprocess.py [--store sqlite|pg] [--quick] [--json FILE]
                                        [--scripts FILE]

The dispatcher is made as in production (bot.app.create_dispatcher), warmed up, and the heap
then set aside from the collector once (gc.freeze), as bot/runner.py does after start-up.
--quick: 200 citizens only, no search of the most updates/s.
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

from bench import bare, paced, roundtrips
from bench.measure import LeanSession, freeze_heap, quiet_logs
from bench.scripts import Citizens, ours, scripts_from, store_settings
from bench.stores import KINDS, NAMES, Store, fresh_store


async def warm_up(dp: Any, bot: Any, scripts: list[Any]) -> None:
    citizens = Citizens(scripts, 20_000_000)

    async def citizen() -> None:
        _, steps = citizens.new()
        for step in steps:
            await dp.feed_update(bot, citizens.bind(step, bot))

    for _ in range(8):
        await citizen()
    await asyncio.gather(*(citizen() for _ in range(20)))


async def suite(store: Store, quick: bool = False, say: Any = print,
                scripts_file: str | None = None) -> dict[str, Any]:
    from storage.migrate import upgrade_async

    await upgrade_async(store.database_url)
    settings = store_settings(store.database_url, store.redis_url)
    scripts = await scripts_from(scripts_file)
    dp, bot = ours(settings, LeanSession())
    started = time.perf_counter()
    try:
        await warm_up(dp, bot, scripts)
        freeze_heap()
        say(f"{store.name}: round trips")
        trips = await roundtrips.measure(dp, settings, scripts)
        say(f"{store.name}: against bare aiogram")
        ratio = await bare.compare(dp, bot, scripts, settings)
        say(f"{store.name}: paced load")
        load = await paced.run(dp, bot, scripts, store.database_url,
                               sizes=(200,) if quick else (200, 1000), search=not quick,
                               progress=say)
    finally:
        await dp.emit_shutdown()
    return {"store": store.name, "updates_a_screening": [len(s) for s in scripts],
            "roundtrips": trips, "bare": ratio, "paced": load,
            "seconds": round(time.perf_counter() - started, 1)}


async def main(kind: str, quick: bool, out: str | None, scripts_file: str | None) -> int:
    quiet_logs()
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_store(kind, Path(folder)) as store:
            if isinstance(store, str):
                print(f"{NAMES[kind]}: skipped ({store})")
                result: dict[str, Any] = {"store": NAMES[kind], "skipped": store}
            else:
                result = await suite(store, quick, lambda line: print(line, file=sys.stderr),
                                     scripts_file)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if out:
        Path(out).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=KINDS, default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", dest="out")
    parser.add_argument("--scripts", help="scripts recorded beforehand (bench.scripts)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.store, args.quick, args.out, args.scripts)))
