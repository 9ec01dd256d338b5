"""A press skips, at once, every router that has no handler for its kind of button.

aiogram tries a callback query against each handler in turn, and each ``SomeCB.filter()``
whose prefix fits unpacks the data into a model: about 35 tries a press before the screening's
buttons. A router all of whose callback handlers (its sub-routers' too) filter on callback data
gets one filter of its own with those prefixes, checked once for the router and all under it.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery


class PressOf(Filter):
    """The callback data starts with one of these prefixes ("s:", "m:", …)."""

    def __init__(self, prefixes: frozenset[str]) -> None:
        self.prefixes = tuple(sorted(prefixes))

    async def __call__(self, query: CallbackQuery) -> bool:
        return query.data is not None and query.data.startswith(self.prefixes)


def own_presses(router: Router) -> Router:
    """Give ``router`` and the routers under it the filter they can have. Call it when
    every handler is registered: a handler added later would not be reached."""
    _prefixes(router)
    return router


def _prefixes(router: Router) -> frozenset[str] | None:
    """The prefixes (with the separator) of the presses ``router`` may take; None: any."""
    found: set[str] = set()
    any_press = False
    for handler in router.callback_query.handlers:
        kinds = [f.callback.callback_data for f in handler.filters or ()
                 if isinstance(f.callback, CallbackQueryFilter)]
        any_press |= not kinds
        found.update(kind.__prefix__ + kind.__separator__ for kind in kinds)
    for sub in router.sub_routers:
        theirs = _prefixes(sub)
        any_press |= theirs is None
        found.update(theirs or ())
    if any_press:
        return None
    router.callback_query.filter(PressOf(frozenset(found)))
    return frozenset(found)
