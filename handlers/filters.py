"""Filters aiogram awaits in the event loop.

aiogram awaits a filter that is a ``Filter`` (or a coroutine function); anything else (a magic
filter such as ``F.text``, a ``State``, a plain function) it runs in a worker thread through
``asyncio.to_thread``: a thread hand-off for every such filter of every handler tried, more
than the rest of an update costs. So our routers give it ``Filter``s only: ``Magic(F.text)``
for a magic filter, ``StateFilter(...)`` for a state, ``SomeCB.filter()``, ``Command(...)``, and
their modules' own filter classes, on handlers and on routers (``router.message.filter(...)``).
tests/test_pipeline.py checks every filter and handler.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter

# Text typed, not a command (/cancel, /menu… are other routers' or handlers').
TYPED = F.text & ~F.text.startswith("/")


class Magic(Filter):
    """A magic filter, awaited: ``Magic(F.text)``, ``Magic(~F.data.startswith("x"))``.

    It gives what the magic filter resolves to, as aiogram's own handling of one does (a
    ``.as_("name")`` gives its value to the handler under that name). Negate or combine
    inside it: ``Magic(F.photo | F.document)``."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)
