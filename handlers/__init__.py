"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    # Imported here, not at the top: services (the staff card) use handlers' helpers
    # (handlers.formatting, …), so importing this package must not import every router.
    from handlers import application, errors, forget, menu, staff, start
    from handlers.screening import router as screening

    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    return [
        staff.build_router(),  # first: it keeps the citizen conversation out of the staff chat
        # Before start: /cancel inside an application also erases the draft and its files.
        application.build_router(),
        start.build_router(),
        forget.build_router(),
        menu.build_router(),
        screening.build_router(),
        errors.build_router(),
    ]
