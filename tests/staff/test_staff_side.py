"""The staff's side through the real dispatcher: the card and PDF on submission, the staff
commands and buttons for staff, and nothing of it for anyone else."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument, SendMessage
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from bot.services.staff_card import announce_submission
from storage.audit import AuditRepo
from storage.db import create_session_factory
from tests.conftest import ChatFactory
from tests.hanging import others_go_on_while_it_hangs
from tests.staff.conftest import (
    CITIZEN,
    IIN,
    NAME,
    OTHER_GROUP,
    PHONE,
    STAFF,
    STAFF_CHAT,
    Submit,
)
from tests.test_screening import Persona

PERSONAL = (IIN, NAME, PHONE, "Әлиев Қанат")


def sent(bot: Bot, since: int = 0) -> list[Any]:
    session = bot.session
    assert isinstance(session, LocalSession)
    return session.requests[since:]


def mark(bot: Bot) -> int:
    session = bot.session
    assert isinstance(session, LocalSession)
    return len(session.requests)


def texts(requests: list[Any]) -> str:
    return "\n".join(r.text for r in requests if isinstance(r, SendMessage))


def documents(requests: list[Any]) -> list[SendDocument]:
    return [r for r in requests if isinstance(r, SendDocument)]


def document_bytes(request: SendDocument) -> bytes:
    return request.document.data  # type: ignore[union-attr]


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


async def actions(engine: AsyncEngine, app_id: int) -> list[tuple[str, int | None]]:
    async with create_session_factory(engine)() as session:
        return [(e.action, e.actor_id) for e in await AuditRepo(session).history(app_id)]


async def announce(dp: Dispatcher, bot: Bot, engine: AsyncEngine, settings: Settings,
                   app_id: int) -> None:
    """As the citizen's flow does after the submission commits, inside the dispatcher's i18n."""
    async with create_session_factory(engine)() as session:
        with dp["i18n"].context(), dp["i18n"].use_locale("ru"):  # the citizen speaks Russian
            await announce_submission(bot, session, settings, app_id)
        await session.commit()


# --- the card on submission -----------------------------------------------------------------


async def test_a_submission_sends_the_card_and_the_pdf_to_the_staff_chat(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, settings: Settings, submit: Submit,
) -> None:
    app_id, reference = await submit(age=35)
    await announce(dp, bot, engine, settings, app_id)
    requests = sent(bot)
    cards = [r for r in requests if isinstance(r, SendMessage)]
    assert cards and all(r.chat_id == STAFF_CHAT for r in requests)
    card = texts(requests)
    # The staff chat reads DEFAULT_LOCALE (kk), whatever the citizen's language.
    for part in (reference, NAME, IIN, PHONE, "Шолаққорған ауылдық округі", "9.11", "9.6",
                 "594", "Әлиев Ұлан", "📎", "❌", "✅"):
        assert part in card, part
    assert card.count("⚠️") == 3  # the age, the fire's deadline, the member on paper
    assert cards[-1].reply_markup is not None  # the staff buttons under the card
    [pdf] = documents(requests)
    assert pdf.chat_id == STAFF_CHAT and pdf.document.filename == f"{reference}.pdf"  # type: ignore[union-attr]
    text = pdf_text(document_bytes(pdf))
    assert reference in text and IIN in text and "Әлиев Ұлан" in text


async def test_the_staff_chat_can_read_russian(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, settings: Settings, submit: Submit,
) -> None:
    app_id, _ = await submit()
    kk_settings = settings
    await announce(dp, bot, engine, kk_settings, app_id)
    kazakh = texts(sent(bot))
    ru_settings = settings.model_copy(update={"staff_locale": "ru"})
    since = mark(bot)
    await announce(dp, bot, engine, ru_settings, app_id)
    russian = texts(sent(bot, since))
    assert "Шолаккорганский сельский округ" in russian
    assert "Шолаққорған ауылдық округі" in kazakh
    assert russian != kazakh


async def test_no_staff_chat_no_card_and_no_failure(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, settings: Settings, submit: Submit,
) -> None:
    app_id, _ = await submit()
    await announce(dp, bot, engine, settings.model_copy(update={"staff_chat_id": None}), app_id)
    assert sent(bot) == []


async def test_an_unreachable_staff_chat_never_reaches_the_citizen(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, settings: Settings, submit: Submit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aiogram.methods import Response

    app_id, _ = await submit()
    session = bot.session
    assert isinstance(session, LocalSession)
    session.add_result(Response[bool](ok=False, error_code=400,
                                      description="Bad Request: chat not found"))
    caplog.set_level(logging.INFO)
    await announce(dp, bot, engine, settings, app_id)  # no exception
    assert "not sent: TelegramBadRequest" in caplog.text
    assert not any(p in caplog.text for p in PERSONAL)
    assert [a for a, _ in await actions(engine, app_id)] == ["submitted"]


# --- staff --------------------------------------------------------------------------------


async def test_staff_queue_app_find_in_private(
    make_chat: ChatFactory, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    first_id, first = await submit()
    _, second = await submit(user_id=101, iin="900202300129", phone="+77029998877",
                             name="Серікбаев Нұрлан")
    staff = make_chat(user_id=STAFF, language_code="ru")

    queue = texts(await _requests(staff, bot, "/queue"))
    assert queue.index(first) < queue.index(second)  # oldest first
    assert "ещё не зарегистрировано (дней с подачи: 2)" in queue  # the clock, in ru
    assert staff.screen is not None and {b.text for b in staff.screen.flat_buttons} >= {
        first, second}

    card = texts(await _requests(staff, bot, f"/app {first}"))
    assert first in card and NAME in card and IIN in card

    for query in (IIN, PHONE, "8 701 123 45 67", first.lower()):
        found = texts(await _requests(staff, bot, f"/find {query}"))
        assert first in found and second not in found, query

    assert texts(await _requests(staff, bot, "/find 000000000000")) != ""
    assert ("viewed", STAFF) in await actions(engine, first_id)


async def test_staff_buttons_send_the_pdf_and_the_card(
    make_chat: ChatFactory, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    app_id, reference = await submit()
    staff = make_chat(user_id=STAFF, language_code="kk")
    await staff.send(f"/app {reference}")
    since = mark(bot)
    await staff.click("PDF")
    [pdf] = documents(sent(bot, since))
    assert reference in pdf_text(document_bytes(pdf))
    since = mark(bot)
    await staff.click(2)  # the card again, with its history
    assert reference in texts(sent(bot, since))
    assert [a for a, _ in await actions(engine, app_id)][-3:] == ["viewed", "pdf", "viewed"]


async def test_a_card_hanging_at_telegram_does_not_hold_up_citizens(
    make_chat: ChatFactory, dp: Dispatcher, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    """A card opened is recorded in the audit at the end of its update, not before the card
    is sent: while the card hangs at Telegram a citizen's answers are stored at once (SQLite
    has one write lock), and the view is recorded after all."""
    app_id, reference = await submit()
    staff = make_chat(user_id=STAFF, language_code="ru")
    citizen = Persona(make_chat(user_id=200, language_code="ru"), dp["i18n"], "ru")
    await citizen.start_check()

    await others_go_on_while_it_hangs(bot, STAFF, staff.send(f"/app {reference}"), citizen)
    assert ("viewed", STAFF) in await actions(engine, app_id)


async def test_staff_export_opens_in_openpyxl_with_the_rows(
    make_chat: ChatFactory, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    app_id, first = await submit()
    _, second = await submit(user_id=101, iin="900202300129")
    staff = make_chat(user_id=STAFF, language_code="ru")
    [doc] = documents(await _requests(staff, bot, "/export 01.06.2015 2015-06-30"))
    book = load_workbook(io.BytesIO(document_bytes(doc)))
    applications, members = book.worksheets
    rows = list(applications.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [first, second]
    assert IIN in rows[1] and "900202300129" in rows[2]
    assert len(list(members.iter_rows(values_only=True))) == 1 + 2 * 3
    assert ("exported", STAFF) in await actions(engine, app_id)

    nothing = texts(await _requests(staff, bot, "/export 01.01.2016 31.01.2016"))
    assert nothing and not documents(sent(bot, mark(bot)))
    for bad in ("/export", "/export 30.06.2015 01.06.2015", "/export вчера когда-то"):
        reply = await _requests(staff, bot, bad)
        assert texts(reply) and not documents(reply), bad


async def test_staff_commands_in_the_staff_chat_answer_in_the_staff_language(
    staff_chat: Any, bot: Bot, submit: Submit,
) -> None:
    _, reference = await submit()
    chat: LocalChat = staff_chat(language_code="ru")
    reply = await _requests(chat, bot, "/QUEUE")  # commands ignore case
    assert all(r.chat_id == STAFF_CHAT for r in reply)
    assert reference in texts(reply)
    assert "Ашық өтініштер" in texts(reply)  # kk (DEFAULT_LOCALE), not the member's ru


# --- everyone else ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/queue", "/app {ref}", "/find {iin}", "/FIND {iin}",
                                     "/Stats@sozak_bot", "/export 01.06.2015 30.06.2015"])
async def test_a_citizen_typing_staff_commands_gets_the_menu_and_nothing_else(
    make_chat: ChatFactory, bot: Bot, submit: Submit, caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    _, reference = await submit()
    citizen = make_chat(user_id=CITIZEN, language_code="ru")
    caplog.set_level(logging.INFO)
    reply = await _requests(citizen, bot, command.format(ref=reference, iin=IIN))
    assert not documents(reply)
    text = texts(reply)
    assert reference not in text and not any(p in text for p in PERSONAL)
    assert "Главное меню" in text  # the citizen menu
    assert "staff command refused" in caplog.text
    assert not any(p in caplog.text for p in (*PERSONAL, str(CITIZEN)))


@pytest.mark.parametrize("data", ["st:pdf:{id}", "st:card:{id}", "st:pdf:bogus", "st:zap:1"])
async def test_a_citizen_pressing_a_forged_staff_button_gets_nothing_of_it(
    make_chat: ChatFactory, bot: Bot, engine: AsyncEngine, submit: Submit,
    caplog: pytest.LogCaptureFixture, data: str,
) -> None:
    app_id, reference = await submit()
    citizen = make_chat(user_id=CITIZEN, language_code="ru")
    await citizen.send("/start")
    caplog.set_level(logging.INFO)
    since = mark(bot)
    await citizen.click_data(data.format(id=app_id))
    reply = sent(bot, since)
    assert not documents(reply)
    assert reference not in texts(reply) and not any(p in texts(reply) for p in PERSONAL)
    assert "Главное меню" in texts(reply)
    assert "staff button refused" in caplog.text
    assert [a for a, _ in await actions(engine, app_id)] == ["submitted"]


async def test_in_the_staff_chat_others_get_silence(
    staff_chat: Any, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    app_id, reference = await submit()
    stranger: LocalChat = staff_chat(user_id=CITIZEN)
    for text in ("/queue", f"/app {reference}", "/start", "hello", "/menu"):
        assert await _requests(stranger, bot, text) == [], text
    since = mark(bot)
    await stranger.click_stale(f"st:pdf:{app_id}")
    assert not documents(sent(bot, since)) and not texts(sent(bot, since))
    # The citizen conversation stays out of the staff chat, for staff too.
    member: LocalChat = staff_chat()
    assert await _requests(member, bot, "/start") == []


async def test_staff_commands_do_nothing_in_another_group(
    staff_chat: Any, bot: Bot, submit: Submit,
) -> None:
    await submit()
    elsewhere: LocalChat = staff_chat(chat_id=OTHER_GROUP)
    assert not texts(await _requests(elsewhere, bot, "/queue"))


async def _requests(chat: LocalChat, bot: Bot, text: str) -> list[Any]:
    since = mark(bot)
    await chat.send(text)
    return sent(bot, since)


async def test_staff_see_their_commands_only_in_staff_chats(
    dp: Dispatcher, bot: Bot, settings: Settings,
) -> None:
    from aiogram.methods import SetMyCommands

    from bot.commands import set_commands

    await set_commands(bot, dp["i18n"], settings)
    requests = [r for r in sent(bot) if isinstance(r, SetMyCommands)]
    everyone = [r for r in requests if r.scope is None]
    assert everyone and all("queue" not in {c.command for c in r.commands} for r in everyone)
    scoped = {(r.scope.chat_id, r.language_code): {c.command for c in r.commands}  # type: ignore[union-attr]
              for r in requests if r.scope is not None}
    assert scoped[(STAFF_CHAT, None)] == {"queue", "app", "find", "export", "overdue", "stats"}
    assert {"queue", "export", "menu"} <= scoped[(STAFF, "ru")]
    assert CITIZEN not in {chat for chat, _ in scoped}


async def test_the_card_flags_a_repeat_within_a_year_and_shows_the_clock_and_history(
    make_chat: ChatFactory, bot: Bot, engine: AsyncEngine, submit: Submit,
) -> None:
    from datetime import UTC, date, datetime

    from storage.applications import ApplicationRepo

    old_id, _ = await submit(at=datetime(2014, 9, 1, 4, 0, tzinfo=UTC))
    new_id, reference = await submit(situation={})
    async with create_session_factory(engine)() as session:
        repo = ApplicationRepo(session)
        [_, p96] = await repo.benefits(old_id)
        p96.status, p96.decided_at = "granted", datetime(2014, 9, 5, 4, 0, tzinfo=UTC)
        new = await repo.get(new_id)
        assert new is not None
        await repo.change_status(new, new.version, status="registered",
                                 registered_on=date(2015, 6, 2))
        await AuditRepo(session).record(new_id, STAFF, "staff", "status", "submitted",
                                        "registered")
        await session.commit()
    staff = make_chat(user_id=STAFF, language_code="ru")
    card = texts(await _requests(staff, bot, f"/app {reference}"))
    assert "По этому ИИН помощь по п. 9.6 уже оказывалась в течение года (п. 23)." in card
    assert "п. 9.11 уже" not in card  # p. 9.11 was asked for, never granted
    assert "История" in card and "заявитель · подано: черновик → подано" in card
    assert f"сотрудник {STAFF} · статус изменён: подано → зарегистрировано" in card
    queue = texts(await _requests(staff, bot, "/queue"))
    # Registered on Tue 2 June 2015: 8 working days → Fri 12 June; on 3 June 7 are left.
    assert "решение до 12 июня 2015: осталось рабочих дней: 7" in queue
