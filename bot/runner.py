"""Production: long polling, or a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiohttp import web

from bot.app import create_bot, create_clock, create_dispatcher
from bot.config import Settings, StartupError
from bot.polling import run_polling
from bot.preflight import check_listen, listen_error
from bot.services.notifier import install_notifier
from bot.webhook import StrictRequestHandler

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    clock = create_clock(settings)  # one clock: the training mark and the chat agree
    bot = create_bot(settings, clock=clock)
    try:
        if settings.webhook_url:  # before Telegram is told the webhook
            await check_listen(settings.webhook_host, settings.webhook_port)
        await check_api(bot, settings)
        dp = create_dispatcher(settings, clock=clock)
        install_notifier(dp)
        # What start-up built lives as long as the process: out of the collector's full passes,
        # which walked all of it (over 100 ms each) and set the tail of the latency.
        gc.collect()
        gc.freeze()
        if settings.webhook_url:
            await _serve_webhook(settings, bot, dp)
        else:
            await bot.delete_webhook()
            await run_polling(dp, bot, drain=settings.shutdown_timeout)
    finally:
        await bot.session.close()


async def check_api(bot: Bot, settings: Settings) -> None:
    """One line instead of a traceback when the Bot API is unreachable or refuses the token."""
    try:
        await bot.get_me()
    except TelegramUnauthorizedError:
        raise StartupError("BOT_TOKEN: the Bot API refused this token (Unauthorized)") from None
    except TelegramAPIError as exc:  # TelegramNetworkError, a 5xx, ...
        raise StartupError(
            f"TELEGRAM_API_URL: the Bot API at {settings.telegram_api_url} did not answer "
            f"({type(exc).__name__})"
        ) from None


def create_webhook_app(settings: Settings, bot: Bot, dp: Dispatcher) -> web.Application:
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    # The server listens on the path of the public URL Telegram is given.
    path = urlsplit(settings.webhook_url or "").path or "/webhook"
    # Answer Telegram only once the update is handled: one cut short by a restart is resent.
    StrictRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)
    workflow = {"app": app, "dispatcher": dp, "bot": bot, **dp.workflow_data}

    async def startup(_: web.Application) -> None:
        await dp.emit_startup(**workflow)

    async def shutdown(_: web.Application) -> None:
        await dp.emit_shutdown(**workflow)

    app.on_startup.append(startup)
    # On cleanup, not on shutdown (aiogram's setup_application): aiohttp runs the shutdown
    # hooks before the requests in hand are finished, and those still need the database.
    app.on_cleanup.append(shutdown)

    async def set_webhook(_: web.Application) -> None:
        await bot.set_webhook(
            settings.webhook_url or "", secret_token=secret, drop_pending_updates=False
        )

    app.on_startup.append(set_webhook)
    return app


async def _serve_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    # On SIGTERM the server stops taking requests and gives those in hand this long to finish
    # (Telegram resends one that gets no answer).
    runner = web.AppRunner(
        create_webhook_app(settings, bot, dp), shutdown_timeout=settings.shutdown_timeout
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        try:
            await site.start()
        except OSError as exc:  # taken since check_listen: still one line
            raise listen_error(settings.webhook_host, settings.webhook_port, exc) from None
        log.info("webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()  # waits for requests in flight, then the shutdown hooks
