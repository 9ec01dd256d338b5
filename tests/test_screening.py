"""Personas through the real dispatcher, in both languages: the benefits and amounts they see."""

from __future__ import annotations

import re
from datetime import date

import pytest
from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.rules import load_ruleset

LANGS = ["kk", "ru"]
RULESET = load_ruleset()


class Persona:
    """A citizen in one language, with the words of that language at hand."""

    def __init__(self, chat: LocalChat, i18n: I18n, lang: str) -> None:
        self.chat, self.i18n, self.lang = chat, i18n, lang
        self.screens: set[str] = set()

    def t(self, msgid: str) -> str:
        return self.i18n.gettext(msgid, locale=self.lang)

    async def press(self, msgid: str) -> str:
        label = self.t(msgid)
        button = next(b for b in self.chat.screen.flat_buttons if label in b.text)  # type: ignore[union-attr]
        return self._seen(await self.chat.click(button.text))

    async def result(self) -> str:
        """The one-screen answer, then the list of each kind of assistance (its buttons too)."""
        summary = await self.press("✅ Show the result")
        replies = await self.chat.click(self.t("📋 Each kind of assistance"))
        labels = [b.text for r in replies for b in r.flat_buttons]
        return normalise("\n".join([summary, *(r.text for r in replies), *labels]))

    async def type(self, text: str) -> str:
        return self._seen(await self.chat.send(text))

    def _seen(self, replies: list) -> str:
        text = normalise("\n".join(r.text for r in replies))
        template = re.escape(self.t("Step {k} of {n}"))
        pattern = template.replace(r"\{k\}", r"(\d+)").replace(r"\{n\}", r"(\d+)")
        for k, n in re.findall(pattern, text):
            self.screens.add(k)
            self.total = int(n)
        return text

    def title(self, benefit_id: str) -> str:
        return RULESET.benefits_by_id[benefit_id].title.get(self.lang)

    async def start_check(self) -> None:
        await self.chat.send("/start")
        await self.press("🔎 What assistance may I get?")


