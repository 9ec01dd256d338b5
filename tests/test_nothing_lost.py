"""Nothing lost, nobody blocked (items 9-11): what a citizen types or sends, and what a button
carries, is checked before the database, politely, at its step.

- Typed answers are checked against their columns (SQLite keeps 4 001 characters in a
  ``String(200)``; PostgreSQL refuses them and the citizen saw the apology a screen later).
- A file name too long for its column is shortened, its extension kept: the upload is kept.
- A forged id past its column is an old button, not an overflow in the database.
- A file is what its first bytes say, not what its name says; Telegram's ids are checked
  before they become part of a path; a download stops at the size limit, whatever size was
  announced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import GetFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from bot.services.attachments import MAX_FILE_BYTES, short_file_name
from storage.db import create_session_factory
from storage.models import Application, Attachment
from tests.storage.conftest import migrated_engine, postgres_database
from tests.test_application import (  # noqa: F401  (fixtures)
    DAY,
    IIN,
    SPOUSE_IIN,
    app_settings,
    applicant,
    applying,
    fill_until_documents,
    refused,
    result_of_fire_family,
    step_of,
    submitted,
)
from tests.test_pipeline import SORRY
from tests.test_screening import LANGS, RULESET, Persona, normalise

STALE = "That button is from an earlier message. Here is where you are now."
NAME_TOO_LONG = ("A full name can have at most {limit} characters. Please type it as in the "
                 "identity document.")
TOO_LONG = "That is longer than {limit} characters. Please say it more briefly."
NOT_WHAT_IT_SAYS = ("This file is not a photo, a JPG or PNG picture or a PDF scan inside, "
                    "whatever its name says, so I did not keep it. Please send a photo or a PDF "
                    "scan of the document.")
FILE_FAILED = "I could not receive this file. Please send it again."
TOO_LARGE = ("This file is larger than 20 MB: Telegram does not let me receive it. Please send "
             "a photo of the document instead.")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a picture"
BACKENDS = ["sqlite", "postgresql"]

Make = Callable[..., Persona]


@pytest.fixture(params=BACKENDS)
async def on_backend(
    request: pytest.FixtureRequest, app_settings: Settings, engine: AsyncEngine,  # noqa: F811
    bot: Bot,
) -> AsyncIterator[tuple[Make, AsyncEngine]]:
    """Citizens on SQLite, or on a fresh PostgreSQL database (where a value past its column
    fails), and that database's engine."""

    def maker(eng: AsyncEngine) -> Make:
        def make(lang: str, user_id: int = 100) -> Persona:
            dp = create_dispatcher(app_settings, engine=eng, clock=Clock.fixed(DAY))
            return Persona(LocalChat(dp, bot, user_id=user_id, language_code=lang),
                           dp["i18n"], lang)
        return make

    if request.param == "sqlite":
        yield maker(engine), engine
        return
    async with postgres_database() as url, migrated_engine(url) as pg:
        yield maker(pg), pg


async def stored_app(engine: AsyncEngine) -> Application:
    async with create_session_factory(engine)() as session:
        return (await session.scalars(select(Application))).one()


async def attachments(engine: AsyncEngine) -> list[Attachment]:
    async with create_session_factory(engine)() as session:
        return list((await session.scalars(select(Attachment))).all())


def no_apology(p: Persona) -> None:
    assert not any(p.t(SORRY) in r.text for r in p.chat.history)


def limited(p: Persona, msgid: str, limit: int) -> str:
    return p.t(msgid).format(limit=limit)


# -- item 9: lengths, checked at their step --------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_name_longer_than_its_column_is_refused_naming_the_limit(
    on_backend: tuple[Make, AsyncEngine], lang: str
) -> None:
    make, engine = on_backend
    p = await applying(make(lang))
    await p.press("Next ➡️")
    text = await p.type("А" * 2000 + " " + "Б" * 2000)  # two words of letters: a "name"
    assert limited(p, NAME_TOO_LONG, 200) in text
    assert step_of(p, text) == "3"  # the name's step, again
    text = await p.type("асанов берік")
    assert step_of(p, text) == "4"
    no_apology(p)
    assert (await stored_app(engine)).full_name == "Асанов Берік"


