"""Entering an application: from the result or the menu, the consent (Law No. 94-V), resuming,
starting over and /cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from bot.rules import Calendar, Result, Ruleset
from bot.services.drafts import erase_drafts_of
from handlers.application import texts
from handlers.application.context import (
    Applying,
    Ctx,
    draft_gone,
    in_force,
    show,
)
from handlers.application.draft import (
    Draft,
)
from handlers.application.keyboards import button, markup, menu_only
from handlers.application.screens import consent_screen
from handlers.common import renders_steps_of
from handlers.formatting import current_locale
from handlers.keyboards import menu_button
from handlers.places import find_akim_button
from handlers.screening.answers import Answers
from handlers.screening.result import checklist_text
from storage.models import Application
from storage.repositories import ScreeningRepo
from storage.retention import erase_traces
from storage.unit import commit_then


@renders_steps_of(Applying)
async def show_step_again(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    ctx = Ctx.of(message, {**data, "state": state})
    if await state.get_state() == Applying.consent.state:
        text, keyboard = await _consent_or_none(ctx)
        await message.answer(text, reply_markup=keyboard)
        return
    draft = await ctx.draft()
    if draft is None:
        await draft_gone(message, ctx)
        return
    await show(message, ctx, draft)



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
    if not await in_force(query.message, ctx):
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
    if not isinstance(query.message, Message) or not await in_force(query.message, ctx):
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
        members_count=offer.members_count, now=now, flush=False,  # written at the update's end
        draft={"step": "benefits", "seen": ["benefits"], "offered": offer.offered,
               "granted": offer.granted, "holiday": offer.holiday, "chosen": offer.granted,
               "members": [{} for _i in range(offer.members_count - 1)]},
    )
    if income is not None:
        app.monthly_income = Decimal(income)
    await ctx.repo.record_consent(ctx.user_id, texts.CONSENT_VERSION, now, app)
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
    rows = [[menu_button("menu", _("⬅️ Main menu"))]]
    if offer is not None:
        text += "\n\n" + checklist_text(offer.result, ctx.ruleset, ctx.places)
        rows.insert(0, [find_akim_button("menu")])  # the checklist says "find yours below"
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup(rows))


async def resume(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    ctx = Ctx.of(query, data)
    draft = await ctx.draft()
    if draft is None:
        await draft_gone(query, ctx)
        return
    await ctx.state.set_state(Applying.active)
    await show(query, ctx, draft)


async def restart(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    ctx = Ctx.of(query, data)
    await erase_drafts_of(ctx.session, ctx.settings, ctx.user_id)
    await _ask_consent(query, ctx)


async def cancel(message: Message, **data: Any) -> None:
    """/cancel inside the application: the draft and its files are erased."""
    ctx = Ctx.of(message, data)
    await erase_drafts_of(ctx.session, ctx.settings, ctx.user_id)
    # ... and not left in the SQLite write-ahead log, once the update commits.
    await commit_then(ctx.session, partial(erase_traces, ctx.session))
    await ctx.state.clear()
    await message.answer(_("Stopped. Your unfinished application and its files are erased."),
                         reply_markup=ReplyKeyboardRemove())
    await message.answer(_("⬅️ Main menu"), reply_markup=menu_only())

