"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router

from handlers import errors, forget, menu, staff, start
from handlers.screening import router as screening


def routers() -> list[Router]:
    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    return [
        staff.build_router(),  # first: it keeps the citizen conversation out of the staff chat
        start.build_router(),
        forget.build_router(),
        menu.build_router(),
        screening.build_router(),
        errors.build_router(),
    ]
