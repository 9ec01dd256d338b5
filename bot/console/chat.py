"""A private chat with the bot driven in-process: typed text and pressed buttons become updates.

Used by the terminal console and by the tests, so both exercise the real dispatcher.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import mimetypes
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    Document,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
    User,
)

from bot.console.session import LocalSession

# Telegram numbers a bot's updates uniquely, and the bot skips an id it has handled: the ids
# here are unique across chats and runs (microseconds at the start of this process onward).
_update_ids = itertools.count(time.time_ns() // 1000)


@dataclass
class Button:
    text: str
    data: str | None = None
    url: str | None = None


@dataclass
class Reply:
    """What the user sees after one action: a new message, an edited one or a pop-up notice."""

    kind: str  # "send" | "edit" | "alert"
    text: str
    message_id: int | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] = field(default_factory=list)

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


def _inline(markup: Any) -> list[list[Button]]:
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [
        [Button(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard
    ]


def _reply_keyboard(markup: Any) -> list[list[str]]:
    if not isinstance(markup, ReplyKeyboardMarkup):
        return []
    return [[b.text for b in row] for row in markup.keyboard]


class LocalChat:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        *,
        user_id: int = 100,
        first_name: str = "Aigul",
        language_code: str | None = None,
    ) -> None:
        if not isinstance(bot.session, LocalSession):
            raise TypeError("LocalChat needs a bot on a LocalSession")
        self.dp, self.bot, self.session = dp, bot, bot.session
        self.user = User(
            id=user_id, is_bot=False, first_name=first_name, language_code=language_code
        )
        self.chat = Chat(id=user_id, type="private", first_name=first_name)
        self._update_ids = _update_ids
        self._message_ids = itertools.count(1)
        self.history: list[Reply] = []
        self.screen: Reply | None = None  # the latest message that carries inline buttons
        self.last_update: Update | None = None

    # -- actions -------------------------------------------------------------------------
    async def send(self, text: str) -> list[Reply]:
        return await self._feed_message(text=text)

    async def share_contact(self, phone: str) -> list[Reply]:
        contact = Contact(phone_number=phone, first_name=self.user.first_name, user_id=self.user.id)
        return await self._feed_message(contact=contact)

    async def send_contact_of_someone_else(self, phone: str) -> list[Reply]:
        contact = Contact(phone_number=phone, first_name="Other", user_id=self.user.id + 1)
        return await self._feed_message(contact=contact)

    async def send_document(
        self, file_name: str, content: bytes = b"%PDF-1.4 local", *, mime_type: str | None = None,
        file_size: int | None = None, file_unique_id: str | None = None,
    ) -> list[Reply]:
        """A file as Telegram announces it (name, type, size); its bytes can be downloaded.
        Its unique id is of Telegram's form (URL-safe base64) unless one is given."""
        file_id = f"local-{next(self._message_ids)}-{file_name[:32]}"  # as long as Telegram's
        self.session.files[file_id] = content
        if file_unique_id is None:
            digest = hashlib.sha256(file_id.encode()).digest()[:12]
            file_unique_id = base64.urlsafe_b64encode(digest).decode()
        doc = Document(
            file_id=file_id, file_unique_id=file_unique_id, file_name=file_name,
            mime_type=mime_type or mimetypes.guess_type(file_name)[0],
            file_size=len(content) if file_size is None else file_size,
        )
        return await self._feed_message(document=doc)

    async def send_photo(self, content: bytes = b"\xff\xd8\xff local photo") -> list[Reply]:
        file_id = f"local-photo-{next(self._message_ids)}"
        self.session.files[file_id] = content
        photo = PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=600,
                          file_size=len(content))
        return await self._feed_message(photo=[photo])

    async def send_sticker(self) -> list[Reply]:
        sticker = Sticker(
            file_id="s", file_unique_id="s", type="regular", width=1, height=1,
            is_animated=False, is_video=False,
        )
        return await self._feed_message(sticker=sticker)

    async def click(self, locator: int | str, reply: Reply | None = None) -> list[Reply]:
        """Press a button of `reply` (default: the current screen) by 1-based number or text."""
        target = reply or self.screen
        if target is None or target.message_id is None:
            raise LookupError("no message with buttons to press")
        button = self.find_button(target, locator)
        if button.data is None:
            raise LookupError(f"button {button.text!r} opens a link, it sends nothing")
        return await self._press(self.session.messages[target.message_id], button.data)

    async def click_data(self, data: str) -> list[Reply]:
        """Press a button by its callback data, under the bot's latest message."""
        sent = [r.message_id for r in self.history if r.message_id is not None]
        if not sent:
            raise LookupError("the bot has sent no message yet")
        return await self._press(self.session.messages[sent[-1]], data)

    async def click_stale(self, data: str) -> list[Reply]:
        """Press a button whose message the bot no longer knows (an old message)."""
        message = Message(
            message_id=1, date=dt.datetime.now(dt.UTC), chat=self.chat, text="old"
        )
        return await self._press(message, data)

    async def _press(self, message: Message, data: str) -> list[Reply]:
        query = CallbackQuery(
            id=str(next(self._update_ids)), from_user=self.user, chat_instance="local",
            message=message, data=data,
        )
        return await self._feed(Update(update_id=next(self._update_ids), callback_query=query))

    @staticmethod
    def find_button(reply: Reply, locator: int | str) -> Button:
        buttons = reply.flat_buttons
        if isinstance(locator, int):
            if not 1 <= locator <= len(buttons):
                raise LookupError(f"no button number {locator}")
            return buttons[locator - 1]
        for button in buttons:
            if locator.casefold() in button.text.casefold():
                return button
        raise LookupError(f"no button like {locator!r} in {[b.text for b in buttons]}")

    # -- plumbing ------------------------------------------------------------------------
    async def _feed_message(self, **content: Any) -> list[Reply]:
        message = Message(
            message_id=next(self._message_ids),
            date=dt.datetime.now(dt.UTC),
            chat=self.chat,
            from_user=self.user,
            **content,
        )
        return await self._feed(Update(update_id=next(self._update_ids), message=message))

    async def _feed(self, update: Update) -> list[Reply]:
        mark = len(self.session.requests)
        self.last_update = update
        await self.dp.feed_update(self.bot, update)
        calls = zip(self.session.requests[mark:], self.session.results[mark:], strict=False)
        replies = [r for r in (self._as_reply(m, res) for m, res in calls) if r]
        for reply in replies:
            if reply.buttons:
                self.screen = reply
        self.history.extend(replies)
        return replies

    def _as_reply(self, method: Any, result: Any) -> Reply | None:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None and str(chat_id) != str(self.chat.id):
            return None  # sent elsewhere (the staff chat): not what this user sees
        if isinstance(method, SendMessage):
            return Reply(
                "send",
                method.text,
                result.message_id if isinstance(result, Message) else None,
                _inline(method.reply_markup),
                _reply_keyboard(method.reply_markup),
            )
        if isinstance(method, EditMessageText):
            return Reply(
                "edit", method.text or "", method.message_id, _inline(method.reply_markup)
            )
        if isinstance(method, AnswerCallbackQuery) and method.text:
            return Reply("alert", method.text)
        return None

    @property
    def last_text(self) -> str:
        texts = [r.text for r in self.history if r.kind != "alert"]
        return texts[-1] if texts else ""
