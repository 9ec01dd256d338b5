"""Dialect-specific ``INSERT ... ON CONFLICT`` (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    if bind is None:  # pragma: no cover - sessions from create_session_factory are bound
        raise RuntimeError("the session is not bound to an engine")
    return bind.dialect.name


def dialect_insert(session: AsyncSession, table: Any) -> sqlite.Insert | postgresql.Insert:
    """``insert(table)`` from the dialect the session is bound to, for ``on_conflict_do_*``."""
    return _insert(dialect_name(session), table)


def _insert(name: str, table: Any) -> sqlite.Insert | postgresql.Insert:
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upsert is implemented for sqlite and postgresql, not {name!r}")


def upsert(
    session: AsyncSession, table: Table, keys: tuple[str, ...], update: tuple[str, ...]
) -> sqlite.Insert | postgresql.Insert:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET`` the ``update`` columns to the new row's
    (``DO NOTHING`` when there are none); the values are given when it is executed, by column
    name. Built once per dialect and shape (a statement is immutable)."""
    return _upsert(dialect_name(session), table, keys, update)


@functools.lru_cache(maxsize=64)
def _upsert(
    name: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...]
) -> sqlite.Insert | postgresql.Insert:
    stmt = _insert(name, table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: stmt.excluded[column] for column in update}
    )
