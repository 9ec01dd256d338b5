# ruff: noqa: F811 (the persona_on fixture, imported, is a parameter)
"""«💾 Save as PDF» under the one-screen result: one page, in the citizen's language, with the
benefits, their amounts, the checklist and where to apply (issue #11)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument
from pypdf import PdfReader

from bot.console.chat import LocalChat
from tests.conftest import OUT_OF_FORCE
from tests.test_law_in_time import repealed_line
from tests.test_result import lonely_pensioner
from tests.test_screening import (  # noqa: F401
    LANGS,
    Persona,
    lonely_veteran_answers,
    normalise,
    persona_on,
)
from tests.test_screening_presses import EARLIER
from tests.test_training import MARK, training  # noqa: F401  (fixture)

SAVE = "💾 Save as PDF"


async def lonely_veteran(p: Persona) -> None:
    await lonely_veteran_answers(p)
    await p.press("✅ Show the result")


def sent_documents(p: Persona) -> list[SendDocument]:
    return [r for r in p.chat.session.requests if isinstance(r, SendDocument)]


def pages(request: SendDocument) -> list[str]:
    data = request.document.data  # type: ignore[union-attr]
    assert data.startswith(b"%PDF")
    return [normalise(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("lang", LANGS)
async def test_the_result_as_a_one_page_pdf(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await lonely_veteran(p)
    before = p.chat.session.messages[p.chat.screen.message_id].text  # type: ignore[union-attr]
    await p.press(SAVE)

    [request] = sent_documents(p)
    [page] = pages(request)  # exactly one page
    flat = " ".join(page.split())
    for bid in ("p7.9", "p7.10", "p9.8", "p9.9.wwii", "p9.10", "p9.12"):
        assert " ".join(p.title(bid).split())[:25] in flat, bid
    for amount, tenge in (("100", "198 200"), ("26", "51 532"), ("2", "3 964")):
        assert f"{p.t('{amount} MCI').format(amount=amount)} = {tenge} ₸" in flat
    assert p.t("Result of the check") in flat
    assert p.t("(decision No. {number}, p. {cite})").format(number=241, cite="9.8") in flat
    assert p.t("What to bring (originals and copies, p. 13–14)") in flat  # the checklist
    assert "eGov.kz" in flat
    assert p.t("Where to apply") in flat
    assert p.t("Each kind of assistance") in flat
    # Paper has no buttons: no "find yours below", no "the list is (a button) below".
    assert p.t("or the akim of your settlement or rural okrug.") in flat
    assert p.t("or the akim of your settlement or rural okrug: find yours below.") not in flat
    assert normalise(p.t("Apply: bring the documents listed on this page to the district "
                         "department or your akim {cite}.").split("{")[0]).strip() in flat
    if lang == "kk":
        assert any(letter in flat for letter in "әғқңөұүһі")
    # The chat screen stays as it was: the file comes below it.
    assert p.chat.session.messages[p.chat.screen.message_id].text == before  # type: ignore[union-attr]
    assert request.caption


@pytest.mark.parametrize("lang", LANGS)
async def test_a_forged_or_stale_save_press_sends_nothing(persona_on, lang: str) -> None:
    p = persona_on(date(2015, 4, 20), lang)
    await lonely_veteran(p)
    replies = await p.chat.click_data("s:members:pdf:")  # a step's screen never offers it
    assert [r.text for r in replies] == [p.t(EARLIER)]
    assert sent_documents(p) == []



@pytest.mark.parametrize("lang", LANGS)
async def test_out_of_force_the_pdf_says_what_the_decision_provided(
    persona_on, lang: str
) -> None:
    p = persona_on(OUT_OF_FORCE, lang)
    await lonely_pensioner(p, "📅 Today")
    await p.press(SAVE)
    [request] = sent_documents(p)
    [page] = pages(request)
    flat = " ".join(page.split())
    assert " ".join(repealed_line(p).split()) in flat
    assert p.t("Nothing can be applied for under this decision any more.") in flat
    assert p.t("What to bring (originals and copies, p. 13–14)") not in flat


@pytest.mark.parametrize("lang", LANGS)
async def test_on_a_training_clock_the_page_says_so(
    training: tuple[Dispatcher, Bot], lang: str
) -> None:
    dp, bot = training
    p = Persona(LocalChat(dp, bot, language_code=lang), dp["i18n"], lang)
    await lonely_pensioner(p)
    await p.press(SAVE)
    [request] = sent_documents(p)
    [page] = pages(request)
    assert MARK[lang].removeprefix("🎓 ") in " ".join(page.split())
    assert MARK[lang] in (request.caption or "")  # the caption, by the training middleware
