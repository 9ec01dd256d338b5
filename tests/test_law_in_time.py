# ruff: noqa: F811 (the persona_on fixture, imported, is a parameter)
"""Honest about time: on a day decision No. 241 is not in force (every day since 23.06.2016)
the chat says so before any question, checks another day on request, and never asks anyone to
apply under a repealed decision. On a day in force none of it shows."""

from __future__ import annotations

from datetime import date

import pytest

from bot.places import load_places
from bot.rules import load_ruleset
from bot.services.law import can_apply
from tests.conftest import IN_FORCE, OUT_OF_FORCE
from tests.test_result import lonely_pensioner
from tests.test_screening import LANGS, Persona, normalise, persona_on  # noqa: F401

RULESET = load_ruleset()
DEPARTMENT = load_places().department
NOT_IN_FORCE = ("Decision No. {number} has not been in force since {date}: I can show what it "
                "provided, and where to ask about the assistance in force today.")


def repealed_line(p: Persona) -> str:
    when = {"kk": "23 маусым 2016", "ru": "23 июня 2016"}[p.lang]
    return p.t(NOT_IN_FORCE).format(number="241", date=when)


def test_can_apply_only_while_in_force() -> None:
    assert can_apply(RULESET, date(2015, 4, 19)) and can_apply(RULESET, date(2016, 6, 22))
    assert not can_apply(RULESET, date(2016, 6, 23)) and not can_apply(RULESET, OUT_OF_FORCE)
    assert not can_apply(RULESET, date(2015, 4, 18))


@pytest.mark.parametrize("lang", LANGS)
async def test_menu_today_says_so_and_offers_no_application(persona_on, lang: str) -> None:
    p = persona_on(OUT_OF_FORCE, lang)
    menu = normalise((await p.chat.send("/start"))[-1].text)
    assert repealed_line(p) in menu
    labels = [b.text for b in p.chat.screen.flat_buttons]
    assert p.t("📝 Apply") not in labels and p.t("🔎 What assistance may I get?") in labels


@pytest.mark.parametrize("lang", LANGS)
async def test_a_day_in_force_shows_none_of_it(persona_on, lang: str) -> None:
    p = persona_on(IN_FORCE, lang)
    menu = (await p.chat.send("/start"))[-1].text
    assert "⚠️" not in menu and p.t("📝 Apply") in [b.text for b in p.chat.screen.flat_buttons]
    first = await p.press("🔎 What assistance may I get?")
    assert "⚠️" not in first and p.t("What is about you?") in first  # no day-of-check step


@pytest.mark.parametrize("lang", LANGS)
async def test_house_burned_in_may_2015_checked_today(persona_on, lang: str) -> None:
    p = persona_on(OUT_OF_FORCE, lang)
    await p.chat.send("/start")
    first = await p.press("🔎 What assistance may I get?")
    # One plain line before any question, then the question of the day.
    assert first.index(repealed_line(p)) < first.index(p.t(
        "Which day shall I check? Press Today, or type a day of that period (for example, if "
        "your house burned in May 2015): 15.05.2015 or «май 2015»."))

    wrong = await p.type("01.01.2020")
    assert p.t("The decision was not in force on that day. Please type a day of its period "
               "(it is above), for example 15.05.2015.") in wrong
    assert p.t("Day of the check") in wrong  # the same question again
    await p.type({"kk": "мамыр 2015", "ru": "май 2015"}[lang])  # the month's last day
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")
    await p.type("15.05.2015")
    await p.press("4")
    await p.type("120000")
    review = await p.press("➖ None of these")  # nothing received in the past year
    assert normalise(p.t("Day of the check: {date}").format(
        date={"kk": "31 мамыр 2015", "ru": "31 мая 2015"}[lang])) in normalise(review)
    result = await p.press("✅ Show the result")

    assert p.t("What decision No. {number} provided on {date}").format(
        number="241", date={"kk": "31 мамыр 2015", "ru": "31 мая 2015"}[lang]) in result
    assert p.t("Under decision No. {number} you would have been entitled to {n} kind of "
               "assistance.").format(number="241", n=1) in result
    assert "594 600 ₸" in result  # 300 MCI of 2015 (1 982 ₸), not of 2026
    assert DEPARTMENT.name.get(lang) in result  # where to ask about today's assistance
    apply_words = ("Apply: bring the documents", "Apply by {date}", "If you apply on")
    assert not any(p.t(m).split("{")[0][:20] in result for m in apply_words)
    labels = [b.text for b in p.chat.screen.flat_buttons]
    assert p.t("📄 What to bring and where") not in labels
    assert p.t("📍 Where to ask today") in labels


@pytest.mark.parametrize("lang", LANGS)
async def test_today_is_checked_as_what_the_decision_provided(persona_on, lang: str) -> None:
    p = persona_on(OUT_OF_FORCE, lang)
    result = await lonely_pensioner(p, "📅 Today")
    assert repealed_line(p) in result
    assert p.t("Nothing can be applied for under this decision any more.") in result
    where = normalise("\n".join(r.text for r in await p.chat.click(p.t("📍 Where to ask today"))))
    assert p.t("Where to ask about the assistance in force today") in where
    assert DEPARTMENT.name.get(lang) in where
    back = await p.chat.click(p.t("⬅️ Back to the result"))
    assert repealed_line(p) in normalise(back[-1].text)
    await p.chat.send("/menu")
    choice = await p.press("🔎 What assistance may I get?")  # open my last result, or anew
    assert p.t("📋 Open my last result") in [b.text for b in p.chat.screen.flat_buttons]
    assert repealed_line(p) in choice


@pytest.mark.parametrize(("typed", "day"), [
    ("15.05.2015", date(2015, 5, 15)), ("15 мая 2015", date(2015, 5, 15)),
    ("май 2015", date(2015, 5, 31)), ("мамыр 2015 ж.", date(2015, 5, 31)),
    ("05.2015", date(2015, 5, 31)), ("июнь 2016", date(2016, 6, 22)),  # the last day in force
])
def test_the_day_of_the_check_as_people_type_it(typed: str, day: date) -> None:
    from bot.parsing import parse_day_or_month

    first, last = RULESET.first_day, RULESET.last_day
    assert parse_day_or_month(typed, today=OUT_OF_FORCE, first=first, last=last) == day


@pytest.mark.parametrize(("typed", "reason"), [
    ("март 2015", "not_in_period"), ("01.01.2020", "not_in_period"), ("когда-то", "bad_date"),
])
def test_a_day_outside_the_period_is_refused(typed: str, reason: str) -> None:
    from bot.parsing import InputError, parse_day_or_month

    with pytest.raises(InputError) as err:
        parse_day_or_month(typed, today=OUT_OF_FORCE, first=RULESET.first_day,
                           last=RULESET.last_day)
    assert err.value.reason == reason
