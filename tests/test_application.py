"""The citizen's application through the real dispatcher, in both languages: from the
screening result to a submitted application, bad input at every step, drafts and restarts."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText, SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_bot, create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from bot.console.terminal import deliver_outbox
from bot.services import staff_card
from bot.services.application_view import load_view
from bot.services.backstop import DELAY
from bot.services.outbox_sender import OutboxSender
from bot.services.throttle import Throttle
from handlers.application import mine, steps
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.db import create_session_factory
from storage.models import Application, Attachment, Consent
from storage.outbox import OutboxRepo
from storage.unit import commit_then
from tests.hanging import others_go_on_while_it_hangs
from tests.test_pipeline import SORRY
from tests.test_screening import LANGS, RULESET, Persona, family_of_four_after_fire, normalise

DAY = date(2015, 4, 20)
STAFF_CHAT = -100500
IIN = "750101300014"  # born 1 January 1975
SPOUSE_IIN = "780202400025"


@pytest.fixture
def app_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"staff_chat_id": STAFF_CHAT, "data_dir": tmp_path / "d"})


@pytest.fixture
def applicant(app_settings: Settings, engine: AsyncEngine, bot: Bot):
    dispatchers: list[Dispatcher] = []

    def make(lang: str, user_id: int = 100, day: date = DAY) -> Persona:
        dp = create_dispatcher(app_settings, engine=engine, clock=Clock.fixed(day))
        dispatchers.append(dp)
        return Persona(LocalChat(dp, bot, user_id=user_id, language_code=lang), dp["i18n"], lang)

    return make


async def result_of_fire_family(p: Persona) -> str:
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")  # nothing received in the past year
    return await p.press("✅ Show the result")


async def applying(p: Persona) -> Persona:
    """From a fresh chat to the first screen after the consent."""
    await result_of_fire_family(p)
    await p.press("📝 Apply")
    await p.press("✅ I agree")
    return p


async def fill_until_documents(p: Persona) -> None:
    """Screen by screen, the typical family: consent, benefits, applicant, family, situation."""
    await p.press("📝 Apply")
    await p.press("✅ I agree")
    await fill_until_documents_from_benefits(p)


async def fill_until_documents_from_benefits(p: Persona) -> None:
    await p.press("Next ➡️")  # p. 9.11 is ticked; the income stays
    await p.type("асанов берік серікұлы")
    await p.type(IIN)
    await p.chat.share_contact("77012345678")
    await p.press("Шолаққорған" if p.lang == "kk" else "Шолаккорган")
    await p.type("Абай көшесі, 12")
    await p.press("Spouse")
    await p.press("Works")
    await p.type(f"Асанова Гүлнар {SPOUSE_IIN}")
    await p.press("Child")
    await p.press("Pupil or student")
    await p.type("Асанов Ерлан 05.05.2008")
    await p.press("I'll bring this on paper")
    await p.type("Үй өртеніп кетті, киім мен жиһаз жанып кетті.")


async def stored(engine: AsyncEngine, user_id: int = 100) -> list[Application]:
    async with create_session_factory(engine)() as session:
        rows = await session.scalars(select(Application).where(Application.user_id == user_id))
        return list(rows.all())


@pytest.mark.parametrize("lang", LANGS)
async def test_typical_family_applies_in_at_most_twelve_screens(
    applicant, engine: AsyncEngine, bot: Bot, app_settings: Settings, lang: str
) -> None:
    p = applicant(lang)
    await result_of_fire_family(p)
    assert p.t("📝 Apply") in str([b.text for b in p.chat.screen.flat_buttons])
    p.screens.clear()
    await fill_until_documents(p)
    await p.chat.click(RULESET.documents["situation_proof"].plain.get(lang)[:20])
    await p.chat.send_document("fire-act.pdf", b"%PDF-1.4 act of the fire service")
    review = await p.press("Next ➡️")
    assert "Асанов Берік Серікұлы" in review and IIN in review and "+77012345678" in review
    mark = len(bot.session.requests)
    done = await p.press("📨 Send the application")

    reference = re.search(r"SZ-2015-\d{6}", done)
    assert reference is not None, done
    assert reference.group(0) == "SZ-2015-000001"
    assert p.t("What happens next") in done
    assert "30" in done  # p. 21: the decision is due by 30 April 2015
    assert len(p.screens) <= 12, sorted(p.screens, key=int)
    assert p.total == len(p.screens) == 12  # the count the README gives

    staff = [m for m in bot.session.requests[mark:]
             if isinstance(m, SendMessage) and m.chat_id == STAFF_CHAT]
    assert len(staff) == 1 and reference.group(0) in staff[0].text

    (app,) = await stored(engine)
    assert (app.status, app.reference, app.language) == ("submitted", reference.group(0), lang)
    assert (app.full_name, app.iin, app.birth_date) == ("Асанов Берік Серікұлы", IIN,
                                                       date(1975, 1, 1))
    assert app.phone == "+77012345678" and app.settlement == "sholakkorgan"
    assert app.situation["kind"] == "fire" and app.situation["occurred_on"] == "2015-04-10"
    async with create_session_factory(engine)() as session:
        repo = ApplicationRepo(session)
        assert [b.benefit_id for b in await repo.benefits(app.id)] == ["p9.11"]
        members = await repo.members(app.id)
        assert [(m.relation, m.iin, m.on_paper) for m in members] == [
            ("spouse", SPOUSE_IIN, False), ("child", None, False), ("", None, True)]
        (attachment,) = await repo.attachments(app.id)
        assert attachment.item == "situation_proof" and attachment.mime == "application/pdf"
        saved = app_settings.data_dir / attachment.path
        assert saved.read_bytes() == b"%PDF-1.4 act of the fire service"
        assert [e.action for e in await AuditRepo(session).history(app.id)] == ["submitted"]
        (consent,) = (await session.scalars(select(Consent))).all()
        assert consent.application_id == app.id and consent.text_version


async def test_consent_declined_stores_nothing_and_explains_paper(
    applicant, engine: AsyncEngine
) -> None:
    p = applicant("ru")
    await result_of_fire_family(p)
    await p.press("📝 Apply")
    text = await p.press("✖️ I do not agree")
    assert p.t(
        "Without your consent I keep nothing. You can apply on paper: come to the district "
        "department of employment and social programmes in Sholakkorgan or to the akim of your "
        "settlement or "
        "rural okrug, fill in the application there and bring the documents below (originals "
        "and copies, p. 13–14)."
    ) in text
    assert "Шолаккорган" in text
    assert await stored(engine) == []
    async with create_session_factory(engine)() as session:
        assert (await session.scalars(select(Consent))).all() == []


def step_of(p: Persona, text: str) -> str:
    """The step title a screen shows ("Step k of n · <title>")."""
    match = re.search(re.escape(p.t("Step {k} of {n}")).replace(r"\{k\}", r"(\d+)")
                      .replace(r"\{n\}", r"\d+"), text)
    assert match is not None, text
    return match.group(1)


async def refused(p: Persona, action: Any, reason_msgid: str, step: str) -> str:
    """Bad input: the reason in the user's language, and the same step shown again."""
    text = p._seen(await action) if not isinstance(action, str) else await p.type(action)
    assert normalise(p.t(reason_msgid)).split("{")[0][:40] in text, text
    assert step_of(p, text) == step
    return text


