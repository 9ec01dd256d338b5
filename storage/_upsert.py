"""Dialect-specific ``INSERT ... ON CONFLICT`` (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> sqlite.Insert | postgresql.Insert:
    """``insert(table)`` from the dialect the session is bound to, for ``on_conflict_do_*``."""
    bind = session.bind
    if bind is None:  # pragma: no cover - sessions from create_session_factory are bound
        raise RuntimeError("the session is not bound to an engine")
    name = bind.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upsert is implemented for sqlite and postgresql, not {name!r}")
