"""Profiles evaluated per second by the rules engine, on one core.

    .venv/bin/python bench/rules_bench.py [SECONDS]

Run with no argument (as make bench does), it also writes its line to docs/performance.md.

Each round parses a JSON-decoded profile, evaluates it and builds the contract dict
(parse_profile + evaluate + to_dict), over a mix of profiles and dates that spans the
holidays calendar of several years.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import n, stamp, write_block
from bot.rules import evaluate, load_ruleset, parse_profile
from bot.rules.profile import STATUSES


def profiles(n: int, seed: int = 241) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for _ in range(n):
        p: dict[str, Any] = {
            "on_date": f"{rnd.randint(2015, 2026)}-{rnd.randint(1, 12):02d}-"
                       f"{rnd.randint(1, 28):02d}",
            "age": rnd.randint(18, 95),
            "statuses": rnd.sample(STATUSES, rnd.randint(0, 4)),
            "household": {"members": rnd.randint(1, 8),
                          "monthly_income": rnd.randint(0, 400000)},
            "children": [{"age": rnd.randint(0, 17), "disabled": rnd.random() < 0.2,
                          "home_schooled": rnd.random() < 0.1}
                         for _ in range(rnd.randint(0, 3))],
        }
        if rnd.random() < 0.3:
            kind = rnd.choice(["fire", "natural_disaster", "disease", "legal_ground", "other"])
            p["situation"] = {"kind": kind, "occurred_on": "2015-03-01"}
        if rnd.random() < 0.2:
            p["history"] = [{"id": "p9.11", "granted_on": "2015-01-15"}]
        out.append(p)
    return out


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    load_ruleset()
    batch = profiles(2000)
    for p in batch:  # warm the per-year calendar and per-day caches
        evaluate(parse_profile(p)).to_dict()
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for p in batch:
            evaluate(parse_profile(p)).to_dict()
        done += len(batch)
    full = done / (time.perf_counter() - start)

    parsed = [parse_profile(p) for p in batch]
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for prof in parsed:
            evaluate(prof)
        done += len(parsed)
    engine = done / (time.perf_counter() - start)
    print(f"parse + evaluate + to_dict: {full:,.0f} profiles/s")
    print(f"evaluate only:              {engine:,.0f} profiles/s")
    if len(sys.argv) == 1:
        write_block("rules", f"Rules engine, one core ({stamp()}): {n(full)} profiles/s "
                    f"parsed, evaluated and serialised; {n(engine)}/s evaluation alone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
