"""Bot API calls: retried when Telegram is busy or unreachable; harmless refusals let pass.

Retries: a 429 is retried after the ``retry_after`` Telegram asks for, a 5xx, a network error
or a time-out with a growing pause, within a bound of tries and seconds; after that the update
is rolled back and handled again later (:class:`NotDelivered`: polling waits the pause, the
webhook answers 503), never confirmed as done and never apologised for.

Harmless refusals: answering a button press only stops its spinner, and Telegram refuses it
once the press is old (after a restart, say); an edit that changes nothing is refused as "not
modified". Both mean the user already sees the right thing: the handler goes on, so nothing
entered is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetUpdates,
    TelegramMethod,
)

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

# After an outage (5xx, network) Telegram names no pause: the update is tried again after this.
OUTAGE_PAUSE = 15.0


class NotDelivered(Exception):
    """Telegram did not take an update's answer (a flood wait longer than our retries, or an
    outage): the update is handled again after ``pause`` seconds, never confirmed as done."""

    def __init__(self, pause: float, cause: TelegramAPIError) -> None:
        super().__init__(f"{type(cause).__name__}: again in {pause:.0f} s")
        self.pause = pause

    @classmethod
    def of(cls, exc: BaseException) -> NotDelivered | None:
        """The failure as "try again later", when it is Telegram's refusal to take a call."""
        if isinstance(exc, TelegramRetryAfter):
            return cls(float(exc.retry_after), exc)
        if isinstance(exc, TelegramServerError | TelegramNetworkError):
            return cls(OUTAGE_PAUSE, exc)
        return None


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


class Retries(BaseRequestMiddleware):
    """At most ``attempts`` tries and ``max_wait`` seconds of pauses per call.

    getUpdates is left to the polling loop, which has its own back-off and must stop promptly;
    getMe to the start-up check, which says in one line at once that the API does not answer.
    """

    def __init__(
        self,
        attempts: int = 5,
        max_wait: float = 20.0,
        first_pause: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts, self.max_wait, self.first_pause = attempts, max_wait, first_pause
        self.sleep = sleep

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        if isinstance(method, GetUpdates | GetMe):
            return await make_request(bot, method)
        waited, backoff = 0.0, self.first_pause
        attempt = 1
        error: TelegramAPIError
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                pause, error = float(exc.retry_after), exc
            except TelegramEntityTooLarge:
                raise
            except (TelegramServerError, TelegramNetworkError) as exc:
                pause, error = backoff, exc
                backoff *= 2
            if attempt >= self.attempts or waited + pause > self.max_wait:
                raise error
            log.warning(
                "%s failed (%s), try %d again in %.1f s",
                type(method).__name__, type(error).__name__, attempt + 1, pause,
            )
            await self.sleep(pause)
            waited += pause
            attempt += 1
