"""The staff's side: commands and card buttons for STAFF_IDS, in the staff chat or in private.

Routers, in order: the staff commands, the decisions (decisions.py), and last the guard that answers
everyone else and keeps the citizen conversation out of the staff chat. A citizen's update that
is none of their matter (access.StaffMatter) passes all three by at once.
"""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    # Imported when built: the staff card (bot.services) imports handlers.staff.keyboards, so
    # importing this package must not import the routers that use the card.
    from handlers.staff import access, commands, decisions

    router = Router(name="staff")
    router.message.filter(access.StaffMatter())
    router.callback_query.filter(access.StaffMatter())
    router.message.middleware(access.StaffChatLocale())
    router.callback_query.middleware(access.StaffChatLocale())
    router.include_routers(
        commands.build_router(), decisions.build_router(), access.build_guard_router()
    )
    return router