@pytest.mark.parametrize("lang", LANGS)
async def test_bad_input_at_every_step_is_explained_and_nothing_is_lost(
    applicant, engine: AsyncEngine, lang: str
) -> None:
    p = await applying(applicant(lang))
    await refused(p, "сто тысяч", "Please type the income with digits, for example 120000.", "2")
    await p.type("95 000 тг")
    await p.press("Next ➡️")
    for bad, reason in (
        ("Асанов Берік 2", "A name has no digits. Please type your full name in letters, for "
                           "example: Асанов Берік Серікұлы."),
        ("Asanov Berik", "Please use the letters of the Kazakh or Russian alphabet, as in the "
                         "identity document, for example: Асанов Берік Серікұлы."),
        ("Берік", "Please type 2 to 4 words: surname, name and, if you have one, patronymic."),
    ):
        await refused(p, bad, reason, "3")
    await p.type("Асанов Берік")
    for bad, reason in (
        ("750101300015", "This IIN has a mistake: its last digit does not match. Please check "
                         "every digit against the identity document."),
        ("75010130001", "An IIN has exactly 12 digits. Please type it as it is written in the "
                        "identity document."),
        ("ЖСН жоқ", "An IIN has exactly 12 digits. Please type it as it is written in the "
                    "identity document."),
    ):
        await refused(p, bad, reason, "4")
    await p.type(IIN)
    bad_phone = ("I could not read that number. Please type a mobile number like +7 701 234 56 "
                 "78 or 8 701 234 56 78, or press «📱 Share my number».")
    await refused(p, "12345", bad_phone, "5")
    await refused(p, p.chat.send_contact_of_someone_else("+77010000000"),
                  "Please share your own number with the button below, or type it.", "5")
    await p.type("8 (701) 234-56-78")
    await p.press("Other (not listed)")
    await p.type("Жаңа ауыл")
    await p.type("Абай көшесі, 12")
    await refused(p, "Асанова Гүлнар", "Please type the name and, at the end, the IIN or the "
                  "date of birth, for example: Асанова Гүлнар 780202400025 or Асанов Ерлан "
                  "05.05.2010.", "7")
    # One person, one IIN: the applicant's own, or one given twice, is caught as typed.
    await refused(p, f"Асанов Берік {IIN}", "This is your own IIN. Please type the IIN or the "
                  "date of birth of this family member.", "7")
    await p.type(f"Асанова Гүлнар {SPOUSE_IIN}")
    await p.press("Spouse")
    await p.press("Works")
    await p.press("Next ➡️")
    await refused(p, f"Асанов Ерлан {SPOUSE_IIN}", "This IIN is already given for another "
                  "family member. Please check it against this person's document.", "8")
    await p.press("I'll bring this on paper")
    await p.press("I'll bring this on paper")
    await refused(p, "ә" * 501, "That is longer than {limit} characters. Please say it more "
                  "briefly.", "10")
    await p.type("Үй өртенді.")
    await refused(p, p.chat.send_document("big.pdf", file_size=25 * 1024 * 1024),
                  "This file is larger than 20 MB: Telegram does not let me receive it. Please "
                  "send a photo of the document instead.", "11")
    await refused(p, p.chat.send_document("letter.docx"), "I accept photos, JPG and PNG "
                  "pictures and PDF scans only. Please send the document in one of these "
                  "forms.", "11")
    await refused(p, p.chat.send_sticker(), "Here please send a photo or a PDF scan of the "
                  "document, or use the buttons below.", "11")
    await p.chat.send_photo()
    await p.press("Next ➡️")
    await p.chat.click("✏️ " + p.t("IIN"))
    await refused(p, SPOUSE_IIN, "This IIN is already given for a member of your family. Please "
                  "type your own IIN, from your identity document.", "4")
    review = await p.type(IIN)

    for kept in ("Асанов Берік", IIN, "+77012345678", "Жаңа ауыл", "Абай көшесі, 12",
                 "95 000 ₸", "Үй өртенді.", "Асанова Гүлнар", SPOUSE_IIN):
        assert kept in review, kept
    (app,) = await stored(engine)
    assert (app.status, app.phone, app.settlement) == ("draft", "+77012345678", "other")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_restart_mid_application_keeps_the_draft(
    applicant, engine: AsyncEngine, lang: str
) -> None:
    p = await applying(applicant(lang))
    await p.press("Next ➡️")
    await p.type("Асанов Берік")

    again = applicant(lang)  # a new process: a new dispatcher on the same database
    text = await again.type(IIN)  # the conversation goes on where it was
    assert step_of(again, text) == "5"
    await again.chat.send("/menu")
    assert again.t("▶️ Continue my application") in str(
        [b.text for b in again.chat.screen.flat_buttons])
    text = await again.press("▶️ Continue my application")
    assert step_of(again, text) == "5"
    (app,) = await stored(engine)
    assert (app.full_name, app.iin) == ("Асанов Берік", IIN)


