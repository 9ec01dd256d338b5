"""Notices per second through the outbox, against a local Bot API stand-in that answers 429
above 30 messages a second (as Telegram does).

    .venv/bin/python bench/outbox_bench.py [NOTICES]

The real sender (claims from a migrated SQLite outbox, the throttle, aiogram over HTTP, one
commit per delivered notice) sends NOTICES notices to as many chats, at the default rate
(OUTBOX_RATE=25) and at 28/s to show the headroom under Telegram's 30. Printed per run:
sustained notices/s, 429 answers (in the first second and after it), notices delivered more
or less than once, and the window of a double send (Telegram's answer → the row marked sent).
Run with no argument (as make bench does), it also writes its table to docs/performance.md.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bench.report import markdown_table, stamp, write_block
from bot.app import create_bot
from bot.clock import Clock
from bot.config import Settings
from bot.services.outbox_sender import OutboxSender, SenderConfig
from bot.services.throttle import Throttle
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import utcnow
from storage.outbox import OutboxRepo
from tests.e2e.faulty_bot_api import FaultyBotAPIStub

TELEGRAM_LIMIT = 30


async def run(notices: int, rate: float) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        async with sessions() as session:
            repo = OutboxRepo(session)
            now = utcnow()
            for i in range(notices):
                await repo.enqueue(f"b{i}", 10_000 + i, f"notice {i}", "decided", now)
            await session.commit()
        async with FaultyBotAPIStub() as stub:
            stub.rate_limit = TELEGRAM_LIMIT
            settings = Settings(_env_file=None, telegram_api_url=stub.url,
                                bot_token=SecretStr(stub.token))
            bot = create_bot(settings)
            sender = OutboxSender(bot, sessions, Clock.fixed(date(2015, 6, 1)),
                                  throttle=Throttle(rate=rate), config=SenderConfig())
            started = time.monotonic()
            while await sender.run_once():
                pass
            elapsed = time.monotonic() - started
            await bot.session.close()
        await engine.dispose()
    delivered = Counter(stub.delivered())
    first = stub.send_times[0][0] if stub.send_times else started
    throttled = [t for t, _, code in stub.send_times if code == 429]
    late_429 = sum(1 for t in throttled if t - first > 1.0)
    wrong = sum(1 for i in range(notices) if delivered[f"notice {i}"] != 1)
    windows = sorted(sender.stats.mark_windows)
    p99 = windows[int(len(windows) * 0.99) - 1] if windows else 0.0
    print(f"rate limit {rate:g}/s: {notices} notices in {elapsed:.1f} s = "
          f"{notices / elapsed:.1f} notices/s sustained; 429: {len(throttled) - late_429} in "
          f"the first second, {late_429} after; delivered other than once: {wrong}")
    print(f"  double-send window (answer → row marked sent): median "
          f"{statistics.median(windows) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {windows[-1] * 1000:.1f} ms")
    return [f"{rate:g}/s", f"{notices / elapsed:.1f}", f"{len(throttled) - late_429} / {late_429}",
            str(wrong), f"{statistics.median(windows) * 1000:.1f} / {p99 * 1000:.1f} / "
            f"{windows[-1] * 1000:.1f} ms"]


async def main() -> None:
    notices = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"Outbox sender against a stand-in answering 429 above {TELEGRAM_LIMIT}/s:")
    rows = [await run(notices, rate) for rate in (25.0, 28.0)]
    if len(sys.argv) == 1:
        header = ["OUTBOX_RATE", "notices/s", "429: first second / after",
                  "delivered other than once", "double-send window: median / p99 / max"]
        table = markdown_table(header, [(row[0], row[1:-1], row[-1]) for row in rows])
        write_block("outbox", f"Outbox sender, {notices} notices to as many chats against a "
                    f"stand-in answering 429 above {TELEGRAM_LIMIT}/s ({stamp()}):\n\n{table}")


if __name__ == "__main__":
    asyncio.run(main())
