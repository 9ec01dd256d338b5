"""Sending a draft: the benefits and family rows, the reference number, the audit entry, and
what the citizen is told afterwards (p. 13–14, 21–22)."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.places import Places
from bot.rules import Calendar, Ruleset
from handlers.application.draft import Draft
from handlers.formatting import day
from handlers.places import office_block
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo


async def submit_draft(
    session: AsyncSession, draft: Draft, ruleset: Ruleset, clock: Clock, calendar: Calendar,
    user_id: int,
) -> str:
    """Write the application's rows and give it its reference; the caller commits.
    Raises ApplicationChanged when it was already sent (a second tap)."""
    repo, app, today = ApplicationRepo(session), draft.app, clock.today()
    result = draft.evaluate(ruleset, today, calendar)
    app.on_date = today
    app.screening = {**(app.screening or {}), "result": result.to_dict()}
    if not draft.needs_situation(ruleset):
        app.situation = None
    await repo.set_members(app.id, [m.row() for m in draft.members])
    # How many people a paragraph pays for (children of p. 7.12, say) as the engine counts.
    persons = {g.id: g.persons for g in result.benefits}
    await repo.set_benefits(app.id, [
        {"benefit_id": b.id, "cite": b.cite, "amount_mci": b.amount_mci, "up_to": b.up_to,
         "period": b.period, "months": b.months, "persons": persons.get(b.id, 1)}
        for b in (ruleset.benefits_by_id[bid] for bid in draft.chosen)
    ])
    reference = await repo.submit(app, clock.now(), today.year)
    await AuditRepo(session).record(
        app.id, user_id, "citizen", "submitted", "draft", "submitted",
        {"benefits": draft.chosen}, at=clock.now())
    return reference


def submitted_text(
    reference: str, draft: Draft, ruleset: Ruleset, today: date, calendar: Calendar,
    places: Places,
) -> str:
    office = places.office_for(draft.app.settlement)
    where = [office_block(office)]
    if not office.is_department:
        where += [_("or the district department:"), office_block(places.department)]
    lines = [
        "✅ <b>" + _("Your application is sent.") + "</b>",
        _("Reference number: <b>{reference}</b>. Please keep it.").format(reference=reference),
        "",
        "<b>" + _("What happens next") + "</b>",
        _("1. Bring the originals and copies of your documents (p. 13–14) to the office below. "
          "The department registers your application with them; the originals are returned to "
          "you."),
        *where,
        _("2. Within 8 working days of the registration the department decides (p. 21); if it "
          "must request documents from other bodies, within 20 working days."),
        _("3. Within 3 working days of the decision you are told of it in writing (p. 22)."),
    ]
    timeline = draft.evaluate(ruleset, today, calendar).timeline
    if timeline is not None:
        lines.append(_("If your documents are registered on {registered}, the decision is due "
                       "by {decision} and you are told of it by {notice}.").format(
            registered=day(timeline.registered_on), decision=day(timeline.decision_by),
            notice=day(timeline.notice_by)))
    lines += ["", _("You can follow it in «📂 My applications».")]
    return "\n".join(lines)
