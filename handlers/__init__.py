"""aiogram routers, one module per conversation; each module builds a fresh router."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    # Imported here, not at the top: services use handlers.formatting, and the routers use the
    # services, so importing the package must not import every router.
    from handlers import errors, menu, start
    from handlers.screening import router as screening
    from handlers.staff import decisions as staff_decisions

    # Built anew per dispatcher: an aiogram router can belong to one parent only.
    return [
        start.build_router(),
        menu.build_router(),
        screening.build_router(),
        staff_decisions.build_router(),
        errors.build_router(),
    ]
