"""The training mark: on a training clock every message and edit says so, in one line.

One place for all of it: a request middleware on the bot's session, so whatever sends — a
handler, the background notice sender, a staff tool — is marked without knowing of training.
The language is the one of the i18n context the request is made in: inside a handler the
user's; a background sender that renders a notice in the recipient's language does so inside
``with i18n.context(), i18n.use_locale(lang):`` and the mark follows. With no context at all
the mark speaks both languages.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import (
    EditMessageCaption,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.utils.i18n import I18n
from babel.dates import format_date

from bot.clock import Clock
from bot.i18n import LOCALES, N_

if TYPE_CHECKING:
    from aiogram import Bot

MARK = N_("🎓 Training mode: in the bot it is {date}")
# Which field of which method carries what the user reads.
_TEXT_FIELDS: dict[type[TelegramMethod[Any]], str] = {
    SendMessage: "text",
    EditMessageText: "text",
    SendDocument: "caption",
    SendPhoto: "caption",
    EditMessageCaption: "caption",
}


class TrainingMark(BaseRequestMiddleware):
    """Installed by ``create_bot`` when the clock is a training clock."""

    def __init__(self, clock: Clock, catalogs: I18n) -> None:
        self.clock, self.catalogs = clock, catalogs

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        name = _TEXT_FIELDS.get(type(method))
        if name is not None:
            method = self.mark(method, name)
        return await make_request(bot, method)

    def line(self) -> str:
        """The mark in the current i18n context's language, or in both without one."""
        current = I18n.get_current(no_error=True)
        locales = (current.current_locale,) if current is not None else LOCALES
        day = self.clock.today()
        return " · ".join(
            self.catalogs.gettext(MARK, locale=locale).format(
                date=format_date(day, "d MMMM y", locale=locale))
            for locale in locales
        )

    def mark(self, method: TelegramMethod[Any], name: str) -> TelegramMethod[Any]:
        """A copy of ``method`` whose text starts with the mark (the original may be resent)."""
        text = getattr(method, name)
        parse_mode = getattr(method, "parse_mode", None)
        line = self.line()
        # The bot's default is HTML; a message sent as plain text gets a plain mark.
        if isinstance(parse_mode, Default) or str(parse_mode or "").upper() == "HTML":
            line = f"<i>{html.escape(line, quote=False)}</i>"
        marked = f"{line}\n{text}" if text else line
        return method.model_copy(update={name: marked})
