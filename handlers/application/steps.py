"""The answers of each step: buttons, typed text, a shared contact, files; and the submission."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from aiogram.types import (
    CallbackQuery,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.iin import parse_iin
from bot.names import parse_full_name, parse_member_line
from bot.parsing import InputError, check_length, parse_number
from bot.phone import normalize_phone
from bot.places import OTHER
from bot.services.attachments import download, incoming_file, remove_file
from bot.services.backstop import Backstop
from bot.services.staff_card import announce_submission, card_missing_text
from handlers.application import texts
from handlers.application.context import (
    Ctx,
    in_force,
    load_draft,
    refuse,
    show,
)
from handlers.application.draft import (
    ADDRESS_MAX,
    MAX_FILES_PER_ITEM,
    MEMBER_NAME_MAX,
    NAME_MAX,
    OCCUPATIONS,
    RELATIONS,
    SETTLEMENT_OTHER_MAX,
    SITUATION_MAX,
    Draft,
)
from handlers.application.keyboards import ACB, markup, menu_only
from handlers.application.submission import submit_draft, submitted_text
from handlers.common import at_once
from handlers.formatting import current_locale, money
from handlers.keyboards import menu_button
from storage.applications import ApplicationChanged
from storage.unit import commit_then

log = logging.getLogger(__name__)
MAX_INCOME = Decimal(100_000_000)  # tenge a month; anything above is a typo

# -- buttons -------------------------------------------------------------------------------
async def on_button(query: CallbackQuery, callback_data: ACB, **data: Any) -> None:
    loaded = await load_draft(query, data)
    if loaded is None:
        return
    ctx, draft = loaded
    act, arg, ruleset = callback_data.act, callback_data.arg, ctx.ruleset
    if (callback_data.step and callback_data.step != draft.step) \
            or not _choice_offered(ctx, draft, act, arg):
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
    await ctx.save(draft)
    await at_once(query.answer(), show(query, ctx, draft))


def _choice_offered(ctx: Ctx, draft: Draft, act: str, arg: str) -> bool:
    """The press carries a choice its screen offers: a forged one (a step that does not exist,
    a relation or place we do not know, too long for its column) is an old button."""
    if act == "edit":
        return arg in draft.plan(ctx.ruleset)[1:-1]  # a step to go back to
    if act == "pick":
        return arg == OTHER or ctx.places.settlement(arg) is not None
    if act == "rel":
        return arg in RELATIONS
    if act == "occ":
        return arg in OCCUPATIONS
    return True


# -- typed answers -------------------------------------------------------------------------
async def on_text(message: Message, **data: Any) -> None:
    loaded = await load_draft(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    notes: list[str] = []
    try:
        if _typed(draft, message.text or "", ctx, notes):
            draft.forward(ctx.ruleset)
    except InputError as err:
        await refuse(message, ctx, draft, err.reason, err.limit)
        return
    await ctx.save(draft)
    await show(message, ctx, draft, notes)


def _typed(draft: Draft, text: str, ctx: Ctx, notes: list[str]) -> bool:
    """Store a typed answer; True when the step is complete and the flow moves on."""
    a, step, today = draft.app, draft.step, ctx.clock.today()
    text = text.strip()
    if step == "benefits":
        a.monthly_income = parse_number(text, low=Decimal(0), high=MAX_INCOME)
        notes.append("✅ " + _("Income: {value}").format(value=money(a.monthly_income)))
        return False
    if step == "name":
        a.full_name = check_length(parse_full_name(text), NAME_MAX, "name_too_long")
        return True
    if step == "iin":
        iin, born = parse_iin(text)
        if iin in {m.iin for m in draft.members}:
            raise InputError("iin_of_a_member")
        a.iin, a.birth_date = iin, born
        return True
    if step == "phone":
        phone = normalize_phone(text)
        if phone is None:
            raise InputError("bad_phone")
        a.phone = phone
        return True
    if step == "place":
        if a.settlement == OTHER and not a.settlement_other:
            a.settlement_other = check_length(text, SETTLEMENT_OTHER_MAX)
        else:
            a.address = check_length(text, ADDRESS_MAX)
        return draft.missing(ctx.ruleset) is None
    if step.startswith("member."):
        index = int(step.partition(".")[2])
        members = draft.members
        name, their_iin, born = parse_member_line(text, today)
        check_length(name, MEMBER_NAME_MAX, "name_too_long")
        if their_iin is not None and their_iin == a.iin:
            raise InputError("iin_is_yours")
        others = {m.iin for i, m in enumerate(members) if i != index}
        if their_iin is not None and their_iin in others:
            raise InputError("iin_repeated")
        member = members[index]
        member.full_name, member.iin, member.birth_date = name, their_iin, born.isoformat()
        draft.set_member(index, member)
        return member.complete()
    if step == "situation":
        check_length(text, SITUATION_MAX)
        answers = draft.answers
        a.situation = {"kind": answers.situation, "occurred_on": answers.occurred_on,
                       "description": text}
        return True
    if step == "documents":
        raise InputError("want_file")
    raise InputError("use_buttons")


async def on_contact(message: Message, **data: Any) -> None:
    loaded = await load_draft(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    contact = message.contact
    if draft.step != "phone" or contact is None:
        await refuse(message, ctx, draft, "use_buttons")
        return
    if contact.user_id is not None and contact.user_id != ctx.user_id:
        await refuse(message, ctx, draft, "not_own_contact")
        return
    phone = normalize_phone(contact.phone_number)
    if phone is None:
        await refuse(message, ctx, draft, "bad_phone")
        return
    draft.app.phone = phone
    draft.forward(ctx.ruleset)
    await ctx.save(draft)
    await show(message, ctx, draft)


async def on_file(message: Message, **data: Any) -> None:
    loaded = await load_draft(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    if draft.step != "documents":
        await refuse(message, ctx, draft, "use_buttons")
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
        await refuse(message, ctx, draft, err.reason, err.limit)
        return
    except Exception as exc:  # Telegram or the disk failed: say so, keep the step
        log.warning("attachment download failed: %s", type(exc).__name__)
        await refuse(message, ctx, draft, "file_failed")
        return
    await ctx.repo.add_attachment(
        draft.app.id, item=item, telegram_file_id=incoming.file_id,
        file_unique_id=incoming.file_unique_id, file_name=incoming.file_name,
        mime=saved.mime, size=saved.size, sha256=saved.sha256, path=saved.path,
        created_at=ctx.clock.now())
    draft.data["item"] = item
    await ctx.save(draft)
    doc = ctx.ruleset.documents[item]
    await show(message, ctx, draft, ["✅ " + _("Received for «{document}»: {n}").format(
        document=doc.plain.get(current_locale()), n=count + 1)])


async def on_other(message: Message, **data: Any) -> None:
    """A sticker, a voice message…: what each step takes instead."""
    loaded = await load_draft(message, data)
    if loaded is None:
        return
    ctx, draft = loaded
    await refuse(message, ctx, draft, "want_file" if draft.step == "documents" else
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
    if not isinstance(query.message, Message) or not await in_force(query.message, ctx):
        return
    try:
        reference = await submit_draft(ctx.session, draft, ctx.ruleset, ctx.clock, ctx.calendar,
                                       ctx.user_id)
    except ApplicationChanged:
        await ctx.session.rollback()
        await query.message.edit_text(_("This application has already been sent."),
                                      reply_markup=menu_only())
        return
    await ctx.state.set_state(None)
    await ctx.set_ui(screen=None)
    message = query.message
    text = submitted_text(reference, draft, ctx.ruleset, ctx.clock.today(), ctx.calendar,
                          ctx.places)
    # Said after the commit; kept in the outbox with it, in case the process dies in between.
    backstop = Backstop(ctx.session)
    own, card = f"app{draft.app.id}-reference", f"app{draft.app.id}-card"
    await backstop.hold(own, message.chat.id, text, "reference")
    if ctx.settings.staff_chat_id is not None:
        await backstop.hold(card, ctx.settings.staff_chat_id,
                            card_missing_text(ctx.settings, reference), "card")

    async def tell() -> None:  # the reference is told, and staff shown, once it is stored
        rows = [[menu_button("mine", _("📂 My applications"))],
                [menu_button("menu", _("⬅️ Main menu"))]]
        await message.edit_text(text, reply_markup=markup(rows))
        if await announce_submission(ctx.bot, ctx.session, ctx.settings, draft.app.id):
            await backstop.said(own, card)
        else:
            await backstop.said(own)

    await commit_then(ctx.session, tell)

