"""Migrations: they apply on a fresh SQLite file and on PostgreSQL, match the models, and the
SQLite engine really runs in WAL mode with foreign keys on."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import (
    MIGRATION_LOCK_KEY,
    SQLITE_LOCK_SUFFIX,
    alembic_config,
    upgrade,
    upgrade_async,
)
from storage.models import Base

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "users",
    "fsm_states",
    "screenings",
    "handled_updates",
    "applications",
    "application_benefits",
    "application_members",
    "attachments",
    "consents",
    "audit_log",
    "reference_counters",
    "outbox",
}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def schema_report(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        "tables": set(inspector.get_table_names()),
        "version": connection.execute(text("SELECT version_num FROM alembic_version")).scalar(),
        "diff": compare_metadata(MigrationContext.configure(connection), Base.metadata),
        "fks": inspector.get_foreign_keys("screenings"),
        "indexes": {ix["name"] for ix in inspector.get_indexes("screenings")},
    }


async def test_migrations_create_the_tables(db_url: str) -> None:
    await upgrade_async(db_url)
    await upgrade_async(db_url)  # a second run is a no-op

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            report = await conn.run_sync(schema_report)
    finally:
        await engine.dispose()

    assert report["tables"] == {*TABLES, "alembic_version"}
    assert report["version"] == head_revision()
    assert report["diff"] == []  # the migration and the models agree
    (fk,) = report["fks"]
    assert (fk["referred_table"], fk["options"].get("ondelete")) == ("users", "CASCADE")
    assert "ix_screenings_user_id" in report["indexes"]


async def test_downgrade_to_base_removes_the_tables(db_url: str) -> None:
    await upgrade_async(db_url)
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert tables & TABLES == set()


async def test_upgrade_keeps_the_newest_screening_of_each_user(db_url: str) -> None:
    """Before 0006 two saves at once could leave a user two screenings: the newest stays."""
    await asyncio.to_thread(command.upgrade, alembic_config(db_url), "0005")
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO users (id, first_seen, last_seen) VALUES "
                "(1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            await conn.execute(text(
                "INSERT INTO screenings (user_id, answers, created_at) VALUES "
                "(1, '{\"n\": 1}', '2015-04-20 09:00:00+00'), "
                "(1, '{\"n\": 3}', '2015-04-21 09:00:00+00'), "
                "(1, '{\"n\": 2}', '2015-04-20 10:00:00+00'), "
                "(2, '{\"other\": 1}', '2015-04-20 09:00:00+00')"
            ))
        await upgrade_async(db_url)
        async with engine.connect() as conn:
            kept = (await conn.execute(text(
                "SELECT user_id, answers FROM screenings ORDER BY user_id"
            ))).all()
    finally:
        await engine.dispose()
    assert [(user, json.loads(answers) if isinstance(answers, str) else answers)
            for user, answers in kept] == [(1, {"n": 3}), (2, {"other": 1})]


async def test_a_consent_without_its_user_survives_a_downgrade(db_url: str) -> None:
    """0007 lets /forget empty a consent's user; going back to 0006 keeps the row (user 0)."""
    await upgrade_async(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO consents (user_id, text_version, given_at) "
                "VALUES (NULL, '2015.1', CURRENT_TIMESTAMP), (5, '2015.1', CURRENT_TIMESTAMP)"
            ))
        await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0006")
        async with engine.connect() as conn:
            kept = (await conn.execute(text(
                "SELECT user_id FROM consents ORDER BY id"))).scalars().all()
            nullable = await conn.run_sync(lambda c: {
                col["name"]: col["nullable"] for col in inspect(c).get_columns("consents")
            })
        await upgrade_async(db_url)
    finally:
        await engine.dispose()
    assert kept == [0, 5]
    assert nullable["user_id"] is False


def test_upgrade_from_synchronous_code_creates_the_folder(tmp_path: Path) -> None:
    db_file = tmp_path / "nested" / "dir" / "bot.db"
    upgrade(f"sqlite+aiosqlite:///{db_file}")

    with sqlite3.connect(db_file) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert tables >= TABLES


