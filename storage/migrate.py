"""Run the Alembic migrations from code: ``upgrade(url)`` / ``await upgrade_async(url)``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storage.db import _sqlite_file

try:
    import fcntl
except ImportError:  # not POSIX: no lock (one migrator at a time is then the operator's care)
    fcntl = None  # type: ignore[assignment]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# PostgreSQL advisory lock taken while migrating ("sozak_mg" in ASCII): one migrator at a time.
MIGRATION_LOCK_KEY = 0x736F7A616B5F6D67
# SQLite has no advisory lock: the same turn-taking is an flock on this file next to the
# database (kept there afterwards: removing it could let two migrators lock different files).
SQLITE_LOCK_SUFFIX = ".migrate.lock"


class MigrationError(Exception):
    """The database could not be reached or brought up to date; one line, no secrets."""


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
    try:
        with _sqlite_migration_lock(url):
            command.upgrade(alembic_config(url), revision)
    except CommandError as exc:  # e.g. a revision this code does not know: a newer schema
        raise MigrationError(f"cannot bring the schema up to date: {exc}") from None
    except (SQLAlchemyError, OSError) as exc:
        raise MigrationError(f"cannot open the database: {_reason(exc)}") from None


@contextlib.contextmanager
def _sqlite_migration_lock(url: str) -> Iterator[None]:
    """On a SQLite file, one migrator at a time (two processes starting together, or
    ``python -m bot migrate`` while the bot starts): the next one waits, then finds the schema
    at head and has nothing to do. Elsewhere nothing: PostgreSQL takes its advisory lock in
    the migration environment."""
    sa_url = make_url(url)
    path = _sqlite_file(sa_url) if sa_url.get_backend_name() == "sqlite" else None
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + SQLITE_LOCK_SUFFIX), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or the process dies
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _reason(exc: BaseException) -> str:
    """The driver's own words (first line), never the statement or its parameters."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


async def upgrade_async(url: str, revision: str = "head") -> None:
    """:func:`upgrade` in a worker thread, for use inside a running event loop."""
    await asyncio.to_thread(upgrade, url, revision)
