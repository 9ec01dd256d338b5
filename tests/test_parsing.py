"""What citizens type: forgiving where the meaning is clear, refused where it is not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.parsing import InputError, dont_know, parse_int, parse_number, parse_past_date, yes_no

LIMIT = Decimal(100_000_000)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120000", 120000), ("120 000", 120000), ("120 000 тг", 120000), ("95000₸", 95000),
        ("120 000 тенге", 120000), ("120 мың теңге", 120000), ("120 тыс.", 120000),
        ("120к", 120000), ("1,5 млн", 1500000), ("45 500,50", Decimal("45500.50")),
        ("0", 0),
    ],
)
def test_amounts_as_people_write_them(text: str, value: int | Decimal) -> None:
    assert parse_number(text, low=Decimal(0), high=LIMIT) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("сто тысяч", "not_a_number"), ("", "not_a_number"), ("1e5", "not_a_number"),
        ("-5000", "negative"), ("999 999 999 999", "too_large"),
    ],
)
def test_amounts_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        parse_number(text, low=Decimal(0), high=LIMIT)
    assert err.value.reason == reason


def test_counts_accept_the_unit_and_refuse_the_absurd() -> None:
    assert parse_int("80 лет", low=0, high=130) == 80
    assert parse_int("4 адам", low=1, high=50) == 4
    for text, reason in (("200", "too_large"), ("0", "too_small"), ("2.5", "not_a_number")):
        with pytest.raises(InputError) as err:
            parse_int(text, low=1, high=130)
        assert err.value.reason == reason


TODAY = date(2026, 3, 25)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("05.03.2015", date(2026, 3, 5)), ("5/3/26", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)), ("вчера", date(2026, 3, 24)),
        ("кеше", date(2026, 3, 24)), ("Бүгін", TODAY),
        ("19.03", date(2026, 3, 19)), ("19.11", date(2025, 11, 19)),  # the last such day
        ("19 марта", date(2026, 3, 19)), ("19 наурыз", date(2026, 3, 19)),
        ("неделю назад", date(2026, 3, 18)), ("өткен аптада", date(2026, 3, 18)),
        ("позавчера", date(2026, 3, 23)), ("3 дня назад", date(2026, 3, 22)),
        ("две недели назад", date(2026, 3, 11)), ("бес күн бұрын", date(2026, 3, 20)),
    ],
)
def test_dates_in_the_usual_forms(text: str, value: date) -> None:
    assert parse_past_date(text, today=TODAY, earliest=date(2000, 1, 1)) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [("31.02.2026", "bad_date"), ("на днях", "bad_date"), ("01.04.2026", "future"),
     ("01.01.1990", "too_early")],
)
def test_dates_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        parse_past_date(text, today=TODAY, earliest=date(2000, 1, 1))
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("text", "value"),
    [("пять", 5), ("бес", 5), ("Пять человек", 5), ("бес адам", 5), ("он екі", 12),
     ("двадцать", 20), ("жиырма", 20), ("сегиз", 8), ("одна", 1), ("төрт", 4)],
)
def test_counts_in_words_up_to_twenty(text: str, value: int) -> None:
    assert parse_int(text, low=0, high=130) == value


def test_words_for_skip_yes_and_no() -> None:
    assert all(dont_know(t) for t in ("не знаю", "Не знаю.", "білмеймін", "билмеймин"))
    assert not any(dont_know(t) for t in ("нет", "5", "знаю"))
    assert [yes_no(t) for t in ("да", "Иә", "иа", "нет", "Жоқ!", "жок", "может")] == [
        True, True, True, False, False, False, None]