async def test_cancel_erases_the_draft_and_its_files(
    applicant, engine: AsyncEngine, app_settings: Settings
) -> None:
    p = await applying(applicant("kk"))
    (app,) = await stored(engine)
    folder = app_settings.data_dir / "applications" / str(app.id)
    folder.mkdir(parents=True)
    (folder / "id_document-1.jpg").write_bytes(b"x")
    text = await p.type("/cancel")
    assert p.t("Stopped. Your unfinished application and its files are erased.") in text
    assert await stored(engine) == [] and not folder.exists()
    async with create_session_factory(engine)() as session:
        (consent,) = (await session.scalars(select(Consent))).all()  # the consent record stays
        assert consent.application_id is None


async def test_expired_drafts_are_erased_with_their_files(
    applicant, engine: AsyncEngine, app_settings: Settings
) -> None:
    from datetime import timedelta

    from bot.services.drafts import purge_expired_drafts

    p = await applying(applicant("ru"))
    await p.press("Next ➡️")
    (app,) = await stored(engine)
    folder = app_settings.data_dir / "applications" / str(app.id)
    folder.mkdir(parents=True)
    now = Clock.fixed(DAY).now()
    async with create_session_factory(engine)() as session:
        assert await purge_expired_drafts(session, app_settings, now + timedelta(days=13)) == 0
        assert await purge_expired_drafts(session, app_settings, now + timedelta(days=15)) == 1
    assert await stored(engine) == [] and not folder.exists()
    text = await p.type("Асанов Берік")
    assert p.t(
        "Your unfinished application is no longer kept (it is erased after {days} days without "
        "changes). Please start again from «📝 Apply»."
    ).format(days=14) in text