@pytest.mark.parametrize("lang", LANGS)
async def test_every_typed_answer_is_checked_against_its_column_and_nothing_is_lost(
    on_backend: tuple[Make, AsyncEngine], lang: str
) -> None:
    make, engine = on_backend
    p = await applying(make(lang))
    await p.press("Next ➡️")
    await p.type("Асанов Берік")
    await p.type(IIN)
    await p.type("87012345678")
    await p.press("Other (not listed)")
    text = await p.type("Ж" * 101)  # the place's name: String(100)
    assert limited(p, TOO_LONG, 100) in text and step_of(p, text) == "6"
    await p.type("Жаңа ауыл")
    text = await p.type("А" * 201)  # the street and house: String(200)
    assert limited(p, TOO_LONG, 200) in text and step_of(p, text) == "6"
    assert "Жаңа ауыл" in text  # what was typed before is kept
    text = await p.type("Абай көшесі, 12")
    assert step_of(p, text) == "7"
    text = await p.type("Асанова " + "Г" * 200 + f" {SPOUSE_IIN}")  # a member's name too
    assert limited(p, NAME_TOO_LONG, 200) in text and step_of(p, text) == "7"
    await p.type(f"Асанова Гүлнар {SPOUSE_IIN}")
    no_apology(p)
    app = await stored_app(engine)
    assert (app.full_name, app.settlement_other, app.address) == (
        "Асанов Берік", "Жаңа ауыл", "Абай көшесі, 12")
    assert app.draft["members"][0]["full_name"] == "Асанова Гүлнар"


async def test_a_file_name_too_long_for_its_column_is_shortened_and_the_upload_kept(
    on_backend: tuple[Make, AsyncEngine],
) -> None:
    make, engine = on_backend
    p = make("kk")
    await result_of_fire_family(p)
    await fill_until_documents(p)
    document = RULESET.documents["id_document"].plain.get("kk")
    replies = await p.chat.send_document("а" * 1000 + ".pdf")
    received = p.t("Received for «{document}»: {n}").format(document=document, n=1)
    assert any(received in normalise(r.text) for r in replies)
    (row,) = await attachments(engine)
    assert row.file_name is not None and len(row.file_name) == 255
    assert row.file_name.startswith("аааа") and row.file_name.endswith("….pdf")
    no_apology(p)


def test_a_long_file_name_keeps_its_extension() -> None:
    assert short_file_name("scan.pdf") == "scan.pdf"
    assert short_file_name(None) is None
    assert short_file_name("б" * 300 + ".jpeg", 20) == "б" * 14 + "….jpeg"
    assert short_file_name("б" * 300, 20) == "б" * 19 + "…"  # no extension to keep
    assert short_file_name("a." + "b" * 300, 20) == "a." + "b" * 17 + "…"  # nor here


# -- item 10: forged numbers are old buttons -------------------------------------------------


@pytest.mark.parametrize("data", ["my:confirm:99999999999999999999999",
                                  "my:withdraw:-99999999999999999999999",
                                  "my:confirm:2147483648"])  # past PostgreSQL's integer
async def test_a_forged_application_id_is_an_earlier_button(
    applicant, engine: AsyncEngine, data: str  # noqa: F811
) -> None:
    p = applicant("ru")
    await submitted(p)
    replies = await p.chat.click_data(data)
    assert replies[0].text == p.t(STALE)
    no_apology(p)
    assert (await stored_app(engine)).status == "submitted"


