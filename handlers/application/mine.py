"""«My applications»: a citizen's own submitted applications, their status in plain words and
the next step; withdrawing one before the decision, with a confirmation."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.config import Settings
from bot.rules import Ruleset
from bot.services.backstop import Backstop
from bot.services.staff_card import announce_withdrawal, withdrawal_text
from handlers.application.keyboards import MineCB, markup, menu_only
from handlers.formatting import current_locale, day, mci
from handlers.keyboards import MenuCB, menu_button
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.models import OPEN_STATUSES, Application, ApplicationBenefit
from storage.unit import commit_then


async def my_applications(query: CallbackQuery, **data: Any) -> None:
    await query.answer()
    if query.from_user is None or not isinstance(query.message, Message):
        return
    repo = ApplicationRepo(data["session"])
    apps = await repo.for_user(query.from_user.id)  # only this citizen's own
    rows: list[list[InlineKeyboardButton]] = []
    if await repo.draft_for(query.from_user.id) is not None:
        rows.append([menu_button("resume_app", _("▶️ Continue my application"))])
    if not apps:
        rows.append([menu_button("menu", _("⬅️ Main menu"))])
        await query.message.edit_text(_("You have no sent applications yet."),
                                      reply_markup=markup(rows))
        return
    blocks = ["<b>" + _("📂 My applications") + "</b>"]
    for app in apps:
        blocks.append(describe(app, await repo.benefits(app.id), data["ruleset"]))
        if app.status in OPEN_STATUSES:
            rows.append([InlineKeyboardButton(
                text=_("✖️ Withdraw {reference}").format(reference=app.reference),
                callback_data=MineCB(act="withdraw", app=app.id).pack())])
    rows.append([menu_button("menu", _("⬅️ Main menu"))])
    await query.message.edit_text("\n\n".join(blocks), reply_markup=markup(rows))


def describe(app: Application, benefits: list[ApplicationBenefit], ruleset: Ruleset) -> str:
    lang = current_locale()
    titles = []
    for b in benefits:
        benefit = ruleset.benefits_by_id.get(b.benefit_id)
        title = benefit.title.get(lang) if benefit else b.benefit_id
        title += " (" + _("p. {cite}").format(cite=b.cite) + ")"
        if b.status == "granted":
            amount = mci(b.granted_mci) if b.granted_mci is not None else ""
            title += " — " + _("granted") + (f": {amount}" if amount else "")
        elif b.status == "refused":
            title += " — " + _("refused")
        titles.append("  • " + title)
    sent = day(app.submitted_at.date()) if app.submitted_at else "—"
    status, next_step = status_words(app)
    lines = [f"<b>{app.reference}</b> · " + _("sent on {date}").format(date=sent), *titles,
             _("Status: {status}").format(status=status)]
    if next_step:
        lines.append(_("Next: {step}").format(step=next_step))
    return "\n".join(lines)


def status_words(app: Application) -> tuple[str, str]:
    """The status in plain words, and what the citizen does or waits for next."""
    if app.status == "submitted":
        return (_("sent, waiting for registration at the department"),
                _("bring the originals of your documents to the department or your akim "
                  "(p. 13–14); the time limits run from the registration."))
    if app.status == "registered":
        registered = day(app.registered_on) if app.registered_on else "—"
        status = _("registered on {date}").format(date=registered)
        if app.decision_by:
            return status, _("the decision is due by {date} (p. 21); you are told of it in "
                             "writing within 3 working days (p. 22).").format(
                date=day(app.decision_by))
        return status, _("the department decides within 8 working days (p. 21).")
    if app.status == "documents_requested":
        return (_("the department asked for more documents"),
                _("bring the documents the department asked for; the decision may then take up "
                  "to 20 working days from the registration (p. 21)."))
    if app.status == "decided":
        return _("decided"), _("the written notice gives the details and the reasons (p. 22).")
    if app.status == "withdrawn":
        when = day(app.withdrawn_at.date()) if app.withdrawn_at else "—"
        return _("withdrawn on {date}").format(date=when), ""
    return app.status, ""


async def ask_withdraw(query: CallbackQuery, callback_data: MineCB, **data: Any) -> None:
    app = await _own_open(query, callback_data.app, data)
    if app is None:
        return
    await query.answer()
    rows = [[InlineKeyboardButton(text=_("✖️ Yes, withdraw it"),
                                  callback_data=MineCB(act="confirm", app=app.id).pack())],
            [menu_button("mine", _("⬅️ No, keep it"))]]
    if isinstance(query.message, Message):
        await query.message.edit_text(_(
            "Withdraw application {reference}? The department stops considering it. You can "
            "apply again later.").format(reference=app.reference), reply_markup=markup(rows))


async def confirm_withdraw(query: CallbackQuery, callback_data: MineCB, **data: Any) -> None:
    app = await _own_open(query, callback_data.app, data)
    if app is None:
        return
    clock: Clock = data["clock"]
    session = data["session"]
    before = app.status
    changed = await ApplicationRepo(session).change_status(
        app, app.version, from_statuses=OPEN_STATUSES, status="withdrawn",
        withdrawn_at=clock.now())
    if not changed:
        await query.answer(_("The application has changed meanwhile: please look again."),
                           show_alert=True)
        await my_applications(query, **data)
        return
    await AuditRepo(session).record(app.id, app.user_id, "citizen", "withdrawn", before,
                                    "withdrawn", at=clock.now())

    settings: Settings = data["settings"]
    done = _("Application {reference} is withdrawn.").format(reference=app.reference)
    # Said after the commit; kept in the outbox with it, in case the process dies in between.
    backstop = Backstop(session)
    own, staff = f"app{app.id}-withdrawn", f"app{app.id}-withdrawn-staff"
    await backstop.hold(own, query.from_user.id, done, "withdrawn")
    if settings.staff_chat_id is not None:
        await backstop.hold(staff, settings.staff_chat_id,
                            withdrawal_text(settings, app.reference), "withdrawn")

    async def tell() -> None:  # once the withdrawal is stored
        await query.answer()
        said = []
        if isinstance(query.message, Message):
            await query.message.edit_text(done, reply_markup=menu_only())
            said.append(own)
        if await announce_withdrawal(data["bot"], settings, app.id, app.reference):
            said.append(staff)
        await backstop.said(*said)

    await commit_then(session, tell)


async def _own_open(query: CallbackQuery, app_id: int, data: dict[str, Any]) -> Application | None:
    """The citizen's own application that can still be withdrawn; anything else is refused."""
    app = await ApplicationRepo(data["session"]).get(app_id)
    if app is None or query.from_user is None or app.user_id != query.from_user.id:
        await query.answer(_("This application is not yours or no longer exists."),
                           show_alert=True)
        return None
    if app.status not in OPEN_STATUSES:
        await query.answer(_("A decided or withdrawn application cannot be withdrawn."),
                           show_alert=True)
        return None
    return app


def build_router() -> Router:
    router = Router(name="my_applications")
    router.callback_query.register(my_applications, MenuCB.filter(F.item == "mine"))
    router.callback_query.register(ask_withdraw, MineCB.filter(F.act == "withdraw"))
    router.callback_query.register(confirm_withdraw, MineCB.filter(F.act == "confirm"))
    return router