async def submitted(p: Persona) -> str:
    await result_of_fire_family(p)
    await fill_until_documents(p)
    await p.press("Next ➡️")
    done = await p.press("📨 Send the application")
    match = re.search(r"SZ-\d{4}-\d{6}", done)
    assert match is not None
    return match.group(0)


async def test_my_applications_and_withdrawal(applicant, engine: AsyncEngine) -> None:
    p = applicant("ru")
    reference = await submitted(p)
    other = applicant("ru", user_id=200)
    await other.chat.send("/start")
    text = await other.press("📂 My applications")
    assert reference not in text  # a citizen sees only their own

    text = await p.press("📂 My applications")
    assert reference in text and p.t("sent, waiting for registration at the department") in text
    (app,) = await stored(engine)
    forged = await other.chat.click_data(f"my:confirm:{app.id}")
    assert any(p.t("This application is not yours or no longer exists.") in r.text
               for r in forged)
    await p.chat.click(p.t("✖️ Withdraw {reference}").format(reference=reference))
    mark = len(p.chat.session.requests)
    text = await p.press("✖️ Yes, withdraw it")
    assert p.t("Application {reference} is withdrawn.").format(reference=reference) in text
    # Staff hear of it at once, in the staff chat's language, so nobody goes on deciding it.
    told = [m.text for m in p.chat.session.requests[mark:]
            if isinstance(m, SendMessage) and m.chat_id == STAFF_CHAT]
    staff_words = p.i18n.gettext(
        "↩️ The citizen withdrew application {reference}. It is closed: nothing is left to "
        "decide. /app {reference} shows it.", locale="kk").format(reference=reference)
    assert told == [staff_words] and "↩️ Азамат" in staff_words
    (app,) = await stored(engine)
    assert app.status == "withdrawn" and app.withdrawn_at is not None
    async with create_session_factory(engine)() as session:
        history = await AuditRepo(session).history(app.id)
    assert [(e.action, e.before, e.after) for e in history][-1] == (
        "withdrawn", "submitted", "withdrawn")


async def test_no_application_when_the_decision_is_not_in_force(applicant) -> None:
    p = applicant("kk", day=date(2016, 8, 1))
    await p.chat.send("/start")
    assert p.t("📝 Apply") not in [b.text for b in p.chat.screen.flat_buttons]
    text = p._seen(await p.chat.click_data("m:apply"))  # an old menu's button
    assert p.t("Step {k} of {n}").split("{")[0] not in text
    assert "241" in text and normalise("1 тамыз 2016") in normalise(text)




