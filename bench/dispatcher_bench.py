"""What users feel, on SQLite and on PostgreSQL + Redis: make bench's dispatcher part.

    .venv/bin/python bench/dispatcher_bench.py [--quick] [--no-docs]

Runs each part in a process of its own, one after another (they share the cores), each part
on a fresh store (PostgreSQL + Redis skipped in one line when they do not answer):

* bench/inprocess.py: 50 ms Bot API round trips per kind of update; the ratio to bare
  aiogram (closed loop, no target); paced load, 200 and 1 000 citizens at once offered 30,
  100 and 300 updates/s, then the most updates/s with p99 < 100 ms;
* bench/memory.py: RSS at start and after 10 000 distinct users;
* bench/e2e_http.py: `python -m bot` polling the Bot API stand-in over loopback HTTP, 200
  citizens at once.

Prints one table and, unless --no-docs or --quick, writes it to docs/performance.md.
--quick: fewer citizens, no search of the top rate, 1 000 users for RSS (a smoke test).
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

from bench import report  # noqa: E402
from bench.stores import KINDS, NAMES  # noqa: E402

# Seconds a part may take before it is stopped (it usually takes a third of that).
TIMEOUTS = {"inprocess": 330, "memory": 150, "e2e_http": 300}


def run_part(part: str, kind: str, args: list[str], folder: Path) -> dict[str, Any]:
    out = folder / f"{part}-{kind}.json"
    command = [sys.executable, str(ROOT / "bench" / f"{part}.py"), "--store", kind,
               "--json", str(out), "--scripts", str(folder / "scripts.json"), *args]
    # A session of its own, so that a part stopped at its time-out takes its children along.
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    try:
        proc.wait(TIMEOUTS[part])
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return {"store": NAMES[kind], "error": f"{part} stopped after {TIMEOUTS[part]} s"}
    if proc.returncode != 0 or not out.exists():
        return {"store": NAMES[kind], "error": f"{part} exited with {proc.returncode}"}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def record(folder: Path) -> None:
    from bench.measure import quiet_logs
    from bench.scripts import record_scripts

    quiet_logs()
    scripts = asyncio.run(record_scripts())
    (folder / "scripts.json").write_text(json.dumps(scripts, ensure_ascii=False))
    print(f"personas: {len(scripts)}, updates a screening: "
          f"{', '.join(str(len(s)) for s in scripts)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    options = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, list[dict[str, Any]]] = {"inprocess": [], "memory": [], "e2e_http": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        record(folder)
        for kind in KINDS:
            for part, args in (("inprocess", ["--quick"] if options.quick else []),
                               ("memory", ["--users", "1000" if options.quick else "10000"]),
                               ("e2e_http", ["--citizens", "40" if options.quick else "200"])):
                print(f"{NAMES[kind]}: {part} ...", file=sys.stderr, flush=True)
                result = run_part(part, kind, args, folder)
                if "skipped" in result and part == "inprocess":
                    print(f"\n{NAMES[kind]}: skipped ({result['skipped']})")
                if "error" in result:
                    print(f"\n{NAMES[kind]}, {part}: {result['error']}")
                results[part].append(result)
                if "skipped" in result:  # the others would skip too
                    for rest in ("memory", "e2e_http"):
                        if rest != part and len(results[rest]) < len(results[part]):
                            results[rest].append(result)
                    break
    rows = report.dispatcher_rows(results["inprocess"], results["memory"],
                                  results["e2e_http"])
    header = ["", *(NAMES[k] for k in KINDS), "target"]
    took = f"{time.perf_counter() - started:.0f} s"
    print(f"\nDispatcher, {report.stamp()} ({took}):")
    print(report.text_table(header, rows))
    if not (options.quick or options.no_docs):
        report.write_block("dispatcher", f"Measured {report.stamp()}; this part took {took}.\n\n"
                           + report.markdown_table(header, rows))
        print(f"written to {report.DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
