"""The screening polished (issue 11, defects 1, 3, 6, 7, 8, 9), through the real dispatcher in
both languages: no silent defaults, a steady step counter, a review that agrees, follow-ups of
a change, answers as people type them (one term per concept: tests/test_terms.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.test_screening import (  # noqa: F401  (fixture)
    LANGS,
    Persona,
    family_of_four_after_fire,
    normalise,
    persona_on,
)


def header(p: Persona) -> tuple[int, int]:
    pattern = re.escape(p.t("Step {k} of {n}")).replace(r"\{k\}", r"(\d+)").replace(
        r"\{n\}", r"(\d+)")
    found = re.search(pattern, p.chat.screen.text)  # type: ignore[union-attr]
    assert found, p.chat.screen
    return int(found[1]), int(found[2])


def buttons(p: Persona) -> str:
    return "\n".join(b.text for b in p.chat.screen.flat_buttons)  # type: ignore[union-attr]


# -- 1. no silent defaults ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_next_with_nothing_chosen_asks_instead_of_assuming(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    reply = await p.press("Next ➡️")  # nothing ticked
    assert reply == p.t("Please tick what is about you. If nothing fits, press «None of these».")
    await p.press("I have a disability (мүгедектік / инвалидность)")
    await p.press("Next ➡️")
    assert p.t("Does your individual rehabilitation programme provide you with a wheelchair?") in (
        p.chat.last_text)
    assert await p.press("Next ➡️") == p.t("Please choose one of the buttons.")
    assert p.t("Wheelchair") in p.chat.last_text  # still asked, nothing recorded
    await p.press("No wheelchair")
    assert await p.press("Next ➡️") == p.t("Please press the number of people or type it.")
    assert p.t("Family size") in p.chat.last_text
    await p.press("3")
    assert await p.press("Next ➡️") == p.t(
        "Please type the income, or press Skip if you do not know it.")
    await p.press("Skip ⏭")
    await p.press("➖ None of these")  # p. 9.1 and 9.8 not received
    review = p.chat.last_text
    assert p.t("No wheelchair") in review and p.t("People in the family: {n}").format(n=3) in review


# -- 3. the step counter -----------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_the_step_counter_holds_while_a_screen_is_open(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    first = header(p)
    for group in ("Pensioners and the elderly", "Family and children", "Veterans and those "
                  "equated to them", "❓ Why do we ask?"):
        await p.press(group)
        assert header(p) == first  # ticking boxes does not move the counter
    seen = [first]
    await p.press("Next ➡️")
    while p.t("Check your answers") not in p.chat.last_text:
        k, n = header(p)
        assert k == seen[-1][0] + 1 and k <= n, (seen, k, n)  # one step on, never back
        for label in ("I receive a pension", "I live alone"):
            if p.t(label) in buttons(p):
                await p.press(label)
                assert header(p) == (k, n)
        seen.append((k, n))
        if p.t("Family income") in p.chat.last_text:
            await p.type("50000")
        else:
            await p.press("➖ None of these" if p.t("➖ None of these") in buttons(p) else "2")
    k, n = header(p)
    assert k == n == seen[-1][0] + 1  # the last screen counts them all


# -- 6. the review agrees with the choices -------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_the_review_shows_a_difficult_situation(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    review = p.chat.last_text
    assert p.t("nothing of the list") not in review
    assert p.t("Difficult life situation") + ": " + p.t("Fire") in review


# -- 7. a status added from the review asks its follow-ups ---------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_a_status_added_from_the_review_asks_its_follow_up(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")  # p. 9.11 not received
    await p.press("✏️ What is about me")
    await p.press("Pensioners and the elderly")
    await p.press("Next ➡️")
    await p.press("I receive a pension")
    reply = await p.press("Next ➡️")
    # p. 9.8 (sanatorium) opened by the pension: asked before the review, with p. 9.11 kept.
    assert p.t("Assistance already received") in reply
    assert p.title("p9.8") in buttons(p) and p.title("p9.11") in buttons(p)
    await p.press(p.title("p9.8"))
    reply = await p.press("Next ➡️")
    assert p.t("Check your answers") in reply
    result = await p.result()
    assert p.t("Not granted, and why") in result
    assert p.title("p9.8") in result.split(p.t("Not granted, and why"))[1]


# -- 8. free-form answers --------------------------------------------------------------------------
SAY = {
    "kk": {"dont_know": "білмеймін", "no": "жоқ", "yes": "иә", "five": "бес",
           "week_ago": "өткен аптада", "yesterday": "кеше"},
    "ru": {"dont_know": "не знаю", "no": "нет", "yes": "да", "five": "пять",
           "week_ago": "неделю назад", "yesterday": "вчера"},
}


async def fire(p: Persona, when: str) -> None:
    await p.start_check()
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")
    await p.type(when)


@pytest.mark.parametrize("lang", LANGS)
async def test_words_people_type(persona_on, lang: str) -> None:  # noqa: F811
    say = SAY[lang]
    p = persona_on(date(2015, 11, 25), lang)
    await fire(p, say["week_ago"])
    assert p.t("Family size") in p.chat.last_text
    await p.type(say["five"])
    assert p.t("Family income") in p.chat.last_text
    await p.type(say["dont_know"])  # = Skip
    assert p.t("Assistance already received") in p.chat.last_text
    await p.type(say["yes"])  # the only benefit asked about: p. 9.11
    review = p.chat.last_text
    assert p.t("Check your answers") in review
    assert p.t("People in the family: {n}").format(n=5) in review
    assert p.t("Income per month: {amount}").format(amount=p.t("not given")) in review
    assert normalise(p.t("Date: {date}").split(":")[0]) not in review  # the date, in the line:
    assert "18" in review  # 25 November less a week
    assert p.title("p9.11") in review  # received: p. 23 will refuse it


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("key", "day"), [("yesterday", 24), ("week_ago", 18), ("19.11", 19)])
async def test_dates_as_people_say_them(persona_on, lang: str, key: str, day: int) -> None:  # noqa: F811
    p = persona_on(date(2015, 11, 25), lang)
    await fire(p, SAY[lang].get(key, key))
    await p.press("⬅️ Back")
    assert re.search(rf"\b{day}\b", p.chat.last_text), p.chat.last_text  # Date: 19 ...
    assert "2015" in p.chat.last_text


@pytest.mark.parametrize("lang", LANGS)
async def test_yes_no_and_dont_know_on_other_screens(persona_on, lang: str) -> None:  # noqa: F811
    say = SAY[lang]
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.type(say["no"])  # nothing of the list
    assert p.t("Family size") in p.chat.last_text
    await p.press("⬅️ Back")
    await p.press("I have a disability (мүгедектік / инвалидность)")
    await p.press("Next ➡️")
    reply = await p.type(say["yes"])  # which wheelchair?
    assert p.t("Which one? Please press the button.") in reply
    await p.type(say["no"])  # no wheelchair
    assert p.t("Family size") in p.chat.last_text
    reply = await p.type(say["dont_know"])  # family size is needed
    assert p.t("This answer is needed for the check. If you are not sure, "
               "give the closest one: you can change it before the result.") in reply
    assert p.t("Family size") in p.chat.last_text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_tiny_income_is_asked_about_not_stored(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    await p.press("2")
    reply = await p.type("120")
    assert p.t("Did you mean {amount} a month?").format(amount="120 000 ₸") in reply
    assert p.t("Family income") in reply  # still the income step
    yes = p.t("Yes, {amount}").format(amount="120 000 ₸")
    await p.chat.click(next(b.text for b in p.chat.screen.flat_buttons  # type: ignore[union-attr]
                            if normalise(b.text) == yes))
    assert p.t("Income per month: {amount}").format(amount="120 000 ₸") in normalise(
        p.chat.last_text)
    await p.press("✏️ Income")
    await p.type("95")
    await p.type(SAY[lang]["yes"])  # yes, 95 000
    assert p.t("Income per month: {amount}").format(amount="95 000 ₸") in normalise(
        p.chat.last_text)
    await p.press("✏️ Income")
    await p.type("0")
    assert p.t("Did you mean that the family has no income at all?") in p.chat.last_text
    await p.press("Yes, no income")
    await p.press("➖ None of these")  # no income opens p. 9.7: asked before the review
    assert p.t("Income per month: {amount}").format(amount="0 ₸") in normalise(p.chat.last_text)


# -- 9. texts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_monthly_payments_read_cleanly(persona_on, lang: str) -> None:  # noqa: F811
    """p. 9.5 is paid for 3 months: no "3 мес.." in the result."""
    p = persona_on(date(2015, 11, 25), lang)
    await p.start_check()
    await p.press("Family and children")
    await p.press("Next ➡️")
    await p.press("Family recognised as low-income")
    await p.press("Next ➡️")
    await p.press("3")
    await p.type("30 000")
    while p.t("Check your answers") not in p.chat.last_text:
        await p.press("➖ None of these")
    result = await p.result()
    assert p.title("p9.5") in result
    assert ".." not in result.replace("...", "")


@pytest.mark.parametrize("lang", LANGS)
async def test_natural_disaster_has_examples_and_wheelchairs_read_right(persona_on, lang) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("I have a disability (мүгедектік / инвалидность)")
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    wheelchair = p.chat.last_text + buttons(p)
    await p.press("No wheelchair")
    disaster = buttons(p)
    assert {"kk": "сел", "ru": "сель"}[lang] in disaster  # flood, mudflow, earthquake
    if lang == "ru":
        assert "Предусмотрена ли вам" not in wheelchair and "Прогулочная" not in wheelchair
        assert "Прогулочное кресло-коляска" in wheelchair

