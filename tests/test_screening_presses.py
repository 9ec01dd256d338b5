"""Double taps, old buttons, forged callback data, groups and commands in capitals (issue 7,
items 5-7): a press counts only on the screen shown now, and a group gets one polite hint."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Chat

from handlers.screening.keyboards import SCB, pack
from tests.test_screening import LANGS, Persona, persona_on  # noqa: F401  (fixture)

EARLIER = "That button is from an earlier message: nothing was changed."
APOLOGY = "Sorry, something went wrong on our side. Your answers are kept; let us go on from here."


async def screening(p: Persona, bot: Bot) -> dict[str, Any]:
    state = p.chat.dp.fsm.get_context(bot, chat_id=p.chat.chat.id, user_id=p.chat.user.id)
    return dict((await state.get_data()).get("screening") or {})


def texts(replies: list[Any]) -> list[str]:
    return [r.text for r in replies]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_double_next_does_not_skip_the_elderly_step(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("Pensioners and the elderly")
    screen = p.chat.screen
    await p.chat.click(p.t("Next ➡️"), screen)
    second = await p.chat.click(p.t("Next ➡️"), screen)  # the same message, tapped again

    assert texts(second) == [p.t(EARLIER)]  # a notice only, no new screen
    assert p.t("Pensioners and the elderly") in p.chat.last_text  # still the elderly step
    assert p.t("I receive a pension") in str(p.chat.screen.buttons)


@pytest.mark.parametrize("lang", LANGS)
async def test_an_old_number_on_the_income_step_does_not_jump_to_the_review(
    persona_on, lang: str  # noqa: F811
) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    members = p.chat.screen
    await p.chat.click("5", members)
    second = await p.chat.click("5", members)

    assert texts(second) == [p.t(EARLIER)]
    assert p.t("Family income") in p.chat.last_text
    assert (await screening(p, p.chat.bot))["answers"]["members"] == 5


@pytest.mark.parametrize("lang", LANGS)
async def test_a_double_tap_on_the_last_question_is_harmless(persona_on, lang: str) -> None:  # noqa: F811
    """Two taps on Skip of the last question: the review once, no failure."""
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    await p.press("2")
    income = p.chat.screen
    await p.chat.click(p.t("Skip ⏭"), income)
    second = await p.chat.click(p.t("Skip ⏭"), income)

    assert texts(second) == [p.t(EARLIER)]
    assert p.t(APOLOGY) not in "\n".join(r.text for r in p.chat.history)
    assert p.t("Check your answers") in p.chat.last_text
    review = p.chat.screen
    result = await p.press("✅ Show the result")
    again = await p.chat.click(p.t("✅ Show the result"), review)  # tapped twice
    assert result and texts(again) == [p.t(EARLIER)]


@pytest.mark.parametrize("lang", LANGS)
async def test_screens_left_behind_lose_their_buttons(persona_on, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    members = p.chat.screen
    await p.type("3")  # a new screen below the answer
    assert p.chat.session.messages[members.message_id].reply_markup is None
    income = p.chat.screen
    await p.chat.send("/menu")
    assert p.chat.session.messages[income.message_id].reply_markup is None
    await p.press("🔎 What assistance may I get?")
    await p.press("▶️ Continue where I stopped")
    assert p.t("Family income") in p.chat.last_text  # the answers were kept all the same


@pytest.mark.parametrize("lang", LANGS)
async def test_typing_at_the_entry_question_asks_it_again(persona_on, lang: str) -> None:  # noqa: F811
    """"Continue where I stopped?" is where the citizen is: a typed answer (a number no button
    has, a word) is told to use the buttons and gets the same question again, not the menu."""
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    await p.type("3")  # members: on to the income
    await p.chat.send("/menu")
    await p.press("🔎 What assistance may I get?")
    question = p.chat.screen

    for typed in ("7", "дальше"):
        replies = await p.chat.send(typed)
        assert replies[0].text == p.t(
            "Sorry, I did not understand that. Please use the buttons below.")
        assert replies[-1].text == p.t("<b>What assistance may I get?</b>\nChoose how to go on.")
        assert replies[-1].buttons == question.buttons
        assert p.chat.session.messages[question.message_id].reply_markup is None
        question = p.chat.screen

    await p.press("▶️ Continue where I stopped")
    assert p.t("Family income") in p.chat.last_text  # the answers were kept all the same


FORGED_OLD_FORMAT = ("s:edit:bogus", "s:pick:bogus", "s:pick:0", "s:edit:child.99")


@pytest.mark.parametrize("lang", LANGS)
async def test_forged_callback_data_changes_nothing(persona_on, bot: Bot, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    await p.start_check()
    await p.press("➖ None of these")
    forged_on_members = ("s:members:pick:0", "s:members:pick:bogus", "s:members:pick:99",
                         "s:members:edit:bogus", "s:members:skip:", "s:groups:next:",
                         "s:members:toggle:hardship", "s:members:new:", "s:members:details:",
                         "s:members:pdf:", *FORGED_OLD_FORMAT)
    before = await screening(p, bot)
    for data in forged_on_members:
        replies = await p.chat.click_data(data)
        assert replies and replies[0].kind == "alert", data  # answered, never silent
        assert await screening(p, bot) == before, data
    await p.press("4")
    await p.type("400000")
    assert p.t("Check your answers") in p.chat.last_text
    before = await screening(p, bot)
    for data in ("s:review:edit:bogus", "s:review:pick:bogus", "s:review:edit:child.99",
                 "s:review:edit:", "s:review:next:", "s:review:add_child:", *FORGED_OLD_FORMAT):
        replies = await p.chat.click_data(data)
        assert replies and replies[0].kind == "alert", data
        assert await screening(p, bot) == before, data
    result = await p.press("✅ Show the result")  # every later message still works
    assert p.t("Your result on {date}").split("{date}")[0].strip() in result


@pytest.mark.parametrize("lang", LANGS)
async def test_in_a_group_only_one_hint_to_write_privately(persona_on, bot: Bot, lang: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), lang)
    p.chat.chat = Chat(id=-1001, type="supergroup", title="Sozak village")

    assert await p.chat.send("/start@another_bot") == []  # not to us
    first = await p.chat.send("/start")
    assert len(first) == 1
    hint = p.t("I answer questions about assistance only in a private chat, so that your "
               "answers stay private. Please write to me there:{link}")
    assert hint.split(":")[0] in first[0].text
    assert not first[0].buttons
    for text in ("/start", "/START", "/menu", "hello", "500000"):
        assert await p.chat.send(text) == [], text  # once, nothing else
    state = p.chat.dp.fsm.get_context(bot, chat_id=-1001, user_id=p.chat.user.id)
    assert await state.get_state() is None and await state.get_data() == {}


@pytest.mark.parametrize("command", ["/START", "/Menu", "/MENU"])
async def test_commands_ignore_case(persona_on, command: str) -> None:  # noqa: F811
    p = persona_on(date(2015, 4, 20), "ru")
    replies = await p.chat.send(command)
    assert p.t("🔎 What assistance may I get?") in str(replies[-1].buttons)
    assert p.t("Sorry, I did not understand that. Please use the buttons below.") not in (
        texts(replies))


def test_button_data_is_what_the_callback_model_packs() -> None:
    """Buttons are packed as strings (no model each): the handlers' SCB.filter() reads them."""
    assert pack("toggle", "hiv", "child.0") == SCB(step="child.0", act="toggle", arg="hiv").pack()
    assert SCB.unpack(pack("result")) == SCB(act="result")
    with pytest.raises(ValueError):
        pack("pick", "a:b")  # the separator inside a value
    with pytest.raises(ValueError):
        pack("pick", "x" * 64)  # longer than Telegram takes