async def test_the_terminal_chat_sends_a_real_file_from_disk(
    applicant, engine: AsyncEngine, app_settings: Settings, tmp_path: Path
) -> None:
    from bot.console.terminal import handle_line

    p = await applying(applicant("ru"))
    await fill_until_documents_from_benefits(p)
    scan = tmp_path / "passport.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n scan of the passport")
    await handle_line(p.chat, f"/file {scan}")
    await handle_line(p.chat, "/photo")
    async with create_session_factory(engine)() as session:
        (app,) = await stored(engine)
        rows = await ApplicationRepo(session).attachments(app.id)
    assert [(a.item, a.mime) for a in rows] == [("id_document", "image/png"),
                                                ("id_document", "image/jpeg")]
    assert (app_settings.data_dir / rows[0].path).read_bytes() == scan.read_bytes()


async def test_a_press_on_an_older_screen_does_not_act_on_the_current_step(
    applicant, engine: AsyncEngine
) -> None:
    p = await applying(applicant("ru"))
    await p.press("Next ➡️")
    await p.type("Асанов Берік")
    await p.type(IIN)
    await p.type("87012345678")
    await p.press("Шолаккорган")
    await p.type("Абай көшесі, 12")  # now on the first family member
    first = p.chat.screen
    await p.press("Spouse")
    await p.press("Works")
    await p.type(f"Асанова Гүлнар {SPOUSE_IIN}")  # the second member's screen is sent
    replies = await p.chat.click(p.t("Parent"), reply=first)  # the first member's old button
    assert any(p.t("That button is from an earlier message. Here is where you are now.")
               in r.text for r in replies)
    (app,) = await stored(engine)
    assert [m.get("relation") for m in app.draft["members"]] == ["spouse", None, None]


async def test_two_instances_on_postgresql_submit_at_once(tmp_path: Path) -> None:
    """Two dispatchers (two instances behind a load balancer) on one PostgreSQL database, each
    with its own engine: two citizens press «Send» at the same moment."""

    from storage.db import create_engine
    from tests.storage.conftest import migrated_engine, postgres_database

    async with postgres_database() as url, migrated_engine(url) as engine:
        other_engine = create_engine(url)
        try:
            settings = Settings(_env_file=None, database_url=url, redis_url=None,
                                data_dir=tmp_path)
            people = []
            for user_id, eng in ((301, engine), (302, other_engine)):
                dp = create_dispatcher(settings, engine=eng, clock=Clock.fixed(DAY))
                own_bot = create_bot(settings, session=LocalSession())  # replies kept apart
                p = Persona(LocalChat(dp, own_bot, user_id=user_id, language_code="kk"),
                            dp["i18n"], "kk")
                await applying(p)
                await fill_until_documents_from_benefits(p)
                await p.press("Next ➡️")
                people.append(p)
            done = await asyncio.gather(
                *(p.press("📨 Send the application") for p in people))
            async with create_session_factory(engine)() as session:
                stored_refs = [a.reference for a in await ApplicationRepo(session).open_queue()]
        finally:
            await other_engine.dispose()
    told = sorted(m.group(0) for text in done if (m := re.search(r"SZ-2015-\d{6}", text)))
    assert told == sorted(stored_refs) == ["SZ-2015-000001", "SZ-2015-000002"]


async def test_forget_erases_a_draft_with_its_files_but_not_a_sent_application(
    applicant, engine: AsyncEngine, app_settings: Settings
) -> None:
    p = applicant("kk")
    reference = await submitted(p)
    await p.press("⬅️ Main menu")
    await p.press("📝 Apply")
    await p.press("✅ I agree")
    await p.press("Next ➡️")
    draft = next(a for a in await stored(engine) if a.status == "draft")
    folder = app_settings.data_dir / "applications" / str(draft.id)
    folder.mkdir(parents=True)
    await p.type("/forget")
    await p.press("🗑 Yes, erase everything")
    assert [a.reference for a in await stored(engine)] == [reference]
    assert not folder.exists()


