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
        value = date(year, month, day)
    except ValueError:
        raise InputError("bad_date") from None
    if value > today:
        raise InputError("future")
    if value < earliest:
        raise InputError("too_early")
    return value


# Month names as people type them, by stem: Russian in any case, Kazakh with or without its
# own letters ("мамыр", "сәуір"/"сауир").
_MONTHS = (
    ("январ", "қаңтар", "кантар"), ("феврал", "ақпан", "акпан"), ("март", "наурыз"),
    ("апрел", "сәуір", "сауир"), ("ма[йяе]", "мамыр"), ("июн", "маусым"),
    ("июл", "шілде", "шилде"), ("август", "тамыз"), ("сентябр", "қыркүйек", "кыркуйек"),
    ("октябр", "қазан", "казан"), ("ноябр", "қараша", "караша"), ("декабр", "желтоқсан",
                                                                  "желтоксан"),
)
_MONTH_YEAR = re.compile(
    r"^(?P<month>[^\d\s.]+)\.?\s+(?P<year>\d{4})(\s*(г|года?|ж|жыл\w*)\.?)?$"
)
_NUMERIC_MONTH = re.compile(r"^(?P<month>\d{1,2})[./\-](?P<year>\d{4})$")


def _month_number(word: str) -> int | None:
    for number, stems in enumerate(_MONTHS, start=1):
        if any(re.match(stem, word) for stem in stems):
            return number
    return None


def parse_day_or_month(text: str, *, today: date, first: date, last: date) -> date:
    """'15.05.2015', 'май 2015', 'мамыр 2015', '05.2015' → a day in ``first``..``last``.

    A month alone means its last day (or ``last``, if sooner), so that an event in that month
    is on or before the day checked. Outside the period: InputError("not_in_period").
    """
    word = " ".join(text.strip().lower().split())
    month: int | None = None
    if m := _NUMERIC_MONTH.match(word):
        month, year = int(m["month"]), int(m["year"])
    elif m := _MONTH_YEAR.match(word):
        month, year = _month_number(m["month"]), int(m["year"])
        if month is None:
            raise InputError("bad_date")
    if month is not None:
        if not 1 <= month <= 12:
            raise InputError("bad_date")
        following = date(year + month // 12, month % 12 + 1, 1)
        value = min(following - timedelta(days=1), last)
    else:
        value = parse_past_date(word, today=today, earliest=date.min)
    if value > today:
        raise InputError("future")
    if not first <= value <= last:
        raise InputError("not_in_period")
    return value
