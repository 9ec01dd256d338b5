"""A press skips a router that has no handler for its kind of button (handlers.routing)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, User

from handlers.routing import PressOf, own_presses


class ACB(CallbackData, prefix="x"):
    act: str


class BCB(CallbackData, prefix="xy"):
    n: int


async def handler(query: CallbackQuery) -> None:
    return None


def root_filters(router: Router) -> list[Any]:
    return [f.callback for f in router.callback_query._handler.filters or ()]


def press(data: str) -> CallbackQuery:
    user = User(id=1, is_bot=False, first_name="A")
    return CallbackQuery(id="1", from_user=user, chat_instance="c", data=data)


async def test_a_router_of_callback_data_handlers_takes_only_their_prefixes() -> None:
    parent, child = Router(), Router()
    parent.callback_query.register(handler, ACB.filter(F.act == "go"))
    child.callback_query.register(handler, BCB.filter())
    parent.include_router(child)
    own_presses(parent)

    (taken,) = root_filters(parent)
    assert isinstance(taken, PressOf)
    assert await taken(press("x:go")) and await taken(press("xy:1"))
    assert not await taken(press("xyz:1")) and not await taken(press("s::next:"))
    assert [type(f) for f in root_filters(child)] == [PressOf]


async def test_a_router_that_may_take_any_press_gets_no_filter() -> None:
    parent, child = Router(), Router()
    parent.callback_query.register(handler, ACB.filter())
    child.callback_query.register(handler, F.data == "anything")  # not callback data
    parent.include_router(child)
    own_presses(parent)

    assert root_filters(parent) == [] and root_filters(child) == []
