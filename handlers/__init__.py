"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    # Imported here, not at the top: services (the staff card) use handlers' helpers
    # (handlers.formatting, …), so importing this package must not import every router.
    from handlers import application, errors, forget, groups, menu, staff, start
    from handlers.groups import private_only
    from handlers.routing import own_presses
    from handlers.screening import router as screening

    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    # The citizen conversations run in private chats only; groups get one hint (groups.py),
    # after any router meant for a group (the staff chat). A router skips at once the presses
    # of buttons none of its handlers takes (own_presses), before its other checks.
    return [
        # First: it takes most updates, and none that another router would take (in private
        # chats only: its buttons "s:…", "m:check" and "m:documents", none of them a staff
        # button; text that is not a command, in its own state). Trying the staff routers
        # first cost a screening's press a twentieth of its time.
        private_only(own_presses(screening.build_router())),
        # Before the other citizen routers: it keeps the citizen conversation out of the staff
        # chat, and takes the staff's commands and buttons wherever they come from.
        own_presses(staff.build_router()),
        # Before start: /cancel inside an application also erases the draft and its files.
        private_only(own_presses(application.build_router())),
        private_only(own_presses(start.build_router())),
        private_only(own_presses(forget.build_router())),
        private_only(own_presses(menu.build_router())),
        private_only(errors.build_router()),
        groups.build_router(),
    ]
