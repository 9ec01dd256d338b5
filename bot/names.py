"""People's names as typed by citizens, and a family member's line (pure: no aiogram, no SQL).

A full name is 2–4 words of Kazakh and Russian (Cyrillic) letters, with hyphens and apostrophes
inside words: as written in the identity document.
"""

from __future__ import annotations

import re
from datetime import date

from bot.iin import parse_iin
from bot.parsing import InputError, parse_past_date

# Russian letters and the nine Kazakh ones (ә ғ қ ң ө ұ ү һ і), with ё.
_LETTERS = "а-яёәғқңөұүһі"
_WORD = re.compile(rf"[{_LETTERS}]+(?:['’ʼ\-][{_LETTERS}]+)*", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_EARLIEST_BIRTH = date(1890, 1, 1)


def parse_full_name(text: str) -> str:
    """``'асанов  берік'`` → ``'Асанов Берік'``; InputError name_digits | name_letters |
    name_words otherwise."""
    words = text.split()
    if _DIGIT.search(text):
        raise InputError("name_digits")
    if not all(_WORD.fullmatch(w) for w in words):
        raise InputError("name_letters")
    if not 2 <= len(words) <= 4:
        raise InputError("name_words")
    return " ".join(_capitalise(w) for w in words)


def _capitalise(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def parse_member_line(text: str, today: date) -> tuple[str, str | None, date]:
    """``'Асанова Гүлнар 780202400025'`` or ``'Асанов Ерлан 05.05.2010'`` → (name, IIN or None,
    date of birth). The IIN or date of birth comes last; InputError otherwise."""
    words = text.split()
    if len(words) < 2:
        raise InputError("member_line")
    last = words[-1]
    name_part = " ".join(words[:-1])
    iin: str | None = None
    if last.isdigit():
        iin, born = parse_iin(last)
    elif any(c.isdigit() for c in last):
        born = parse_past_date(last, today=today, earliest=_EARLIEST_BIRTH)
    else:
        raise InputError("member_line")
    return parse_full_name(name_part), iin, born
