"""Kazakhstan mobile numbers in one form: ``+7XXXXXXXXXX`` (pure: no aiogram, no SQL)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str | None:
    """``+7 701 234-56-78``, ``87012345678``, ``7012345678`` → ``+77012345678``; else None.

    Accepts the national form with a leading 8, the international one with +7 or 7, and the
    ten digits alone. Anything else (letters, too few or too many digits) is refused.
    """
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("+"):
        if not compact.startswith("+7"):
            return None
        compact = compact[1:]
    if not compact.isdigit() or not compact.isascii():
        return None
    if len(compact) == 11 and compact[0] in "78":
        compact = compact[1:]
    if len(compact) != 10 or compact[0] not in "67":
        return None
    return "+7" + compact