async def test_upgrade_inside_a_running_loop_points_to_upgrade_async(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="upgrade_async"):
        upgrade(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")


def test_alembic_command_line_reads_database_url(tmp_path: Path) -> None:
    db_file = tmp_path / "cli" / "bot.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db_file}"}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(db_file) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (head_revision(),)


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        # Two connections at once: the pragmas are set on every new connection.
        async with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
                assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 5000
                assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced_and_cascade(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(
                text(
                    "INSERT INTO screenings (user_id, answers, created_at) "
                    "VALUES (404, '{}', CURRENT_TIMESTAMP)"
                )
            )
        await conn.rollback()

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, first_seen, last_seen) "
                "VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO screenings (user_id, answers, created_at) "
                "VALUES (1, '{}', CURRENT_TIMESTAMP)"
            )
        )
        await conn.execute(text("DELETE FROM users WHERE id = 1"))
        remaining = (await conn.execute(text("SELECT count(*) FROM screenings"))).scalar()
    assert remaining == 0


async def test_on_postgresql_migrators_take_turns_under_an_advisory_lock() -> None:
    """Instances starting together on a fresh database: one migrates, the others wait for it
    and then find nothing to do (without the lock both would create the same tables)."""
    from tests.storage.conftest import postgres_database

    async with postgres_database() as url:
        holder = create_engine(url)
        try:
            async with holder.connect() as held:
                await held.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                migrating = asyncio.ensure_future(upgrade_async(url))
                # Wait (bounded) until the migrator queues behind the lock, not for a duration.
                for _ in range(400):
                    waiting = await held.scalar(text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    ))
                    if waiting or migrating.done():
                        break
                    await asyncio.sleep(0.05)
                assert not migrating.done(), "migrated without waiting for the lock"
                assert waiting == 1
                tables = await held.run_sync(lambda c: set(inspect(c).get_table_names()))
                assert tables & TABLES == set()
                await held.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                await held.commit()
            await migrating
            await upgrade_async(url)  # the next one to start: nothing to do
            async with holder.connect() as conn:
                report = await conn.run_sync(schema_report)
        finally:
            await holder.dispose()
    assert report["version"] == head_revision()


def blocked_flocks(path: Path) -> int:
    """Requests waiting for an flock on ``path`` (Linux's /proc/locks marks them ``->``)."""
    inode = str(path.stat().st_ino)
    waiting = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and fields[-3].rsplit(":", 1)[-1] == inode:
            waiting += 1
    return waiting


async def test_on_sqlite_migrators_take_turns_under_a_file_lock(tmp_path: Path) -> None:
    """`python -m bot migrate` while the bot starts, on one fresh file: the second waits for
    the first and then finds nothing to do (without the lock both created the same tables:
    «table applications already exists», and the bot exited)."""
    if not Path("/proc/locks").is_file():
        pytest.skip("no /proc/locks to see the migrator wait")
    db_file = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db_file}"
    lock_file = tmp_path / f"bot.db{SQLITE_LOCK_SUFFIX}"
    with open(lock_file, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another migrator is at work
        migrating = asyncio.ensure_future(upgrade_async(url))
        # Wait (bounded) until the migrator queues behind the lock, not for a duration.
        for _ in range(400):
            if blocked_flocks(lock_file) or migrating.done():
                break
            await asyncio.sleep(0.05)
        assert not migrating.done(), "migrated without waiting for the lock"
        assert blocked_flocks(lock_file) == 1
        assert not db_file.exists() or _tables(db_file) & TABLES == set()
        fcntl.flock(held, fcntl.LOCK_UN)
    await migrating
    with sqlite3.connect(db_file) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (head_revision(),)


def _tables(db_file: Path) -> set[str]:
    with sqlite3.connect(db_file) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}


def test_two_processes_migrating_one_fresh_sqlite_file_both_succeed(tmp_path: Path) -> None:
    db_file = tmp_path / "bot.db"
    code = f"from storage.migrate import upgrade; upgrade({f'sqlite+aiosqlite:///{db_file}'!r})"
    migrators = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(2)
    ]
    outputs = [migrator.communicate(timeout=120)[0] for migrator in migrators]

    assert [m.returncode for m in migrators] == [0, 0], outputs
    assert _tables(db_file) >= TABLES
    with sqlite3.connect(db_file) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (head_revision(),)
