"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    # Imported here, not at the top: services (the staff card) use handlers' helpers
    # (handlers.formatting, …), so importing this package must not import every router.
    from handlers import application, errors, forget, groups, menu, staff, start
    from handlers.groups import private_only
    from handlers.screening import router as screening

    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    # The citizen conversations run in private chats only; groups get one hint (groups.py),
    # after any router meant for a group (the staff chat).
    return [
        staff.build_router(),  # first: it keeps the citizen conversation out of the staff chat
        # Before start: /cancel inside an application also erases the draft and its files.
        private_only(application.build_router()),
        private_only(start.build_router()),
        private_only(forget.build_router()),
        private_only(menu.build_router()),
        private_only(screening.build_router()),
        private_only(errors.build_router()),
        groups.build_router(),
    ]
