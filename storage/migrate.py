"""Run the Alembic migrations from code: ``upgrade(url)`` / ``await upgrade_async(url)``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config built in code (no alembic.ini needed) pointing at our migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Config values go through ConfigParser interpolation: escape '%' (URL-encoded passwords).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """``alembic upgrade head`` on ``url``, from synchronous code.

    The migration environment runs its own event loop (``asyncio.run``), so this must not be
    called from a thread whose loop is running: use :func:`upgrade_async` there.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "storage.migrate.upgrade() called inside a running event loop; "
            "use `await storage.migrate.upgrade_async(url)` instead"
        )
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """:func:`upgrade` in a worker thread, for use inside a running event loop."""
    await asyncio.to_thread(upgrade, url, revision)