async def test_a_forged_choice_is_an_earlier_button_and_changes_nothing(
    applicant, engine: AsyncEngine  # noqa: F811
) -> None:
    """A step that does not exist (a member's index past any list), a place, a relation or an
    occupation we do not offer (one longer than its column would fail the submission)."""

    async def forged(data: str, step: str) -> None:
        replies = await p.chat.click_data(data)
        assert replies[0].text == p.t(STALE), data
        assert step_of(p, p._seen(replies)) == step, data

    p = await applying(applicant("kk"))
    await p.press("Next ➡️")
    for arg in ("member.99999999999999999999", "member.7", "nonsense", "consent"):
        await forged(f"a:edit:{arg}:", "3")  # still the name's step
    await p.type("Асанов Берік")
    await p.type(IIN)
    await p.type("87012345678")
    await forged("a:pick:nowhere:", "6")
    await p.press("Шолаққорған")
    await p.type("Абай көшесі, 12")
    await forged("a:rel:" + "x" * 40 + ":", "7")
    await forged("a:occ:" + "x" * 40 + ":", "7")
    no_apology(p)
    app = await stored_app(engine)
    assert app.settlement == "sholakkorgan" and app.draft["step"] == "member.0"
    member = app.draft["members"][0]
    assert (member.get("relation"), member.get("occupation")) == (None, None)


# -- item 11: files by their content -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_page_or_a_program_named_scan_pdf_is_refused_and_nothing_is_stored(
    applicant, engine: AsyncEngine, app_settings: Settings, lang: str  # noqa: F811
) -> None:
    p = applicant(lang)
    await result_of_fire_family(p)
    await fill_until_documents(p)
    for content in (b"<!DOCTYPE html><html><body>scan</body></html>",
                    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100,  # a Windows program
                    b"%PD"):  # too short to be anything
        await refused(p, p.chat.send_document("scan.pdf", content), NOT_WHAT_IT_SAYS, "11")
    assert await attachments(engine) == []
    folder = app_settings.data_dir / "applications"
    assert not folder.exists() or not any(path.is_file() for path in folder.rglob("*"))
    no_apology(p)


async def test_a_picture_named_pdf_is_kept_as_the_picture_it_is(
    applicant, engine: AsyncEngine, app_settings: Settings  # noqa: F811
) -> None:
    p = applicant("ru")
    await result_of_fire_family(p)
    await fill_until_documents(p)
    await p.chat.send_document("scan.pdf", PNG)
    (row,) = await attachments(engine)
    assert (row.mime, Path(row.path or "").suffix, row.file_name) == ("image/png", ".png",
                                                                      "scan.pdf")
    assert (app_settings.data_dir / (row.path or "")).read_bytes() == PNG


@pytest.mark.parametrize("unique_id", ["../../../../etc/cron.d/x", "a.b", "ид", ""])
async def test_a_file_whose_unique_id_is_not_telegrams_is_refused_before_any_download(
    applicant, engine: AsyncEngine, bot: Bot, app_settings: Settings,  # noqa: F811
    unique_id: str,
) -> None:
    p = applicant("kk")
    await result_of_fire_family(p)
    await fill_until_documents(p)
    assert isinstance(bot.session, LocalSession)
    mark = len(bot.session.requests)
    await refused(p, p.chat.send_document("scan.pdf", file_unique_id=unique_id), FILE_FAILED,
                  "11")
    assert not any(isinstance(m, GetFile) for m in bot.session.requests[mark:])
    assert await attachments(engine) == []
    no_apology(p)


async def test_a_file_that_lies_about_its_size_is_not_downloaded_past_the_limit(
    applicant, engine: AsyncEngine, bot: Bot  # noqa: F811
) -> None:
    p = applicant("ru")
    await result_of_fire_family(p)
    await fill_until_documents(p)
    assert isinstance(bot.session, LocalSession)
    huge = b"%PDF-1.4\n" + b"0" * (MAX_FILE_BYTES + 4 * 1024 * 1024)
    await refused(p, p.chat.send_document("scan.pdf", huge, file_size=1000), TOO_LARGE, "11")
    assert bot.session.streamed[-1] <= MAX_FILE_BYTES + 65536  # stopped at the limit
    assert await attachments(engine) == []
    # A page labelled PDF is stopped at its first bytes, not downloaded in full either.
    page = b"<html>" + b" " * (8 * 1024 * 1024)
    await refused(p, p.chat.send_document("scan.pdf", page, file_size=10), NOT_WHAT_IT_SAYS,
                  "11")
    assert bot.session.streamed[-1] <= 65536
    no_apology(p)

