"""The citizen's application (p. 13–15): the conversation and «My applications»."""

from __future__ import annotations

from aiogram import Router

from handlers.application import mine, router


def build_router() -> Router:
    parent = Router(name="applications")
    parent.include_routers(router.build_router(), mine.build_router())
    return parent
