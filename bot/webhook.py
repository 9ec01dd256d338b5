"""The webhook's request handler: only well-formed updates reach the dispatcher.

aiogram's handler lets a body that is not JSON, or JSON that is not an Update, fail inside
aiohttp: a 500 and a traceback in the log, with pydantic quoting the body (which may carry
what a citizen typed). Here such a body gets 400 and one log line naming the error's type, and
so do JSON nested too deep to parse and a body cut short (the client went away mid-request); a
body that is not ``application/json`` gets 415, and any secret but ours 401 (compared as bytes,
in constant time, whatever characters the header holds).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientPayloadError, web
from pydantic import ValidationError

from bot.telegram import NotDelivered

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram sends; anything else is not an update.
CONTENT_TYPE = "application/json"


def _as_bytes(text: str) -> bytes:
    # Any str encodes this way, lone surrogates included (aiohttp turns a header's bytes that
    # are not UTF-8 into some); our secret is ASCII, so only its own bytes are equal to it.
    return text.encode("utf-8", "surrogatepass")


class StrictRequestHandler(SimpleRequestHandler):
    """Telegram is answered once the update is handled (an update cut short by a restart is
    sent again), so aiogram's background mode, which reads the body unchecked, is not used."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, secret_token: str | None, **data: Any
    ) -> None:
        super().__init__(
            dispatcher, bot, handle_in_background=False, secret_token=secret_token, **data
        )

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # aiogram accepts anyone when no secret is set; settings require one, and so do we.
        if not self.secret_token:
            return False
        # On bytes: compare_digest refuses a str with a non-ASCII character (a TypeError).
        return secrets.compare_digest(
            _as_bytes(telegram_secret_token), _as_bytes(self.secret_token)
        )

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        secret = request.headers.get(SECRET_HEADER, "")
        if not self.verify_secret(secret, bot):
            return web.Response(body="Unauthorized", status=401)
        if request.content_type != CONTENT_TYPE:
            log.warning("webhook: a body not of type %s refused", CONTENT_TYPE)
            return web.Response(status=415, text="Unsupported Media Type")
        update = await read_update(bot, request)
        if isinstance(update, web.Response):
            return update
        try:
            # feed_update, not feed_webhook_update: that one answers Telegram after 55 s while
            # the update goes on, and logs a failure's traceback.
            result: Any = await self.dispatcher.feed_update(bot, update, **self.data)
        except NotDelivered as later:  # Telegram sends the update again later
            log.warning("webhook: update %s not delivered (%s)", update.update_id, later)
            return web.Response(status=503, headers={"Retry-After": f"{later.pause:.0f}"})
        if isinstance(result, TelegramMethod):  # a handler's answer given as its result
            await self.dispatcher.silent_call_request(bot=bot, result=result)
        return web.json_response({})


async def read_update(bot: Bot, request: web.Request) -> Update | web.Response:
    """The update in the body, or the response to give instead (400, or 200 to skip it)."""
    try:
        body = await request.read()
    except (OSError, ClientPayloadError) as exc:  # ConnectionResetError: the client went away
        log.warning("webhook: body cut short (%s)", type(exc).__name__)
        return web.Response(status=400, text="Bad Request")
    try:
        raw: Any = json.loads(body)
        update = Update.model_validate(raw, context={"bot": bot})
    # JSONDecodeError and UnicodeError are ValueErrors; RecursionError: nested too deep.
    except (ValueError, ValidationError, RecursionError) as exc:
        log.warning("webhook: malformed body refused (%s)", type(exc).__name__)
        return web.Response(status=400, text="Bad Request")
    try:
        update.event_type  # noqa: B018 -- raises for a kind of update this aiogram lacks
    except UpdateTypeLookupError:
        # Answered 200, or Telegram would resend it forever; aiogram would log its content.
        log.warning("webhook: update %s of an unknown kind skipped", update.update_id)
        return web.json_response({})
    return update