async def test_forget_leaves_no_consent_with_the_users_id(applicant, engine: AsyncEngine) -> None:
    """The consent of the unfinished application goes with it; the sent application keeps
    its own (the department's record that consent was given, and to which text), without the
    user's id."""
    p = applicant("ru")
    reference = await submitted(p)
    await p.press("⬅️ Main menu")
    await p.press("📝 Apply")
    await p.press("✅ I agree")  # a second consent, with a new draft
    async with create_session_factory(engine)() as session:
        given = (await session.scalars(select(Consent).where(Consent.user_id == 100))).all()
    assert len(given) == 2

    await p.type("/forget")
    await p.press("🗑 Yes, erase everything")

    async with create_session_factory(engine)() as session:
        consents = (await session.scalars(select(Consent))).all()
        (sent,) = (await session.scalars(select(Application))).all()
        view = await load_view(session, sent.id, ruleset=RULESET, zone=UTC)
    assert [c.user_id for c in consents] == [None]
    assert sent.reference == reference and consents[0].application_id == sent.id
    assert view is not None and view.consent_given_at is not None  # still on its PDF


# ---- what is said after the commit, when the process dies in between ------------------------


def sender_at(bot: Bot, engine: AsyncEngine, later: timedelta) -> OutboxSender:
    return OutboxSender(bot, create_session_factory(engine), Clock.fixed(DAY),
                        throttle=Throttle(per_chat_interval=0),
                        now=lambda: datetime.now(UTC) + later)


async def about_to_withdraw(p: Persona, reference: str) -> None:
    """«My applications», then the withdrawal's question (not yet confirmed)."""
    await p.press("📂 My applications")
    await p.chat.click(p.t("✖️ Withdraw {reference}").format(reference=reference))


