"""Updates per second through our dispatcher, against bare aiogram, in the same run.

    .venv/bin/python bench/dispatcher_bench.py [USERS]

Each simulated citizen sends /start, opens the check and ticks a group: three updates. Ours
runs the real middlewares, handlers, catalogs and SQL storage (SQLite file, WAL); bare aiogram
answers the same updates with one handler each and MemoryStorage. Bot API calls are answered
in-process (LocalSession) for both, so the figures compare the bot's own work.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, Message

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from handlers.screening.keyboards import SCB
from storage.migrate import upgrade_async


def bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def answer(message: Message) -> None:
        await message.answer("menu", reply_markup=None)

    @router.callback_query()
    async def press(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text("screen")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def drive(dp: Dispatcher, settings: Settings, users: int) -> float:
    bot = create_bot(settings, session=LocalSession())
    started = time.perf_counter()
    for user_id in range(1, users + 1):
        chat = LocalChat(dp, bot, user_id=user_id, language_code="ru")
        await chat.send("/start")
        await chat.click_data("m:check")
        await chat.click_data(SCB(step="groups", act="toggle", arg="elderly").pack())
    elapsed = time.perf_counter() - started
    await bot.session.close()
    return 3 * users / elapsed


async def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade_async(url)
        settings = Settings(_env_file=None, database_url=url, redis_url=None)
        ours = create_dispatcher(settings)
        await drive(ours, settings, 20)  # warm-up: imports, catalogs, connections
        bare_rate = await drive(bare_dispatcher(), settings, users)
        our_rate = await drive(ours, settings, users)
        await ours.emit_shutdown()
    print(f"bare aiogram : {bare_rate:8.0f} updates/s")
    print(f"sozak bot    : {our_rate:8.0f} updates/s (SQLite, middlewares, FSM, catalogs)")
    print(f"ratio        : {our_rate / bare_rate:8.3f} of bare aiogram")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
