"""The webhook's request handler: only well-formed updates reach the dispatcher.

aiogram's handler lets a body that is not JSON, or JSON that is not an Update, fail inside
aiohttp: a 500 and a traceback in the log, with pydantic quoting the body (which may carry
what a citizen typed). Here such a body gets 400 and one log line naming the error's type.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)


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
        return secrets.compare_digest(telegram_secret_token, self.secret_token)

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        update = await read_update(bot, request)
        if isinstance(update, web.Response):
            return update
        result: Any = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


async def read_update(bot: Bot, request: web.Request) -> Update | web.Response:
    """The update in the body, or the response to give instead (400, or 200 to skip it)."""
    try:
        raw: Any = json.loads(await request.read())
        update = Update.model_validate(raw, context={"bot": bot})
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and UnicodeError too
        log.warning("webhook: malformed body refused (%s)", type(exc).__name__)
        return web.Response(status=400, text="Bad Request")
    try:
        update.event_type  # noqa: B018 -- raises for a kind of update this aiogram lacks
    except UpdateTypeLookupError:
        # Answered 200, or Telegram would resend it forever; aiogram would log its content.
        log.warning("webhook: update %s of an unknown kind skipped", update.update_id)
        return web.json_response({})
    return update