def killed_after_the_commit(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """The process dies right after the update's commit: what it meant to say then is never
    said, and the update is recorded as handled (Telegram's redelivery is skipped)."""
    async def commit_only(session: Any, then: Any = None) -> None:
        await commit_then(session, None)

    monkeypatch.setattr(module, "commit_then", commit_only)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_submission_cut_off_after_its_commit_still_gets_its_answers(
    applicant, engine: AsyncEngine, bot: Bot, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    p = applicant(lang)
    await result_of_fire_family(p)
    await fill_until_documents(p)
    await p.press("Next ➡️")
    killed_after_the_commit(monkeypatch, steps)
    await p.press("📨 Send the application")
    (app,) = await stored(engine)
    assert app.status == "submitted"
    assert not any(app.reference in m.text for m in bot.session.requests
                   if isinstance(m, SendMessage | EditMessageText))  # nothing said yet

    assert await deliver_outbox(sender_at(bot, engine, timedelta(0)), bot.session) == []
    mark = len(bot.session.requests)
    await deliver_outbox(sender_at(bot, engine, DELAY + timedelta(seconds=1)), bot.session)
    sent = [m for m in bot.session.requests[mark:] if isinstance(m, SendMessage)]
    (citizen,) = [m.text for m in sent if m.chat_id == 100]
    (staff,) = [m.text for m in sent if m.chat_id == STAFF_CHAT]
    assert app.reference in citizen and p.t("What happens next") in citizen
    assert staff == p.i18n.gettext(
        "📥 New application {reference}. Its card did not reach this chat: /app {reference} "
        "shows it.", locale="kk").format(reference=app.reference)
    assert len(sent) == 2


async def test_answers_said_after_the_commit_are_not_said_again(
    applicant, engine: AsyncEngine, bot: Bot
) -> None:
    p = applicant("kk")
    reference = await submitted(p)
    await about_to_withdraw(p, reference)
    await p.press("✖️ Yes, withdraw it")

    later = sender_at(bot, engine, DELAY + timedelta(minutes=1))
    assert await deliver_outbox(later, bot.session) == []


async def test_a_withdrawal_cut_off_after_its_commit_is_still_told(
    applicant, engine: AsyncEngine, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = applicant("ru")
    reference = await submitted(p)
    await about_to_withdraw(p, reference)
    killed_after_the_commit(monkeypatch, mine)
    await p.press("✖️ Yes, withdraw it")
    (app,) = await stored(engine)
    assert app.status == "withdrawn"

    said = await deliver_outbox(sender_at(bot, engine, DELAY + timedelta(seconds=1)),
                                bot.session)
    assert p.t("Application {reference} is withdrawn.").format(reference=reference) in said
    assert p.i18n.gettext(
        "↩️ The citizen withdrew application {reference}. It is closed: nothing is left to "
        "decide. /app {reference} shows it.", locale="kk").format(reference=reference) in said


async def test_a_slow_bot_api_call_in_an_application_does_not_hold_up_other_citizens(
    applicant, engine: AsyncEngine, bot: Bot
) -> None:
    """On SQLite (one writer) an application step's writes wait for the end of its update:
    while its answer hangs at Telegram, another citizen's answers are stored at once."""
    a = await applying(applicant("kk"))
    await a.press("Next ➡️")  # the applicant's name is asked next
    b = applicant("ru", user_id=200)
    await b.start_check()

    await others_go_on_while_it_hangs(bot, 100, a.type("асанов берік серікұлы"), b)
    (draft,) = await stored(engine)
    assert draft.full_name == "Асанов Берік Серікұлы"


async def test_a_slow_bot_api_call_after_the_consent_does_not_hold_up_other_citizens(
    applicant, engine: AsyncEngine, bot: Bot
) -> None:
    """The consent starts the draft: on SQLite it and the consent are written at the end of
    the update, not before its answer, so while that answer hangs at Telegram another
    citizen's answers are stored at once."""
    a = applicant("kk")
    await result_of_fire_family(a)
    await a.press("📝 Apply")
    b = applicant("ru", user_id=200)
    await b.start_check()

    await others_go_on_while_it_hangs(bot, 100, a.press("✅ I agree"), b)
    (draft,) = await stored(engine)
    async with create_session_factory(engine)() as s:
        (consent,) = (await s.scalars(select(Consent))).all()
    assert draft.status == "draft" and consent.application_id == draft.id


async def test_a_slow_bot_api_call_after_a_file_does_not_hold_up_other_citizens(
    applicant, engine: AsyncEngine, bot: Bot
) -> None:
    """A file received is written at the end of its update, and its screen counts it all the
    same: another citizen's answers are stored while that screen hangs at Telegram."""
    a = applicant("ru")
    await result_of_fire_family(a)
    await fill_until_documents(a)
    b = applicant("ru", user_id=200)
    await b.start_check()

    replies = await others_go_on_while_it_hangs(bot, 100, a.chat.send_photo(), b)
    assert a.t("Received for «{document}»: {n}").split("«")[0] in replies[-1].text
    remove = a.t("🗑 Remove the files of this document")  # the screen counts the new file
    assert any(button.text == remove for button in a.chat.screen.flat_buttons)
    (draft,) = await stored(engine)
    async with create_session_factory(engine)() as s:
        (attachment,) = (await s.scalars(select(Attachment))).all()
    assert attachment.application_id == draft.id


async def test_a_backstop_that_cannot_be_taken_back_is_not_the_citizens_problem(
    applicant, engine: AsyncEngine, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_gone(self: Any, keys: Any) -> int:
        raise OSError("connection reset")

    monkeypatch.setattr(OutboxRepo, "take_back", database_gone)
    p = applicant("ru")
    reference = await submitted(p)  # the reference is on screen
    assert not any(p.t(SORRY) in r.text for r in p.chat.history)  # no apology after it

    # The cost: the reference is said once more, after the delay (README: duplicates).
    said = await deliver_outbox(sender_at(bot, engine, DELAY + timedelta(seconds=1)),
                                bot.session)
    assert any(reference in text for text in said)


async def test_a_card_that_cannot_be_made_is_noted_in_the_staff_chat_later(
    applicant, engine: AsyncEngine, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_gone(*args: Any, **kwargs: Any) -> None:
        raise OSError("connection reset")

    monkeypatch.setattr(staff_card, "load_view", database_gone)
    p = applicant("kk")
    reference = await submitted(p)
    assert not any(p.t(SORRY) in r.text for r in p.chat.history)  # the citizen is not told

    mark = len(bot.session.requests)
    await deliver_outbox(sender_at(bot, engine, DELAY + timedelta(seconds=1)), bot.session)
    (note,) = [m.text for m in bot.session.requests[mark:] if isinstance(m, SendMessage)]
    assert f"/app {reference}" in note and note.startswith("📥")