def normalise(text: str) -> str:
    """Babel's narrow and no-break spaces as plain spaces, so amounts compare simply."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def persona_on(settings: Settings, engine: AsyncEngine, bot: Bot):
    dispatchers: list[Dispatcher] = []

    def make(day: date, lang: str, user_id: int = 100) -> Persona:
        dp = create_dispatcher(settings, engine=engine, today=lambda: day)
        dispatchers.append(dp)
        chat = LocalChat(dp, bot, user_id=user_id, language_code=lang)
        return Persona(chat, dp["i18n"], lang)

    return make


# The personas' screenings, from the menu to the result (its text); make bench replays them.
async def lonely_veteran_answers(p: Persona) -> None:
    """A war participant of 91 with a disability, living alone: every answer up to the review."""
    await p.start_check()
    for group in ("Veterans and those equated to them",
                  "I have a disability (мүгедектік / инвалидность)", "Pensioners and the elderly"):
        await p.press(group)
    await p.press("Next ➡️")
    await p.press("Participant of the Great Patriotic War")
    await p.press("Next ➡️")
    for status in ("I receive a pension", "I live alone", "I need outside care"):
        await p.press(status)
    await p.press("Next ➡️")
    await p.press("No wheelchair")
    await p.type("91")
    await p.type("60 000 тг")
    await p.press("➖ None of these")  # nothing received in the past year


async def lonely_veteran(p: Persona) -> str:
    await lonely_veteran_answers(p)
    return await p.result()


async def low_income_family(p: Persona) -> str:
    """Low income, on TSA, a disabled 8-year-old taught at home (on 10.06.2015)."""
    await p.start_check()
    await p.press("Family and children")
    await p.press("Next ➡️")
    await p.press("Family receives targeted social assistance (TSA)")
    await p.press("Children under 18 with a disability, HIV or without parental care")
    await p.press("Next ➡️")
    await p.type("8")
    await p.press("child with a disability")
    await p.press("taught at home")
    await p.press("Next ➡️")
    await p.press("5")
    await p.type("25 000 ₸")
    await p.press("➖ None of these")
    return await p.result()


async def nothing_to_get(p: Persona) -> str:
    await p.start_check()
    await p.press("➖ None of these")
    await p.press("2")
    await p.type("400000")
    return await p.press("✅ Show the result")


@pytest.mark.parametrize("lang", LANGS)
async def test_lonely_veteran(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    result = await lonely_veteran(p)

    for bid in ("p7.9", "p7.10", "p9.8", "p9.9.wwii", "p9.10", "p9.12"):
        assert p.title(bid) in result, bid
    assert "198 200 ₸" in result  # p. 9.9: 100 MCI of 1 982 ₸
    assert "3 964 ₸" in result  # p. 7.9 and 7.10: 2 MCI
    assert len(p.screens) == p.total == 8


async def family_of_four_after_fire(p: Persona, fire_on: str, income: str = "120000") -> None:
    """From the menu to the income of a family of four whose house burned on `fire_on`."""
    await p.start_check()
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")
    await p.type(fire_on)
    await p.press("4")
    await p.type(income)


@pytest.mark.parametrize("lang", LANGS)
async def test_family_after_fire(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    result = await p.result()

    assert p.title("p9.11") in result
    assert "594 600 ₸" in result  # up to 300 MCI
    assert p.t("up to {amount}").split("{amount}")[0] in result
    await p.chat.click(p.t("⬅️ Back to the result"))
    documents = normalise("\n".join(r.text for r in await p.chat.click(p.t(
        "📄 What to bring and where"))))
    for doc in RULESET.checklist(["p9.11"]):
        assert doc.plain.get(lang) in documents
    due = format_date(date(2015, 4, 30), format="d MMMM y", locale=lang)
    assert normalise(due) in documents  # p. 21: the 8th working day after 20.04.2015
    assert len(p.screens) == p.total == 7  # the count the README gives


@pytest.mark.parametrize("lang", LANGS)
async def test_fire_reported_too_late(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await family_of_four_after_fire(p, "01.02.2015")
    result = await p.press("✅ Show the result")  # no p. 9.11 to ask about: no history step

    assert p.t("By your answers, nothing is due to you now.") in result
    assert p.title("p9.11") in result
    deadline = format_date(date(2015, 3, 2), format="d MMMM y", locale=lang)
    # One month after the fire of 1 February ends on Sunday 1 March: the next working day.
    assert normalise(deadline) in result


@pytest.mark.parametrize("lang", LANGS)
async def test_low_income_family_with_disabled_child_at_home(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 6, 10), lang)
    result = await low_income_family(p)

    for bid in ("p7.11", "p7.12", "p9.2", "p9.6", "p9.7"):
        assert p.title(bid) in result, bid
    assert "26 757 ₸" in result  # p. 7.11: 13.5 MCI
    assert "5 946 ₸" in result  # p. 7.12: 3 MCI
    assert "5 000 ₸" in result  # the per-capita arithmetic: 25 000 ÷ 5
    assert len(p.screens) == p.total == 7


@pytest.mark.parametrize("lang", LANGS)
async def test_nothing_to_get(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    result = await nothing_to_get(p)

    assert p.t("By your answers, nothing is due to you now.") in result
    assert len(p.screens) == p.total == 4


@pytest.mark.parametrize("lang", LANGS)
async def test_nonsense_at_every_step_keeps_the_step_and_the_answers(persona_on, lang) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    reply = await p.type("помогите")
    assert p.t("Here please use the buttons below.") in reply
    await p.press("Hardship: fire, natural disaster, illness")
    await p.chat.send_sticker()
    await p.press("Next ➡️")
    await p.press("Fire")
    for nonsense, reason in (("вчера-позавчера", "bad_date"), ("01.01.2099", "future")):
        reply = await p.type(nonsense)
        assert p.t({"bad_date": "I could not read that date. Please type it like 05.03.2015.",
                    "future": "That date is in the future. Please type the day it happened."}[
            reason]) in reply
        assert p.t("Date of the event") in reply  # the same question again
    await p.type("10.04.2015")
    for nonsense, message in (
        ("0", "That number is too small here."),
        ("сорок", "Please type a number with digits, for example {example}."),
        ("-3", "The number cannot be negative."),
    ):
        reply = await p.type(nonsense)
        assert p.t(message).format(example="4") in reply
        assert p.t("Family size") in reply
    await p.type("4")
    for nonsense, message in (
        ("много", "Please type a number with digits, for example {example}."),
        ("-5000", "The number cannot be negative."),
        ("999 999 999 999", "That number is too large. Please check it."),
    ):
        reply = await p.type(nonsense)
        assert p.t(message).format(example="120 000") in reply
        assert p.t("Family income") in reply
    await p.type("120 000 тенге")
    await p.press("➖ None of these")
    review = await p.chat.send("/help")
    assert p.t("Check your answers") in normalise("\n".join(r.text for r in review))
    result = await p.result()
    assert p.title("p9.11") in result and "594 600 ₸" in result  # nothing was lost


@pytest.mark.parametrize("lang", LANGS)
async def test_back_and_change_from_review(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("Pensioners and the elderly")
    await p.press("Next ➡️")
    await p.press("I receive a pension")
    await p.press("⬅️ Back")
    assert p.t("What is about you?") in p.chat.last_text
    await p.press("Next ➡️")
    ticked = "✅ " + p.t("I receive a pension")
    assert ticked in [b.text for b in p.chat.screen.flat_buttons]  # kept on the way back
    await p.press("Next ➡️")
    await p.press("1")
    await p.press("Skip ⏭")
    await p.press("➖ None of these")  # p. 9.8 not received in the past year
    await p.press("✏️ What is about me")
    await p.press("I have a disability (мүгедектік / инвалидность)")
    await p.press("Next ➡️")  # "about me" is its checklists too: each one again
    assert ticked in [b.text for b in p.chat.screen.flat_buttons]
    await p.press("Next ➡️")  # then only what is new: the wheelchair, and back to the review
    reply = await p.press("Walking wheelchair")
    assert p.title("p9.1.walking") in str(p.chat.screen)  # a new question of p. 23
    reply = await p.press("➖ None of these")
    assert p.t("Check your answers") in reply
    result = await p.result()
    assert p.title("p9.1.walking") in result


async def test_resume_after_restart_and_reopen_last_result(
    settings: Settings, engine: AsyncEngine, bot: Bot
) -> None:
    day = date(2015, 4, 20)
    first = create_dispatcher(settings, engine=engine, today=lambda: day)
    p = Persona(LocalChat(first, bot, language_code="ru"), first["i18n"], "ru")
    await p.start_check()
    await p.press("Hardship: fire, natural disaster, illness")
    await p.press("Next ➡️")
    await p.press("Fire")
    await first.storage.close()

    # A new process: new dispatcher, same database.
    second = create_dispatcher(settings, engine=engine, today=lambda: day)
    p2 = Persona(LocalChat(second, bot, user_id=100, language_code="ru"), second["i18n"], "ru")
    await p2.chat.send("/menu")
    await p2.press("🔎 What assistance may I get?")
    reply = await p2.press("▶️ Continue where I stopped")
    assert p2.t("Date of the event") in reply
    await p2.type("10.04.2015")
    await p2.press("3")
    await p2.type("90000")
    await p2.press("➖ None of these")
    first_result = await p2.press("✅ Show the result")
    assert "594 600 ₸" in first_result

    await p2.chat.send("/menu")
    await p2.press("🔎 What assistance may I get?")
    again = await p2.press("📋 Open my last result")
    assert "594 600 ₸" in again
    details = await p2.press("📋 Each kind of assistance")
    assert p2.title("p9.11") in "\n".join(b.text for b in p2.chat.screen.flat_buttons)
    assert p2.t("Each kind of assistance") in details


async def test_a_child_added_by_mistake_can_be_removed(persona_on) -> None:
    p = persona_on(date(2015, 6, 10), "ru")
    await p.start_check()
    await p.press("Family and children")
    await p.press("Next ➡️")
    await p.press("Children under 18 with a disability, HIV or without parental care")
    await p.press("Next ➡️")
    await p.type("8")
    await p.press("child with a disability")
    await p.press("➕ Add another child")
    assert p.t("Child {number}").format(number=2) in p.chat.last_text
    reply = await p.press("🗑 Remove this child")
    assert p.t("Child {number}").format(number=1) in reply
    await p.press("Next ➡️")  # child 1 is complete: no second child blocks the way
    assert p.t("Family size") in p.chat.last_text


async def test_cancel_forgets_the_answers_and_the_last_result(persona_on) -> None:
    p = persona_on(date(2015, 4, 20), "kk")
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    await p.press("✅ Show the result")
    await p.chat.send("/cancel")
    await p.press("🔎 What assistance may I get?")
    # Nothing to continue and no last result: the check starts afresh.
    assert p.t("What is about you?") in p.chat.last_text
    assert not any("✅" in b.text for b in p.chat.screen.flat_buttons)


async def test_telegram_refusing_an_old_press_does_not_lose_the_answer(persona_on) -> None:
    """After a restart Telegram refuses to answer an old press: the tick is kept all the same."""
    from aiogram.methods import Response

    p = persona_on(date(2015, 4, 20), "ru")
    await p.start_check()
    p.chat.session.add_result(Response[bool](
        ok=False, error_code=400,
        description="Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid",
    ))
    replies = await p.chat.click(p.t("Pensioners and the elderly"))
    assert not p.chat.session.responses  # the queued refusal was used, by answerCallbackQuery
    assert not any(p.t("Sorry, something went wrong on our side. Your answers are kept; "
                       "let us go on from here.") in r.text for r in replies)
    reply = await p.press("Next ➡️")
    assert p.t("Pensioners and the elderly") in reply  # the group was ticked


async def test_a_real_refusal_still_gets_the_apology(persona_on) -> None:
    from aiogram.methods import Response

    p = persona_on(date(2015, 4, 20), "kk")
    await p.start_check()
    p.chat.session.add_result(Response[bool](ok=True, result=True))  # answerCallbackQuery
    p.chat.session.add_result(Response[bool](
        ok=False, error_code=400, description="Bad Request: can't parse entities"
    ))
    replies = await p.chat.click(p.t("Pensioners and the elderly"))
    assert any(p.t("Sorry, something went wrong on our side. Your answers are kept; "
                   "let us go on from here.") in r.text for r in replies)


async def test_two_quick_taps_are_both_kept(persona_on, bot) -> None:
    """A citizen taps two boxes at once (webhook updates arrive together): neither is lost."""
    import asyncio

    p = persona_on(date(2015, 4, 20), "ru")
    await p.start_check()
    screen = p.chat.screen
    await asyncio.gather(
        p.chat.click(p.t("Pensioners and the elderly"), screen),
        p.chat.click(p.t("Family and children"), screen),
    )
    state = p.chat.dp.fsm.get_context(bot, chat_id=100, user_id=100)
    groups = (await state.get_data())["screening"]["answers"]["groups"]
    assert sorted(groups) == ["elderly", "family"]
