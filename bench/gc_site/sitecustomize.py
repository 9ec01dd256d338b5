"""Loaded by the bot's own interpreter in the end-to-end bench (bench/e2e_http.py puts this
folder on its PYTHONPATH), and only there: notes the full (generation 2) garbage collections
of the measured window. SIGUSR1 opens the window; SIGUSR2 writes what it saw, with the bot's
RSS and how many objects start-up set aside (gc.freeze), to $BENCH_GC_OUT."""

import os

if os.environ.get("BENCH_GC_OUT"):
    import gc
    import json
    import signal
    import time

    _seen: list[float] = []
    _state = {"started": 0.0, "open": False}

    def _callback(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            _state["started"] = time.perf_counter()
        elif _state["open"]:
            _seen.append(time.perf_counter() - _state["started"])

    def _open(*_: object) -> None:
        _seen.clear()
        _state["open"] = True

    def _write(*_: object) -> None:
        with open("/proc/self/status") as status:
            rss = next((int(line.split()[1]) / 1024 for line in status
                        if line.startswith("VmRSS:")), 0.0)
        with open(os.environ["BENCH_GC_OUT"], "w") as out:
            json.dump({"full_gcs": len(_seen), "gc_total_ms": round(sum(_seen) * 1000, 1),
                       "gc_max_ms": round(max(_seen, default=0.0) * 1000, 1),
                       "frozen_objects": gc.get_freeze_count(), "rss_mib": round(rss, 1)}, out)

    gc.callbacks.append(_callback)
    signal.signal(signal.SIGUSR1, _open)
    signal.signal(signal.SIGUSR2, _write)
