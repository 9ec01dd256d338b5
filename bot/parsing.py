"""Forgiving parsing of what citizens type: numbers with spaces or currency, dates.

Each parser returns the value or raises InputError with a reason code the chat translates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation


class InputError(ValueError):
    def __init__(self, reason: str, *, limit: int | None = None) -> None:
        super().__init__(reason)
        # not_a_number | negative | too_small | too_large | bad_date | future | too_early |
        # too_long (with the limit: the most characters the answer may have)
        self.reason = reason
        self.limit = limit


def check_length(text: str, limit: int, reason: str = "too_long") -> str:
    """``text`` when it has at most ``limit`` characters; InputError(reason, limit) otherwise
    (checked before the database, where a longer one fails or is cut)."""
    if len(text) > limit:
        raise InputError(reason, limit=limit)
    return text


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

# Counts up to twenty said in words, in Russian and Kazakh (also as typed on a Russian
# keyboard, without the Kazakh letters).
_RU_WORDS = (
    "ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять",
    "десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
    "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать", "двадцать",
)
_KK_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_WORDS: dict[str, int] = {w: n for n, w in enumerate(_RU_WORDS)}
_WORDS |= {"одна": 1, "одно": 1, "две": 2}
_WORDS |= {w: n for n, w in enumerate(_KK_UNITS)}
_WORDS |= {f"он {w}": 10 + n for n, w in enumerate(_KK_UNITS) if n}
_WORDS |= {"он": 10, "жиырма": 20}
_PLAIN = str.maketrans("өғүұқіәңһ", "огуукиапх")
_WORDS |= {w.translate(_PLAIN): n for w, n in list(_WORDS.items())}


def parse_int(text: str, *, low: int, high: int) -> int:
    """'4', '4 человека', 'пять', 'он екі жаста' → int within [low, high]."""
    cleaned = _UNITS.sub("", text.strip())
    word = " ".join(cleaned.lower().replace("ё", "е").split())
    if word in _WORDS:
        cleaned = str(_WORDS[word])
    value = parse_number(cleaned, low=Decimal(low), high=Decimal(high))
    if value != value.to_integral_value():
        raise InputError("not_a_number")
    return int(value)


_DONT_KNOW = {
    "не знаю", "незнаю", "не помню", "не знаю точно", "хз", "пропустить", "пропусти",
    "білмеймін", "білмимін", "білмеим", "білмим", "есімде жоқ", "өткізу", "өткізіп жіберу",
}


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def dont_know(text: str) -> bool:
    """'не знаю', 'білмеймін', 'пропустить': the citizen skips the question."""
    word = _words(text)
    return word in _DONT_KNOW or word.translate(_PLAIN) in {
        w.translate(_PLAIN) for w in _DONT_KNOW}


_YES = {"да", "ага", "есть", "иә", "ия", "йә", "иа", "иэ", "я", "бар", "yes"}
_NO = {"нет", "неа", "не", "нету", "жоқ", "жок", "no", "ешқайсысы", "ничего"}


def yes_no(text: str) -> bool | None:
    """'да', 'иә' → True; 'нет', 'жоқ' → False; anything else → None."""
    word = _words(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


_TODAY = {"today", "сегодня", "бүгін", "бугин"}
_DAYS_AGO = {
    "yesterday": 1, "вчера": 1, "кеше": 1, "позавчера": 2, "алдыңғы күні": 2,
    "алдын ала күні": 2, "неделю назад": 7, "на прошлой неделе": 7, "на той неделе": 7,
    "өткен аптада": 7, "өткен апта": 7, "бір апта бұрын": 7, "апта бұрын": 7,
}
_DAYS_AGO |= {k.translate(_PLAIN): v for k, v in list(_DAYS_AGO.items())}
# "3 дня назад", "две недели назад", "5 күн бұрын", "екі апта бұрын"
_AGO = re.compile(
    r"^(?P<n>[\w ]+?)\s+(?P<unit>день|дня|дней|сут\w*|недел\w*|күн|апта)\s+(назад|бұрын|бурын)$"
)
_DATE = re.compile(r"^(\d{1,2})[./\- ](\d{1,2})(?:[./\- ](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# "19 ноября", "19 қараша", "19 қарашада": month names by their first letters.
_MONTHS: tuple[tuple[str, ...], ...] = (
    ("янв", "қаң", "кан"), ("фев", "ақп", "акп"), ("мар", "нау"), ("апр", "сәу", "сау"),
    ("мая", "май", "мам"), ("июн", "мау"), ("июл", "шіл", "шил"), ("авг", "там"),
    ("сен", "қыр", "кыр"), ("окт", "қаз", "каз"), ("ноя", "қар", "кар"), ("дек", "жел"),
)
_NAMED = re.compile(r"^(\d{1,2})\s+([^\W\d_]+)(?:\s+(\d{4})(?:\s*(ж|г|жыл\w*|год\w*))?)?$")


def parse_past_date(text: str, *, today: date, earliest: date) -> date:
    """'05.03.2026', '5/3/26', '19.11', '19 ноября', '2026-03-05', 'вчера', 'неделю назад',
    'өткен аптада' → a date not in the future. A day without a year is the last such day."""
    return _checked(parse_date(text, today=today), today, earliest)


def parse_date(text: str, *, today: date) -> date:
    """The same forms as :func:`parse_past_date`, any day (a staff member's period)."""
    word = " ".join(text.strip().lower().replace("ё", "е").rstrip(".").split())
    if word in _TODAY:
        return today
    if word in _DAYS_AGO:
        return today - timedelta(days=_DAYS_AGO[word])
    if m := _AGO.match(word):
        count = parse_int(m["n"], low=1, high=400)
        days = count * (7 if m["unit"].startswith(("недел", "апта")) else 1)
        return today - timedelta(days=days)
    year: int | None
    if m := _ISO.match(word):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DATE.match(word):
        day, month = int(m[1]), int(m[2])
        year = int(m[3]) if m[3] else None
    elif m := _NAMED.match(word):
        day, month = int(m[1]), _month(m[2])
        year = int(m[3]) if m[3] else None
    else:
        raise InputError("bad_date")
    if year is not None and year < 100:
        year += 2000
    try:
        if year is None:  # "19.11": this year's, or last year's if that is still to come
            value = date(today.year, month, day)
            if value > today:
                value = date(today.year - 1, month, day)
        else:
            value = date(year, month, day)
    except ValueError:
        raise InputError("bad_date") from None
    return value


def _month(name: str) -> int:
    for number, stems in enumerate(_MONTHS, start=1):
        if name.startswith(stems):
            return number
    raise InputError("bad_date")


def _checked(value: date, today: date, earliest: date) -> date:
    if value > today:
        raise InputError("future")
    if value < earliest:
        raise InputError("too_early")
    return value


# "май 2015", "мамыр 2015 ж.", "05.2015": a month of a year.
_MONTH_YEAR = re.compile(
    r"^(?P<month>[^\d\s.]+)\.?\s+(?P<year>\d{4})(\s*(г|года?|ж|жыл\w*)\.?)?$"
)
_NUMERIC_MONTH = re.compile(r"^(?P<month>\d{1,2})[./\-](?P<year>\d{4})$")


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
        month, year = _month(m["month"]), int(m["year"])
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
