"""A press skips a router that has no handler for its kind of button (handlers.routing)."""

from __future__ import annotations

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


async def takes(router: Router, data: str) -> bool:
    """Whether the router's own filters let a press with ``data`` through to its handlers."""
    passed, _ = await router.callback_query.check_root_filters(press(data))
    return passed


def press(data: str) -> CallbackQuery:
    user = User(id=1, is_bot=False, first_name="A")
    return CallbackQuery(id="1", from_user=user, chat_instance="c", data=data)


async def test_a_router_of_callback_data_handlers_takes_only_their_prefixes() -> None:
    parent, child = Router(), Router()
    parent.callback_query.register(handler, ACB.filter(F.act == "go"))
    child.callback_query.register(handler, BCB.filter())
    parent.include_router(child)
    own_presses(parent)

    assert await takes(parent, "x:go") and await takes(parent, "xy:1")
    assert not await takes(parent, "xyz:1") and not await takes(parent, "s::next:")
    assert await takes(child, "xy:1") and not await takes(child, "x:go")


async def test_a_router_that_may_take_any_press_gets_no_filter() -> None:
    parent, child = Router(), Router()
    parent.callback_query.register(handler, ACB.filter())
    child.callback_query.register(handler, F.data == "anything")  # not callback data
    parent.include_router(child)
    own_presses(parent)

    for data in ("x:go", "anything", "s::next:"):
        assert await takes(parent, data) and await takes(child, data)


async def test_a_press_a_router_refuses_skips_it_and_those_under_it() -> None:
    parent, gated, under, other = Router(), Router(), Router(), Router()

    async def gated_one(query: CallbackQuery) -> str:
        return "gated"

    async def under_one(query: CallbackQuery) -> str:
        return "under"

    async def other_one(query: CallbackQuery) -> str:
        return "other"

    gated.callback_query.register(gated_one, ACB.filter(F.act == "go"))
    under.callback_query.register(under_one)
    other.callback_query.register(other_one)
    gated.include_router(under)
    parent.include_routers(gated, other)
    gated.callback_query.filter(PressOf(frozenset({"x:"})))

    assert await parent.propagate_event("callback_query", press("x:go")) == "gated"
    assert await parent.propagate_event("callback_query", press("x:stop")) == "under"
    assert await parent.propagate_event("callback_query", press("xy:1")) == "other"
