"""What a column can hold, read from the model itself: a text's length, an id's range.

The chat checks what a citizen types, and what a button carries, against these before anything
reaches the database: the column is the one place a limit is written (SQLite stores a
``String(200)`` of 4 001 characters; PostgreSQL refuses it, and an id past the column's integer).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String
from sqlalchemy.orm import QueryableAttribute


def text_limit(column: QueryableAttribute[Any]) -> int:
    """The most characters a ``String(n)`` column holds: ``text_limit(Application.address)``."""
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} is not a String column with a length")
    return kind.length


def int_range(column: QueryableAttribute[Any]) -> tuple[int, int]:
    """The least and the greatest value an integer column holds on every backend (PostgreSQL's
    ``integer`` is 32-bit, ``bigint`` 64-bit; SQLite takes 64 bits for both)."""
    kind = column.type
    if isinstance(kind, BigInteger):
        bits = 64
    elif isinstance(kind, SmallInteger):
        bits = 16
    elif isinstance(kind, Integer):
        bits = 32
    else:
        raise TypeError(f"{column} is not an integer column")
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
