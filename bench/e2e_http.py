"""End to end over HTTP: `python -m bot`, as in production (its own interpreter, settings from
the environment, long polling, aiogram's aiohttp session), against the tests' stand-in of the
Bot API in another process (bench/e2e_standin.py: it plays Telegram and the citizens), both on
this machine's cores, over loopback only.

    .venv/bin/python bench/e2e_http.py [--store sqlite|pg] [--citizens 200] [--json FILE]
                                       [--scripts FILE]

A few citizens warm the bot up, then CITIZENS go through their screenings at once, each
update pushed as soon as the last is answered. Per update: the time from its push to the
bot's last call for it, as the stand-in receives it. Also: screenings stored, failed updates
(unanswered, or an error in the bot's log), each process's CPU over the run (how much of the
two cores the stand-in takes), and the bot's full garbage collections (bench/gc_site).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import latency, quiet_logs  # noqa: E402
from bench.scripts import DAY, scripts_from  # noqa: E402
from bench.stores import KINDS, NAMES, Store, finished_screenings, fresh_store  # noqa: E402

WARM = 8
RUN_TIMEOUT = 240.0  # s for the whole run, start-up included
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def bot_env(store: Store, api: dict[str, str], folder: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        PYTHONPATH=os.pathsep.join((str(ROOT / "bench" / "gc_site"), str(ROOT))),
        PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1",
        BOT_TOKEN=api["token"], TELEGRAM_API_URL=api["url"],
        DATABASE_URL=store.database_url, REDIS_URL=store.redis_url or "",
        CLOCK_START=DAY.isoformat(),  # the day the personas were recorded on
        DEFAULT_LOCALE="kk", WEBHOOK_URL="", DATA_DIR=str(folder / "data"),
        BENCH_GC_OUT=str(folder / "gc.json"),
    )
    return env


async def _stop(proc: asyncio.subprocess.Process, timeout: float = 25.0) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def run(store: Store, citizens: int, scripts_file: str, folder: Path) -> dict[str, Any]:
    standin_log = (folder / "standin.log").open("wb")
    bot_log_path = folder / "bot.log"
    bot_log = bot_log_path.open("wb")
    standin = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "e2e_standin.py"), scripts_file, str(citizens),
        str(WARM), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=standin_log,
        cwd=folder, limit=1 << 24,
    )
    bot = None
    try:
        assert standin.stdout is not None and standin.stdin is not None
        api = json.loads(await asyncio.wait_for(standin.stdout.readline(), 30))
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=bot_env(store, api, folder), cwd=folder,
            stdout=bot_log, stderr=subprocess.STDOUT,
        )
        standin.stdin.write(f"{bot.pid}\n".encode())
        await standin.stdin.drain()
        reply = asyncio.ensure_future(standin.stdout.readline())
        exited = asyncio.ensure_future(bot.wait())
        done, _ = await asyncio.wait({reply, exited}, timeout=RUN_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if reply not in done or not reply.result():
            reply.cancel()
            why = f"the bot exited with {bot.returncode}" if exited in done else "timed out"
            tail = bot_log_path.read_text(errors="replace")[-1500:]
            return {"store": store.name, "error": f"{why}; its log ends:\n{tail}"}
        figures = json.loads(reply.result())
        during = bot_log_path.read_text(errors="replace")  # the log of the run, before the stop
    finally:
        if bot is not None:
            await _stop(bot)
        await _stop(standin, 5.0)
        standin_log.close()
        bot_log.close()
    gc_file = folder / "gc.json"
    bot_gc = json.loads(gc_file.read_text()) if gc_file.exists() else {}
    # Failures are logged by their type and place only (never what a citizen typed).
    log_errors = [line for line in during.splitlines() if " ERROR " in line]
    at_stop = [line for line in bot_log_path.read_text(errors="replace")[len(during):]
               .splitlines() if " ERROR " in line or "Traceback" in line]
    seconds = figures["seconds"]
    return {
        "store": store.name, "citizens": citizens, **latency(figures["latencies"]),
        "kinds": {kind: latency(values) for kind, values in figures["kinds"].items()},
        "updates_per_s": round(figures["updates"] / seconds, 1), "seconds": round(seconds, 1),
        "finished": await finished_screenings(store.database_url, figures["finished"]),
        "failed": figures["unanswered"] + len(log_errors),
        "unanswered": figures["unanswered"], "errors_logged": log_errors[:3],
        "errors_at_stop": at_stop[:3],
        "bot_cores": round(figures["bot_cpu_s"] / seconds, 2),
        "standin_cores": round(figures["standin_cpu_s"] / seconds, 2),
        "standin_share": round(figures["standin_cpu_s"]
                               / max(figures["standin_cpu_s"] + figures["bot_cpu_s"], 1e-9), 2),
        "bot_gc": bot_gc,
        # Each getUpdates answers every update not yet confirmed (those in hand too).
        "polls": figures["polls"],
        "polled_per_update": round(figures["polled_updates"] / max(figures["updates"], 1), 1),
    }


async def main(kind: str, citizens: int, out: str | None, scripts_file: str | None) -> int:
    quiet_logs()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if scripts_file is None:
            scripts_file = str(folder / "scripts.json")
            Path(scripts_file).write_text(json.dumps(await scripts_from(None)))
        async with fresh_store(kind, folder) as store:
            if isinstance(store, str):
                result: dict[str, Any] = {"store": NAMES[kind], "skipped": store}
            else:
                result = await run(store, citizens, scripts_file, folder)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, ensure_ascii=False)
    if out:
        Path(out).write_text(text)
    else:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=KINDS, default="sqlite")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--json", dest="out")
    parser.add_argument("--scripts", help="scripts recorded beforehand (bench.scripts)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.store, args.citizens, args.out, args.scripts)))
