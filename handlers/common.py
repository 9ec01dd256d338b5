"""What every conversation shares: showing "the current step" again after unexpected input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import Message

# Renders the step a user is on as a new message; keyed by the state group's name.
StepRenderer = Callable[[Message, FSMContext, dict[str, Any]], Awaitable[None]]
_renderers: dict[str, StepRenderer] = {}
_fallback: list[StepRenderer] = []


def renders_steps_of(group: type[StatesGroup]) -> Callable[[StepRenderer], StepRenderer]:
    def register(renderer: StepRenderer) -> StepRenderer:
        _renderers[group.__full_group_name__] = renderer
        return renderer

    return register


def renders_no_step(renderer: StepRenderer) -> StepRenderer:
    """The screen of a user in no conversation: the main menu."""
    _fallback[:] = [renderer]
    return renderer


async def show_current_step(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    current = await state.get_state()
    group = current.split(":", 1)[0] if current else ""
    renderer = _renderers.get(group) or _fallback[0]
    await renderer(message, state, data)
