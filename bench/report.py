"""The table make bench prints, and its blocks of docs/performance.md (each bench script
rewrites its own block, between markers that hold no figures)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "performance.md"
Row = tuple[str, list[str], str]  # label, one value per store, target


def stamp() -> str:
    """When, on what code and how many cores."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10, check=False).stdout.strip()
        except OSError:
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "?"
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") \
        else ""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # Others' processes on the same cores shift every figure: the load says whether there were.
    load = os.getloadavg()[0]
    return f"{when}, commit {commit}{dirty}, {os.cpu_count()} cores, load {load:.1f}"


def n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", " ")


def text_table(header: list[str], rows: list[Row]) -> str:
    cells = [[label, *values, target] for label, values, target in rows]
    widths = [max(len(r[i]) for r in [header, *cells]) for i in range(len(header))]
    lines = []
    for row in [header, *cells]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def markdown_table(header: list[str], rows: list[Row]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join([label, *values, target]) + " |" for label, values, target in rows]
    return "\n".join(lines)


def write_block(name: str, body: str) -> None:
    """Replace docs/performance.md's block ``name`` (added at the end when missing)."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + block + "\n"
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text)


# ---- the dispatcher's rows -------------------------------------------------------------------

def _each(results: list[dict[str, Any]], show: Any) -> list[str]:
    values = []
    for result in results:
        if "skipped" in result:
            values.append("skipped")
        elif "error" in result:
            values.append("failed: see above")
        else:
            try:
                values.append(show(result))
            except (KeyError, TypeError, IndexError, ZeroDivisionError, StopIteration):
                values.append("—")
    return values


def _cell(result: dict[str, Any], citizens: int, rate: int) -> dict[str, Any]:
    return next(c for c in result["paced"]["cells"]
                if c["citizens"] == citizens and c["rate"] == rate)


def _trip(side: dict[str, Any], kind: str) -> str:
    t = side[kind]
    calls = "1 call" if t["calls"] == 1 else f"{t['calls']} calls"
    return f"{n(t['p50_ms'])} / {n(t['p99_ms'])} ms, {calls}, {t['in_sequence']} in sequence"


def dispatcher_rows(inproc: list[dict[str, Any]], memory: list[dict[str, Any]],
                    e2e: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    targets = {100: "p99 < 50 ms", 300: "p99 < 100 ms"}
    for citizens in (200, 1000):
        for rate in (30, 100, 300):
            def paced(r: dict[str, Any], c: int = citizens, q: int = rate) -> str:
                cell = _cell(r, c, q)
                failed = f", {cell['failed']} failed" if cell["failed"] else ""
                return f"{n(cell['p50_ms'], 1)} / {n(cell['p99_ms'], 1)} ms{failed}"
            rows.append((f"{n(citizens)} citizens at once, {rate} updates/s: p50 / p99",
                         _each(inproc, paced), targets.get(rate, "")))
        rows.append((f"{n(citizens)} citizens: screenings finished / begun, failed updates", _each(
            inproc, lambda r, c=citizens: "{finished}/{begun}, {failed}".format(**next(
                p for p in r["paced"]["populations"] if p["citizens"] == c))),
            "every one, 0"))
    rows.append(("most updates/s with p99 < 100 ms (1 000 citizens)",
                 _each(inproc, lambda r: n(r["paced"]["max_rate"]["rate"]) + "/s"), ""))
    rows.append(("full collections in the paced runs (longest)", _each(inproc, lambda r: (
        f"{sum(c['full_gcs'] for c in r['paced']['cells'])} "
        f"({n(max(c['gc_max_ms'] for c in r['paced']['cells']))} ms)")), ""))
    rows.append(("vs bare aiogram, closed loop: one at a time / 200 at once", _each(
        inproc, lambda r: f"{r['bare']['one']['ratio']:.3f} / {r['bare']['many']['ratio']:.3f}"),
        "reported"))
    for kind, label in (("press", "a press"), ("typed", "a typed answer"), ("command", "/start")):
        target = "p50 ≤ 60 ms" if kind == "press" else ""
        rows.append((f"50 ms Bot API, {label}: p50 / p99", _each(
            inproc, lambda r, k=kind: _trip(r["roundtrips"]["ours"], k)), target))
        rows.append((f"  bare aiogram, {label}", _each(
            inproc, lambda r, k=kind: _trip(r["roundtrips"]["bare"], k)), ""))
    users = next((m["users"] for m in memory if "users" in m), 10_000)
    rows.append((f"RSS: start → 1st user → {n(users)}th user", _each(memory, lambda m: (
        f"{n(m['rss_start_mib'])} → {n(m['rss_first_mib'])} → {n(m['rss_last_mib'])} MiB "
        f"(+{n(m['growth_mib'], 1)})")), "+ < 50 MiB"))
    crowd = next((e["citizens"] for e in e2e if "citizens" in e), 200)
    rows.append((f"HTTP, {n(crowd)} citizens at once: p50 / p99 per update", _each(
        e2e, lambda e: f"{n(e['p50_ms'])} / {n(e['p99_ms'])} ms"), ""))
    rows.append(("  updates/s; screenings finished; failed updates", _each(
        e2e, lambda e: f"{n(e['updates_per_s'])}/s; {e['finished']}/{e['citizens']}; "
                       f"{e['failed']}"), ""))
    rows.append(("  CPU, cores of 2: bot / stand-in (its share)", _each(
        e2e, lambda e: f"{e['bot_cores']:.2f} / {e['standin_cores']:.2f} "
                       f"({e['standin_share']:.0%})"), ""))
    rows.append(("  getUpdates answers carrying each update", _each(
        e2e, lambda e: n(e["polled_per_update"], 1)), ""))
    rows.append(("  bot's full collections (longest); objects frozen", _each(
        e2e, lambda e: f"{e['bot_gc']['full_gcs']} ({n(e['bot_gc']['gc_max_ms'])} ms); "
                       f"{n(e['bot_gc']['frozen_objects'])}"), ""))
    return rows
