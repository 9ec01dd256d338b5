"""The Kazakh IIN (ЖСН / ИИН): twelve digits with the birth date and a check digit.

Pure: no aiogram, no SQL. The rules are those of FACTS.md (Government Decree No. 406 of
22.05.2007): digits 1–6 are YYMMDD of birth, digit 7 the century and sex (1/2: 1800s, 3/4:
1900s, 5/6: 2000s), digit 12 the check digit.
"""

from __future__ import annotations

from datetime import date

from bot.parsing import InputError

_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


class IINError(InputError):
    """Why a text is not an IIN: iin_not_12_digits | iin_bad_checksum | iin_bad_birth_date."""


def check_digit(first_eleven: str) -> int | None:
    """The check digit of eleven digits, or None when no digit can be valid."""
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS, _SECOND_WEIGHTS):
        value = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if value != 10:
            return value
    return None


def birth_date(iin: str) -> date:
    """The date of birth encoded in a (well-formed) IIN; IINError when there is none."""
    century = _CENTURY.get(iin[6])
    if century is None:
        raise IINError("iin_bad_birth_date")
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise IINError("iin_bad_birth_date") from None


def parse_iin(text: str) -> tuple[str, date]:
    """``'750101 300019'`` → ``('750101300019', date(1975, 1, 1))``; IINError otherwise.

    Spaces and dashes people type between groups are ignored; anything else is refused.
    """
    iin = "".join(c for c in text if c not in " -\u00a0")
    if len(iin) != 12 or not iin.isdigit() or not iin.isascii():
        raise IINError("iin_not_12_digits")
    born = birth_date(iin)
    if check_digit(iin[:11]) != int(iin[11]):
        raise IINError("iin_bad_checksum")
    return iin, born


def age_on(born: date, on: date) -> int:
    """Full years of age on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
