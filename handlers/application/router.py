"""The application conversation: consent, the applicant, the family, the situation, the
documents, the review and the submission (p. 13–15 of the decision, Appendix 1 of the Standard
Rules). The draft lives in the database (``applications`` with status "draft"); the FSM keeps
only the state, the id of the screen message and whether the share-contact keyboard is up.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.iin import parse_iin
from bot.names import parse_full_name, parse_member_line
from bot.parsing import InputError, parse_number
from bot.phone import normalize_phone
from bot.places import OTHER, load_places
from bot.rules import Calendar, Result, Ruleset
from bot.services.attachments import download, incoming_file, remove_file
from bot.services.drafts import erase_drafts_of
from bot.services.staff_card import announce_submission
from handlers.application import texts
from handlers.application.draft import (
    MAX_FILES_PER_ITEM,
    SITUATION_MAX,
    Draft,
)
from handlers.application.keyboards import ACB, button, markup, menu_only
from handlers.application.screens import Screens, consent_screen
from handlers.application.submission import submit_draft, submitted_text
from handlers.common import renders_steps_of
from handlers.formatting import current_locale, day, money
from handlers.keyboards import MenuCB, menu_button
from handlers.screening.answers import Answers
from handlers.screening.result import checklist_text
from storage.applications import ApplicationChanged, ApplicationRepo
from storage.models import Application
from storage.repositories import ScreeningRepo
from storage.retention import erase_traces

log = logging.getLogger(__name__)
KEY = "application"
MAX_INCOME = Decimal(100_000_000)


class Applying(StatesGroup):
    consent = State()
    active = State()


@dataclass
class Ctx:
    """What every handler of this conversation needs, taken from the dispatcher's data."""

    session: AsyncSession
    state: FSMContext
    bot: Bot
    ruleset: Ruleset
    settings: Settings
    clock: Clock
    calendar: Calendar
    user_id: int
    chat_id: int

    @classmethod
    def of(cls, event: Message | CallbackQuery, data: dict[str, Any]) -> Ctx:
        user = event.from_user
        if isinstance(event, CallbackQuery):
            chat = event.message.chat.id if event.message else (user.id if user else 0)
        else:
            chat = event.chat.id
        return cls(
            data["session"], data["state"], data["bot"], data["ruleset"], data["settings"],
            data["clock"], data["calendar"], user.id if user else 0, chat,
        )

    @property
    def repo(self) -> ApplicationRepo:
        return ApplicationRepo(self.session)

    async def draft(self) -> Draft | None:
        app = await self.repo.draft_for(self.user_id)
        return Draft.of(app) if app is not None else None

    async def save(self, draft: Draft) -> None:
        draft.store()
        await self.repo.save_draft(draft.app, self.clock.now())
        await self.session.commit()  # before the FSM storage writes (SQLite: one writer)

    async def screens(self, draft: Draft) -> Screens:
        counts: dict[str, int] = {}
        for attachment in await self.repo.attachments(draft.app.id):
            counts[attachment.item] = counts.get(attachment.item, 0) + 1
        return Screens(draft, self.ruleset, load_places(), self.clock.today(), counts)

    async def ui(self) -> dict[str, Any]:
        return dict((await self.state.get_data()).get(KEY) or {})

    async def set_ui(self, **values: Any) -> None:
        everything = await self.state.get_data()
        ui = {**(everything.get(KEY) or {}), **values}
        await self.state.set_data({**everything, KEY: ui})


# -- showing screens -----------------------------------------------------------------------
async def show(
    event: Message | CallbackQuery, ctx: Ctx, draft: Draft, notes: list[str] | None = None
) -> None:
    """The draft's step: edited in place after a button, a fresh message after typing."""
    text, keyboard = (await ctx.screens(draft)).render(notes)
    ui = await ctx.ui()
    if ui.get("contact_keyboard") and draft.step != "phone":
        await ctx.bot.send_message(ctx.chat_id, _("Phone: {value}").format(
            value=draft.app.phone or "—"), reply_markup=ReplyKeyboardRemove())
        ui["contact_keyboard"] = False
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        await event.message.edit_text(text, reply_markup=keyboard)
        ui["screen"] = event.message.message_id
    else:
        old = ui.get("screen")
        if old:
            with contextlib.suppress(TelegramBadRequest):
                await ctx.bot.edit_message_reply_markup(
                    chat_id=ctx.chat_id, message_id=int(old), reply_markup=None)
        sent = await ctx.bot.send_message(ctx.chat_id, text, reply_markup=keyboard)
        ui["screen"] = sent.message_id
    if draft.step == "phone" and not ui.get("contact_keyboard"):
        share = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=_("📱 Share my number"), request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True)
        await ctx.bot.send_message(ctx.chat_id, _("👇 Or press the button below."),
                                   reply_markup=share)
        ui["contact_keyboard"] = True
    await ctx.set_ui(**ui)


