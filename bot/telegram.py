"""Bot API refusals that must not interrupt a conversation.

Answering a button press only stops its spinner, and Telegram refuses it once the press is
old (after a restart, say); an edit that changes nothing is refused as "not modified". Both
mean the user already sees the right thing: the handler goes on, so nothing entered is lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    TelegramMethod,
)

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class HarmlessRefusals(BaseRequestMiddleware):
    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if not self._harmless(method, exc.message):
                raise
            log.info("%s refused as harmless: %s", type(method).__name__, exc.message)
            return True

    @staticmethod
    def _harmless(method: TelegramMethod[Any], message: str) -> bool:
        text = message.lower()
        if isinstance(method, AnswerCallbackQuery):
            return "query is too old" in text or "query id is invalid" in text
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            return "message is not modified" in text
        return False
