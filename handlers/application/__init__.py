"""The citizen's application (p. 13–15): the conversation and «My applications»."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    # Imported when built: the staff card (bot.services) uses this package's texts, and the
    # router imports the staff card.
    from handlers.application import mine, router

    parent = Router(name="applications")
    parent.include_routers(router.build_router(), mine.build_router())
    return parent
