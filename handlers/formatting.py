"""Amounts and dates as the user's locale writes them (Babel)."""

from __future__ import annotations

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
    return f"{format_decimal(amount, format='#,##0', locale=current_locale())} ₸"


def number(amount: Decimal | int | float) -> str:
    return format_decimal(amount, format="#,##0.##", locale=current_locale())


def mci(amount: Decimal | int | float) -> str:
    # МРП / АЕК: the unit amounts are set in.
    return _("{amount} MCI").format(amount=number(amount))


def day(value: date) -> str:
    return format_date(value, format="d MMMM y", locale=current_locale())


def day_month(value: date) -> str:
    return format_date(value, format="d MMMM", locale=current_locale())
