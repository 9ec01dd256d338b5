"""Amounts and dates as the user's locale writes them (Babel)."""

from __future__ import annotations

import functools
import html
import re
from datetime import date
from decimal import Decimal

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_decimal


def current_locale() -> str:
    return I18n.get_current(no_error=False).current_locale


def money(amount: Decimal | int | float) -> str:
    """Whole tenge: thresholds such as 40% of the minimum are shown rounded."""
    return f"{_decimal(amount, '#,##0', current_locale())} ₸"


def number(amount: Decimal | int | float) -> str:
    return _decimal(amount, "#,##0.##", current_locale())


def mci(amount: Decimal | int | float) -> str:
    # МРП / АЕК: the unit amounts are set in.
    return _("{amount} MCI").format(amount=number(amount))


def day(value: date) -> str:
    return _date(value, "d MMMM y", current_locale())


def day_month(value: date) -> str:
    return _date(value, "d MMMM", current_locale())


# A screen shows the same few amounts and days over and over (the thresholds, the MCI, today):
# Babel parses the pattern and walks the locale's data on every call.
@functools.lru_cache(maxsize=4096)
def _decimal(amount: Decimal | int | float, pattern: str, locale: str) -> str:
    return format_decimal(amount, format=pattern, locale=locale)


@functools.lru_cache(maxsize=4096)
def _date(value: date, pattern: str, locale: str) -> str:
    return format_date(value, format=pattern, locale=locale)


# Telegram allows 4096 characters; shorter messages read better on a small phone.
MESSAGE_LIMIT = 3000


def split_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole blocks per message, so no item is cut in two."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A chat text without its HTML: for the terminal and the printed result."""
    return html.unescape(_TAG.sub("", text))