@renders_steps_of(Applying)
async def show_step_again(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    ctx = Ctx.of(message, {**data, "state": state})
    if await state.get_state() == Applying.consent.state:
        text, keyboard = await _consent_or_none(ctx)
        await message.answer(text, reply_markup=keyboard)
        return
    draft = await ctx.draft()
    if draft is None:
        await _draft_gone(message, ctx)
        return
    await show(message, ctx, draft)


async def _loaded(event: Message | CallbackQuery, data: dict[str, Any]) -> tuple[Ctx, Draft] | None:
    """The handler's context and the user's draft; None (and said so) when it is gone."""
    ctx = Ctx.of(event, data)
    draft = await ctx.draft()
    if draft is None:
        if isinstance(event, CallbackQuery):
            await event.answer()
        await _draft_gone(event, ctx)
        return None
    return ctx, draft


async def _draft_gone(event: Message | CallbackQuery, ctx: Ctx) -> None:
    """The draft expired (or was erased elsewhere) while the conversation pointed at it."""
    await ctx.state.set_state(None)
    text = _("Your unfinished application is no longer kept (it is erased after {days} days "
             "without changes). Please start again from «📝 Apply».").format(
        days=ctx.settings.draft_days)
    await ctx.bot.send_message(ctx.chat_id, text, reply_markup=menu_only())


# -- entering ------------------------------------------------------------------------------
@dataclass
class Offer:
    """What a screening lets a citizen apply for on a day."""

    answers: dict[str, Any]
    result: Result
    offered: list[str]
    granted: list[str]
    holiday: list[str]

    @property
    def members_count(self) -> int:
        a = Answers.from_dict(self.answers)
        return 1 if a.lives_alone() else (a.members or 1)


def make_offer(answers: dict[str, Any], ruleset: Ruleset, on: date, calendar: Calendar) -> Offer:
    result = Answers.from_dict(answers).evaluate(ruleset, on, calendar=calendar)
    granted = [g.id for g in result.benefits if g.benefit.needs_application]
    # Not found by the check but open to an application: the department decides (p. 24).
    refused = [e.id for e in result.excluded if e.id in ruleset.benefits_by_id
               and ruleset.benefits_by_id[e.id].needs_application and e.id not in granted]
    holiday = [g.id for g in result.benefits if not g.benefit.needs_application]
    return Offer(answers, result, granted + refused, granted, holiday)


async def open_application(query: CallbackQuery, **data: Any) -> None:
    """«📝 Apply» in the menu or under a result."""
    await query.answer()
    ctx = Ctx.of(query, data)
    if not isinstance(query.message, Message):
        return
    if not await _in_force(query.message, ctx):
        return
    if await ctx.repo.draft_for(ctx.user_id) is not None:
        rows = [[button(_("▶️ Continue my application"), "resume")],
                [button(_("🔄 Start a new application"), "restart")],
                [menu_button("menu", _("⬅️ Main menu"))]]
        await query.message.edit_text(
            _("You have an unfinished application. Continue it, or start a new one (the "
              "unfinished one is then erased)?"), reply_markup=markup(rows))
        return
    await _ask_consent(query, ctx)


async def _in_force(message: Message, ctx: Ctx) -> bool:
    today, ruleset = ctx.clock.today(), ctx.ruleset
    if ruleset.in_force_on(today):
        return True
    await message.edit_text(_(
        "Applications under decision No. {number} can be made only while it is in force, from "
        "{start} to {end}. Today, {today}, it is not. Please ask the district department about "
        "the assistance in force now."
    ).format(number=ruleset.metadata.number, start=day(ruleset.first_day),
             end=day(ruleset.last_day), today=day(today)), reply_markup=menu_only())
    return False


async def _offer(ctx: Ctx) -> Offer | None:
    answers = await ScreeningRepo(ctx.session).last(ctx.user_id)
    if answers is None:
        return None
    return make_offer(answers, ctx.ruleset, ctx.clock.today(), ctx.calendar)


async def _consent_or_none(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    """The consent screen; or why there is nothing to apply for."""
    offer = await _offer(ctx)
    if offer is None:
        rows = [[menu_button("check", _("🔎 What assistance may I get?"))],
                [menu_button("menu", _("⬅️ Main menu"))]]
        await ctx.state.set_state(None)
        return _("An application starts from a check: it tells which assistance you may apply "
                 "for and fills in part of the form. Please do the check first."), markup(rows)
    if not offer.offered:
        await ctx.state.set_state(None)
        text = _("By your last check there is nothing to apply for.")
        if offer.holiday:
            text += "\n" + _("What you may get is paid on the holiday by list, with no "
                             "application (p. 12).")
        return text, menu_only()
    await ctx.state.set_state(Applying.consent)
    preview = Draft(_transient(offer), {"chosen": offer.granted,
                                        "members": [{}] * (offer.members_count - 1)})
    return consent_screen(preview.plan(ctx.ruleset), ctx.settings.draft_days)


def _transient(offer: Offer) -> Application:
    """An unsaved row, to count the steps before anything is stored."""
    return Application(screening={"answers": offer.answers}, members_count=offer.members_count,
                       draft={})


async def _ask_consent(query: CallbackQuery, ctx: Ctx) -> None:
    text, keyboard = await _consent_or_none(ctx)
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=keyboard)


async def agree(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    ctx = Ctx.of(query, data)
    if not isinstance(query.message, Message) or not await _in_force(query.message, ctx):
        return
    offer = await _offer(ctx)
    if offer is None or not offer.offered:
        await _ask_consent(query, ctx)
        return
    now, today = ctx.clock.now(), ctx.clock.today()
    income = Answers.from_dict(offer.answers).income
    app = await ctx.repo.create_draft(
        user_id=ctx.user_id, chat_id=ctx.chat_id, language=current_locale(), on_date=today,
        screening={"answers": offer.answers, "result": offer.result.to_dict()},
        members_count=offer.members_count, now=now,
        draft={"step": "benefits", "seen": ["benefits"], "offered": offer.offered,
               "granted": offer.granted, "holiday": offer.holiday, "chosen": offer.granted,
               "members": [{} for _i in range(offer.members_count - 1)]},
    )
    if income is not None:
        app.monthly_income = Decimal(income)
    await ctx.repo.record_consent(ctx.user_id, texts.CONSENT_VERSION, now, app.id)
    draft = Draft.of(app)
    await ctx.save(draft)
    await ctx.state.set_state(Applying.active)
    await show(query, ctx, draft)


async def decline(query: CallbackQuery, **data: Any) -> None:
    """No consent: nothing is stored; how to apply on paper instead."""
    await query.answer()
    ctx = Ctx.of(query, data)
    await ctx.state.set_state(None)
    offer = await _offer(ctx)
    text = texts.paper_text()
    if offer is not None:
        text += "\n\n" + checklist_text(offer.result, ctx.ruleset)
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=menu_only())


async def resume(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    ctx = Ctx.of(query, data)
    draft = await ctx.draft()
    if draft is None:
        await _draft_gone(query, ctx)
        return
    await ctx.state.set_state(Applying.active)
    await show(query, ctx, draft)


async def restart(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    ctx = Ctx.of(query, data)
    await erase_drafts_of(ctx.session, ctx.settings, ctx.user_id)
    await ctx.session.commit()
    await _ask_consent(query, ctx)


async def cancel(message: Message, **data: Any) -> None:
    """/cancel inside the application: the draft and its files are erased."""
    ctx = Ctx.of(message, data)
    await erase_drafts_of(ctx.session, ctx.settings, ctx.user_id)
    await ctx.session.commit()
    await erase_traces(ctx.session)
    await ctx.state.clear()
    await message.answer(_("Stopped. Your unfinished application and its files are erased."),
                         reply_markup=ReplyKeyboardRemove())
    await message.answer(_("⬅️ Main menu"), reply_markup=menu_only())


# -- buttons -------------------------------------------------------------------------------
async def on_button(query: CallbackQuery, callback_data: ACB, **data: Any) -> None:
    loaded = await _loaded(query, data)
    if loaded is None:
        return
    ctx, draft = loaded
    act, arg, ruleset = callback_data.act, callback_data.arg, ctx.ruleset
    if callback_data.step and callback_data.step != draft.step:
        await query.answer(_("That button is from an earlier message. Here is where you are "
                             "now."))
        await show(query, ctx, draft)
        return
    if act == "noop":
        await query.answer()
        return
    if act == "submit":
        await _submit(query, ctx, draft)
        return
    if act == "toggle" and draft.step == "benefits":
        chosen = set(draft.chosen) ^ {arg}
        draft.data["chosen"] = [b for b in draft.data.get("offered") or [] if b in chosen]
    elif act == "pick" and draft.step == "place":
        draft.app.settlement = arg
        if arg != OTHER:
            draft.app.settlement_other = None
        elif draft.app.address and not draft.app.settlement_other:
            draft.app.address = None  # asked in order: the place's name, then the street
        if draft.missing(ruleset) is None:
            draft.forward(ruleset)
    elif act in ("rel", "occ", "paper") and draft.step.startswith("member."):
        index = int(draft.step.partition(".")[2])
        member = draft.members[index]
        if act == "rel":
            member.relation = arg
        elif act == "occ":
            member.occupation = arg
        else:
            member.on_paper = not member.on_paper
        draft.set_member(index, member)
        if act == "paper" and member.on_paper:
            draft.forward(ruleset)
    elif act == "item" and draft.step == "documents":
        draft.data["item"] = arg
    elif act == "clear" and draft.step == "documents":
        for row in await ctx.repo.remove_attachments(draft.app.id, arg):
            remove_file(ctx.settings.data_dir, row.path)
    elif act == "fix_iin":
        draft.go("iin")
    elif act == "next":
        problem = draft.missing(ruleset)
        if problem:
            await query.answer(texts.input_error(problem), show_alert=True)
            return
        draft.forward(ruleset)
    elif act == "back":
        if not draft.backward(ruleset):
            await ctx.save(draft)
            await query.answer()
            await ctx.state.set_state(None)
            if isinstance(query.message, Message):
                await query.message.edit_text(
                    _("Your application is kept as a draft for {days} days: continue it from "
                      "the main menu.").format(days=ctx.settings.draft_days),
                    reply_markup=menu_only())
            return
    elif act == "edit":
        draft.data["reviewing"] = True
        draft.go(arg)
    await query.answer()
    await ctx.save(draft)
    await show(query, ctx, draft)


# -- typed answers -------------------------------------------------------------------------
async def on_text(message: Message, **data: Any) -> None:
    loaded = await _loaded(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    notes: list[str] = []
    try:
        if _typed(draft, message.text or "", ctx, notes):
            draft.forward(ctx.ruleset)
    except InputError as err:
        await _refuse(message, ctx, draft, err.reason)
        return
    await ctx.save(draft)
    await show(message, ctx, draft, notes)


async def _refuse(message: Message, ctx: Ctx, draft: Draft, reason: str) -> None:
    """The reason in the user's language, then the same step again: nothing is lost."""
    limits = {"too_long": SITUATION_MAX, "too_many_files": MAX_FILES_PER_ITEM}
    text = texts.input_error(reason)
    if reason in limits:
        text = text.format(limit=limits[reason])
    await message.answer(text)
    await show(message, ctx, draft)


def _typed(draft: Draft, text: str, ctx: Ctx, notes: list[str]) -> bool:
    """Store a typed answer; True when the step is complete and the flow moves on."""
    a, step, today = draft.app, draft.step, ctx.clock.today()
    text = text.strip()
    if step == "benefits":
        a.monthly_income = parse_number(text, low=Decimal(0), high=MAX_INCOME)
        notes.append("✅ " + _("Income: {value}").format(value=money(a.monthly_income)))
        return False
    if step == "name":
        a.full_name = parse_full_name(text)
        return True
    if step == "iin":
        a.iin, a.birth_date = parse_iin(text)
        return True
    if step == "phone":
        phone = normalize_phone(text)
        if phone is None:
            raise InputError("bad_phone")
        a.phone = phone
        return True
    if step == "place":
        if a.settlement == OTHER and not a.settlement_other:
            a.settlement_other = text[:100]
        else:
            a.address = text[:200]
        return draft.missing(ctx.ruleset) is None
    if step.startswith("member."):
        index = int(step.partition(".")[2])
        member = draft.members[index]
        member.full_name, member.iin, born = parse_member_line(text, today)
        member.birth_date = born.isoformat()
        draft.set_member(index, member)
        return member.complete()
    if step == "situation":
        if len(text) > SITUATION_MAX:
            raise InputError("too_long")
        answers = draft.answers
        a.situation = {"kind": answers.situation, "occurred_on": answers.occurred_on,
                       "description": text}
        return True
    if step == "documents":
        raise InputError("want_file")
    raise InputError("use_buttons")


async def on_contact(message: Message, **data: Any) -> None:
    loaded = await _loaded(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    contact = message.contact
    if draft.step != "phone" or contact is None:
        await _refuse(message, ctx, draft, "use_buttons")
        return
    if contact.user_id is not None and contact.user_id != ctx.user_id:
        await _refuse(message, ctx, draft, "not_own_contact")
        return
    phone = normalize_phone(contact.phone_number)
    if phone is None:
        await _refuse(message, ctx, draft, "bad_phone")
        return
    draft.app.phone = phone
    draft.forward(ctx.ruleset)
    await ctx.save(draft)
    await show(message, ctx, draft)


async def on_file(message: Message, **data: Any) -> None:
    loaded = await _loaded(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    if draft.step != "documents":
        await _refuse(message, ctx, draft, "use_buttons")
        return
    try:
        incoming = incoming_file(message)
        if incoming is None:
            raise InputError("want_file")
        screens = await ctx.screens(draft)
        item = screens.current_item()
        if item is None:
            raise InputError("no_item")
        count = screens.files.get(item, 0)
        if count >= MAX_FILES_PER_ITEM:
            raise InputError("too_many_files")
        saved = await download(ctx.bot, incoming, ctx.settings.data_dir, draft.app.id,
                               f"{item}-{count + 1}-{incoming.file_unique_id[:16]}")
    except InputError as err:
        await _refuse(message, ctx, draft, err.reason)
        return
    except Exception as exc:  # Telegram or the disk failed: say so, keep the step
        log.warning("attachment download failed: %s", type(exc).__name__)
        await _refuse(message, ctx, draft, "file_failed")
        return
    await ctx.repo.add_attachment(
        draft.app.id, item=item, telegram_file_id=incoming.file_id,
        file_unique_id=incoming.file_unique_id, file_name=incoming.file_name,
        mime=incoming.mime, size=saved.size, sha256=saved.sha256, path=saved.path,
        created_at=ctx.clock.now())
    draft.data["item"] = item
    await ctx.save(draft)
    doc = ctx.ruleset.documents[item]
    await show(message, ctx, draft, ["✅ " + _("Received for «{document}»: {n}").format(
        document=doc.plain.get(current_locale()), n=count + 1)])


async def on_other(message: Message, **data: Any) -> None:
    """A sticker, a voice message…: what each step takes instead."""
    loaded = await _loaded(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    await _refuse(message, ctx, draft, "want_file" if draft.step == "documents" else
                  "use_buttons")


# -- submission ----------------------------------------------------------------------------
async def _submit(query: CallbackQuery, ctx: Ctx, draft: Draft) -> None:
    missing = draft.first_incomplete(ctx.ruleset)
    if missing is not None:
        draft.go(missing)
        await query.answer(texts.input_error(draft.missing(ctx.ruleset) or "use_buttons"),
                           show_alert=True)
        await ctx.save(draft)
        await show(query, ctx, draft)
        return
    await query.answer()
    if not isinstance(query.message, Message) or not await _in_force(query.message, ctx):
        return
    try:
        reference = await submit_draft(ctx.session, draft, ctx.ruleset, ctx.clock, ctx.calendar,
                                       ctx.user_id)
    except ApplicationChanged:
        await ctx.session.rollback()
        await query.message.edit_text(_("This application has already been sent."),
                                      reply_markup=menu_only())
        return
    await ctx.session.commit()
    await ctx.state.set_state(None)
    await ctx.set_ui(screen=None)
    rows = [[menu_button("mine", _("📂 My applications"))],
            [menu_button("menu", _("⬅️ Main menu"))]]
    await query.message.edit_text(
        submitted_text(reference, draft, ctx.ruleset, ctx.clock.today(), ctx.calendar),
        reply_markup=markup(rows))
    try:
        await announce_submission(ctx.bot, ctx.session, ctx.settings, draft.app.id)
    except Exception as exc:  # the citizen's application is safe; staff see it in the queue
        log.error("staff announcement failed: %s", type(exc).__name__)


def build_router() -> Router:
    router = Router(name="application")
    router.callback_query.register(open_application, MenuCB.filter(F.item == "apply"))
    router.callback_query.register(resume, MenuCB.filter(F.item == "resume_app"))
    router.callback_query.register(resume, ACB.filter(F.act == "resume"))
    router.callback_query.register(restart, ACB.filter(F.act == "restart"))
    router.callback_query.register(agree, ACB.filter(F.act == "agree"), Applying.consent)
    router.callback_query.register(decline, ACB.filter(F.act == "decline"), Applying.consent)
    router.callback_query.register(on_button, ACB.filter(), Applying.active)
    router.message.register(cancel, Command("cancel"), Applying.active)
    router.message.register(cancel, Command("cancel"), Applying.consent)
    router.message.register(on_text, Applying.active, F.text, ~F.text.startswith("/"))
    router.message.register(on_contact, Applying.active, F.contact)
    router.message.register(on_file, Applying.active, F.photo | F.document)
    router.message.register(on_other, Applying.active, ~F.text)
    return router
