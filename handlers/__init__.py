"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router

from handlers import application, errors, forget, menu, start
from handlers.screening import router as screening


def routers() -> list[Router]:
    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    return [
        # Before start: /cancel inside an application also erases the draft and its files.
        application.build_router(),
        start.build_router(),
        forget.build_router(),
        menu.build_router(),
        screening.build_router(),
        errors.build_router(),
    ]
