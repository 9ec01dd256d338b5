"""A Bot API session that answers in-process, so the dispatcher runs with no token and no network.

The console chat and the tests both use it; requests are recorded in order.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    Response,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, File, InlineKeyboardMarkup, Message, User

if TYPE_CHECKING:
    from aiogram import Bot

BOT_USER = User(id=1, is_bot=True, first_name="Sozak", username="sozak_bot")


class LocalSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.results: list[Any] = []  # the answer to each request, same index
        # Queued answers are taken first-in first-out before the made-up ones.
        self.responses: deque[Response[Any]] = deque()
        self._ids = itertools.count(1000)
        self.messages: dict[int, Message] = {}
        # Files "on Telegram's servers": file id -> content (getFile and the download read them).
        self.files: dict[str, bytes] = {}
        # Bytes each download was handed, in order: a download stopped early took fewer.
        self.streamed: list[int] = []

    def add_result(self, response: Response[Any]) -> Response[Any]:
        self.responses.append(response)
        return response

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        if self.responses:
            response = self.responses.popleft()
            self.results.append(response.result)
            self.check_response(
                bot=bot,
                method=method,
                status_code=response.error_code or 200,
                content=response.model_dump_json(),
            )
            return response.result  # type: ignore[return-value]
        result = self._made_up(method)
        self.results.append(result)
        return result  # type: ignore[no-any-return]

    def _made_up(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, GetFile):
            content = self.files.get(method.file_id, b"")
            return File(file_id=method.file_id, file_unique_id=method.file_id,
                        file_size=len(content), file_path=method.file_id)
        if isinstance(method, SendMessage):
            return self._store(next(self._ids), method.chat_id, method.text, method.reply_markup)
        if isinstance(method, EditMessageText) and method.message_id is not None:
            return self._store(
                method.message_id, method.chat_id, method.text or "", method.reply_markup
            )
        if isinstance(method, EditMessageReplyMarkup) and method.message_id is not None:
            old = self.messages.get(method.message_id)
            text = old.text if old and old.text else ""
            return self._store(method.message_id, method.chat_id, text, method.reply_markup)
        return True

    def _store(self, message_id: int, chat_id: Any, text: str, markup: Any) -> Message:
        message = Message(
            message_id=message_id,
            date=dt.datetime.now(dt.UTC),
            chat=Chat(id=int(chat_id or 0), type="private"),
            from_user=BOT_USER,
            text=text,
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )
        self.messages[message_id] = message
        return message

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        # The download URL ends with the file path, which getFile set to the file id. Handed
        # out chunk by chunk, as over HTTP.
        content = next((c for file_id, c in self.files.items() if url.endswith("/" + file_id)),
                       b"")
        self.streamed.append(0)
        for start in range(0, len(content), chunk_size):
            chunk = content[start : start + chunk_size]
            self.streamed[-1] += len(chunk)
            yield chunk
