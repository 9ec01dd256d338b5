"""Plain-function filters and handlers checked in the event loop, not in a worker thread.

aiogram runs a filter or handler that is not a coroutine function (a magic filter ``F.text``,
a ``State`` given as a filter) through ``asyncio.to_thread``: a thread hand-off for every such
filter of every handler tried, about sixteen per update of a screening, more than the rest of
the update costs. Ours are quick and pure, so they are called right where they are.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject


def check_in_loop(router: Router) -> None:
    """Make every filter and handler of ``router`` and the routers under it awaitable."""
    for each in router.chain_tail:
        for observer in each.observers.values():
            for handler in observer.handlers:
                _in_loop(handler)
                for check in handler.filters or ():
                    _in_loop(check)
            for check in observer._handler.filters or ():  # the observer's own filters
                _in_loop(check)


def _in_loop(obj: CallableObject) -> None:
    if obj.awaitable:
        return
    plain = obj.callback

    async def call(*args: Any, **kwargs: Any) -> Any:
        return plain(*args, **kwargs)

    # The parameters aiogram passes on were read from the plain function: they stay valid.
    obj.callback = call
    obj.awaitable = True
