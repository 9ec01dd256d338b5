"""Forgiving parsing of what citizens type: numbers with spaces or currency, dates.

Each parser returns the value or raises InputError with a reason code the chat translates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation


class InputError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # not_a_number | negative | too_small | too_large | bad_date | future | too_early
        self.reason = reason


_CURRENCY = re.compile(r"(₸|тенге|теңге|тнг|тг|kzt|tg)\.?", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
# "120 мың", "120 тыс.", "1,5 млн": how amounts are said aloud.
_SCALE = re.compile(
    r"^(?P<number>.*?)\s*(?P<word>мың|мын|тыс\w*|k|к|млн\w*|миллион\w*)\.?$", re.IGNORECASE
)


def parse_number(text: str, *, low: Decimal, high: Decimal) -> Decimal:
    """'120 000 тг', '95000₸', '45 500,50', '120 мың' → Decimal; letters, negatives, absurd
    values refused."""
    cleaned = _CURRENCY.sub("", text.strip()).strip()
    scale = Decimal(1)
    if m := _SCALE.match(cleaned):
        word = m["word"].lower()
        scale = Decimal(1_000_000) if word.startswith(("млн", "миллион")) else Decimal(1000)
        cleaned = m["number"]
    value = _plain_number(_SPACES.sub("", cleaned)) * scale
    if value < low:
        raise InputError("too_small")
    if value > high:
        raise InputError("too_large")
    return value


def _plain_number(cleaned: str) -> Decimal:
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if cleaned.startswith("-") and cleaned[1:].replace(".", "", 1).isdigit():
        raise InputError("negative")
    if not cleaned or not cleaned.replace(".", "", 1).isdigit():
        raise InputError("not_a_number")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise InputError("not_a_number") from None


# "80 лет", "4 адам": the unit people add after a count.
_UNITS = re.compile(r"\s*(лет|год\w*|жас\w*|адам\w*|чел\w*|человек\w*)\.?$", re.IGNORECASE)


def parse_int(text: str, *, low: int, high: int) -> int:
    value = parse_number(_UNITS.sub("", text.strip()), low=Decimal(low), high=Decimal(high))
    if value != value.to_integral_value():
        raise InputError("not_a_number")
    return int(value)


_TODAY = {"today", "сегодня", "бүгін", "бугин"}
_YESTERDAY = {"yesterday", "вчера", "кеше"}
_DATE = re.compile(r"^(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_past_date(text: str, *, today: date, earliest: date) -> date:
    """'05.03.2026', '5/3/26', '2026-03-05', 'вчера' → a date not in the future."""
    value = parse_date(text, today=today)
    if value > today:
        raise InputError("future")
    if value < earliest:
        raise InputError("too_early")
    return value


def parse_date(text: str, *, today: date) -> date:
    """'05.03.2026', '5/3/26', '2026-03-05', 'сегодня', 'вчера' → a date (any day)."""
    word = text.strip().lower().rstrip(".")
    if word in _TODAY:
        return today
    if word in _YESTERDAY:
        return today - timedelta(days=1)
    if m := _ISO.match(word):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DATE.match(word):
        day, month, year = (int(g) for g in m.groups())
        if year < 100:
            year += 2000
    else:
        raise InputError("bad_date")
    try:
        return date(year, month, day)
    except ValueError:
        raise InputError("bad_date") from None
