# ruff: noqa: F811 (the persona_on fixture, imported, is a parameter)
"""The result people read: one screen first, each benefit one tap away, dates with their year,
deadlines while they are open, and the truth when nothing is due (issue #11; contract rev. 2)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date

from bot.places import load_places
from tests.test_screening import (  # noqa: F401
    LANGS,
    Persona,
    family_of_four_after_fire,
    normalise,
    persona_on,
)

PHONE_LINES = 15


def long_date(day: date, lang: str) -> str:
    return normalise(format_date(day, format="d MMMM y", locale=lang))


async def open_detail(p: Persona, benefit_id: str) -> str:
    """From the one-screen answer: the list, then one benefit."""
    if p.t("📋 Each kind of assistance") in [b.text for b in p.chat.screen.flat_buttons]:
        await p.press("📋 Each kind of assistance")
    button = next(b for b in p.chat.screen.flat_buttons if p.title(benefit_id) in b.text)
    return normalise("\n".join(r.text for r in await p.chat.click(button.text)))


async def ticked(p: Persona, group: str, *statuses: str) -> None:
    """From the first screen of a check: one group, then its boxes, each screen with Next."""
    for label in (group, "Next ➡️", *statuses, "Next ➡️"):
        await p.press(label)


async def lonely_pensioner(p: Persona, *first: str) -> str:
    """A pensioner living alone, income skipped, nothing received: the one-screen answer.
    ``first``: what to press before the groups (the day of the check, out of force)."""
    await p.start_check()
    for label in first:
        await p.press(label)
    await ticked(p, "Pensioners and the elderly", "I receive a pension", "I live alone")
    for label in ("Skip ⏭", "➖ None of these"):
        await p.press(label)
    return await p.press("✅ Show the result")


async def children_with_disability(p: Persona, ages: tuple[int, ...]) -> str:
    await p.start_check()
    await ticked(p, "Family and children",
                 "Children under 18 with a disability, HIV or without parental care")
    for i, age in enumerate(ages):
        if i:
            await p.press("➕ Add another child")
        await p.type(str(age))
        await p.press("child with a disability")
    await p.press("Next ➡️")
    await p.press("4")
    await p.press("Skip ⏭")  # nothing of p. 23 to ask about: straight to the review
    return await p.press("✅ Show the result")


@pytest.mark.parametrize("lang", LANGS)
async def test_one_screen_first_then_each_benefit_with_persons_and_year(
    persona_on, lang: str
) -> None:
    p = persona_on(date(2015, 11, 26), lang)
    summary = await children_with_disability(p, (8, 10))
    assert len(summary.splitlines()) <= PHONE_LINES
    # Defect 5: the holiday with its year, never a past day (1 January after 26 November).
    assert long_date(date(2016, 1, 1), lang) in summary
    detail = await open_detail(p, "p7.12")
    children = p.i18n.gettext("{n} child", "{n} children", 2, locale=lang).format(n=2)
    assert f"{p.t('{amount} MCI').format(amount='3')} × {children} = 11 892 ₸" in detail
    assert long_date(date(2016, 1, 1), lang) in detail
    cite = p.t("(decision No. {number}, p. {cite})").format(number="241", cite="7.12")
    assert detail.index(p.title("p7.12")) < detail.index(cite)  # plain words first
    back = await p.press("⬅️ Back to the result")
    assert normalise(back) == normalise(summary)  # and back again


@pytest.mark.parametrize("lang", LANGS)
async def test_afghan_veteran_equated_and_paid_in_february(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 11, 26), lang)
    await p.start_check()
    await ticked(p, "Veterans and those equated to them", "Served in Afghanistan")
    await p.press("1")
    await p.press("Skip ⏭")
    await p.press("➖ None of these")  # nothing received in the past year
    await p.press("✅ Show the result")
    p71 = await open_detail(p, "p7.1")
    assert p.t("once, paid on {date} without an application").format(
        date=long_date(date(2016, 2, 15), lang)) in p71
    await p.press("⬅️ Each kind of assistance")
    equated = await open_detail(p, "p9.9.equated")
    assert p.t("{who}: equated to war participants by the decision, so this assistance is for "
               "you too.").format(who=p.t("Served in Afghanistan")) in equated


@pytest.mark.parametrize("lang", LANGS)
async def test_a_holiday_after_the_repeal_is_said_in_plain_words(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 11, 26), lang)
    await lonely_pensioner(p)
    listing = normalise("\n".join(r.text for r in await p.chat.click(
        p.t("📋 Each kind of assistance"))))
    # p. 7.9 is paid on 1 October: the next one (2016) comes after the repeal of 23.06.2016.
    assert p.title("p7.9") + ": " + p.t(
        "it is paid on its holiday, and the next one comes after the decision was repealed on "
        "{date}, so nothing is paid under it").format(date=long_date(date(2016, 6, 23), lang)) \
        in listing


@pytest.mark.parametrize("lang", LANGS)
async def test_nothing_granted_says_nothing_is_due_and_when_again(persona_on, lang: str) -> None:
    """Defect 2: chronic renal failure, helped five months ago."""
    p = persona_on(date(2015, 11, 26), lang)
    await p.start_check()
    await ticked(p, "Health: HIV, chronic renal failure", "Chronic renal failure")
    await p.press("1")
    await p.press("Skip ⏭")
    await p.press(p.title("p9.4"))  # received within the last 12 months
    await p.press("Next ➡️")
    summary = await p.press("✅ Show the result")
    assert p.t("By your answers, nothing is due to you now.") in summary
    assert p.t("you received it within the last 12 months; you may ask for it again one year "
               "after you received it, at the latest from {date} (p. 23)").format(
        date=long_date(date(2016, 11, 26), lang)) in summary
    await p.chat.send("/menu")
    documents = normalise((await p.chat.click(p.t("📄 Documents to bring")))[-1].text)
    assert documents == p.t("Nothing to bring: by your answers nothing is due to you now.")
    assert "(p. 12)" not in documents and "12-" not in documents


@pytest.mark.parametrize("lang", LANGS)
async def test_fire_says_apply_by_while_open(persona_on, lang: str) -> None:
    """Defect 4: the one-month deadline before it is missed, moved off non-working days."""
    p = persona_on(date(2016, 3, 1), lang)
    await p.start_check()
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")
    await p.type("21.02.2016")
    await p.press("4")
    await p.type("400000")
    await p.press("➖ None of these")
    summary = await p.press("✅ Show the result")
    # 21 March 2016 is Nauryz (21-23 March): the deadline moves to Thursday 24 March.
    assert p.t("Apply by {date}: bring the documents (the list is below) to the district "
               "department or your akim {cite}.").format(
        date=long_date(date(2016, 3, 24), lang),
        cite=p.t("(decision No. {number}, p. {cite})").format(number="241", cite="9")) \
        in summary
    # Only a ceiling, no certain sum: the line says "up to", not "and up to".
    ceiling = next(line for line in summary.splitlines() if line.startswith("⚖️"))
    template = p.t("Up to {amounts}: the special commission decides how much (p. 11).")
    pattern = re.escape(template).replace(re.escape("{amounts}"), ".+")
    assert re.fullmatch(pattern, ceiling.removeprefix("⚖️").strip()), ceiling
    detail = await open_detail(p, "p9.11")
    assert long_date(date(2016, 3, 24), lang) in detail


@pytest.mark.parametrize("lang", LANGS)
async def test_checklist_and_where_to_apply_from_the_result_and_back(
    persona_on, lang: str
) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    summary = await p.press("✅ Show the result")
    checklist = await p.press("📄 What to bring and where")
    assert p.t("What to bring (originals and copies, p. 13–14)") in checklist
    assert load_places().department.name.get(lang) in checklist  # where: from the places data
    assert normalise(await p.press("⬅️ Back to the result")) == normalise(summary)
    where = await p.press("📍 Where to apply")
    assert p.t("Where to apply") in where
    akims = await p.press("🏘 Find my akim")
    assert p.t("Choose your settlement or rural okrug:") in akims
    first = p.chat.screen.flat_buttons[0].text
    office = normalise("\n".join(r.text for r in await p.chat.click(first)))
    assert p.t("or the district department:") in office
    await p.press("⬅️ Back")
    await p.press("⬅️ Back")
    assert normalise(await p.press("⬅️ Back to the result")) == normalise(summary)
