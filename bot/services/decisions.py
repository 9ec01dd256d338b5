"""Staff decisions on an application: the procedure's move, the stored change, the audit entry
and the citizen's notice, all in the caller's transaction (the caller commits once).

The notice is an outbox row written with the change it announces: if the transaction rolls
back, there is no notice; if it commits, the sender delivers it (see outbox_sender).
Two staff pressing at once: ``change_status`` is ``UPDATE … WHERE version=:v``; the loser gets
``Reason.STALE`` and who changed the application last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot import procedure as p
from bot.clock import Clock
from bot.rules import Calendar, Ruleset
from bot.services import notices
from storage.applications import ApplicationRepo
from storage.audit import ActorKind, AuditRepo
from storage.models import Application, ApplicationBenefit, utcnow
from storage.outbox import OutboxRepo


@dataclass(frozen=True)
class Actor:
    id: int
    kind: ActorKind = "staff"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    app: Application | None = None
    reason: p.Reason | None = None
    # On STALE or ALREADY_*: the staff member who changed the application last (audit).
    by_id: int | None = None


def to_case(app: Application, benefits: list[ApplicationBenefit], clock: Clock) -> p.Case:
    return p.Case(
        status=p.Status(app.status),
        benefits=tuple(
            p.BenefitCase(
                benefit_id=b.benefit_id, cite=b.cite,
                # The ceiling (or fixed amount) is per person; the benefit covers ``persons``.
                amount_mci=b.amount_mci * b.persons, up_to=b.up_to, period=b.period,
                months=b.months, status=p.BenefitStatus(b.status), granted_mci=b.granted_mci,
                granted_months=b.granted_months,
                refusal_ground=p.RefusalGround(b.refusal_ground) if b.refusal_ground else None,
                note=b.note, terminated_from=b.terminated_from,
                termination_ground=(p.TerminationGround(b.termination_ground)
                                    if b.termination_ground else None),
            )
            for b in benefits
        ),
        submitted_on=app.submitted_at.astimezone(clock.zone).date() if app.submitted_at else None,
        registered_on=app.registered_on,
        documents_requested=app.documents_requested,
        decision_by=app.decision_by,
        decided_on=app.decided_at.astimezone(clock.zone).date() if app.decided_at else None,
        notice_by=app.notice_by,
    )


class Decisions:
    def __init__(self, session: AsyncSession, *, i18n: I18n, ruleset: Ruleset,
                 calendar: Calendar, clock: Clock) -> None:
        self.session = session
        self.i18n = i18n
        self.ruleset = ruleset
        self.calendar = calendar
        self.clock = clock
        self.apps = ApplicationRepo(session)

    # ---- the moves -------------------------------------------------------------------------

    async def register(self, app_id: int, version: int, actor: Actor, on: date) -> Outcome:
        today = self.clock.today()
        return await self._apply(app_id, version, actor, "registered",
                                 lambda c: p.register(c, on, today, self.calendar),
                                 {"on": on.isoformat()})

    async def request_documents(self, app_id: int, version: int, actor: Actor) -> Outcome:
        return await self._apply(app_id, version, actor, "documents_requested",
                                 lambda c: p.request_documents(c, self.calendar), {})

    async def grant(self, app_id: int, version: int, actor: Actor, benefit_id: str,
                    amount_mci: Decimal, months: int | None) -> Outcome:
        today = self.clock.today()
        return await self._apply(
            app_id, version, actor, "granted",
            lambda c: p.grant(c, benefit_id, amount_mci, months, today, self.calendar),
            {"benefit": benefit_id, "amount_mci": str(amount_mci), "months": months})

    async def refuse(self, app_id: int, version: int, actor: Actor, benefit_id: str,
                     ground: p.RefusalGround, note: str | None) -> Outcome:
        today = self.clock.today()
        # The note may name people: it goes to the row and the citizen, not to the audit.
        return await self._apply(
            app_id, version, actor, "refused",
            lambda c: p.refuse(c, benefit_id, ground, note, today, self.calendar),
            {"benefit": benefit_id, "ground": ground.value, "note": bool(note)})

    async def terminate(self, app_id: int, version: int, actor: Actor, benefit_id: str,
                        ground: p.TerminationGround, arose_on: date) -> Outcome:
        today = self.clock.today()
        return await self._apply(
            app_id, version, actor, "terminated",
            lambda c: p.terminate(c, benefit_id, ground, arose_on, today),
            {"benefit": benefit_id, "ground": ground.value,
             "from": p.first_of_month(arose_on).isoformat()})

    async def withdraw(self, app_id: int, version: int, actor: Actor) -> Outcome:
        return await self._apply(app_id, version, actor, "withdrawn", p.withdraw, {})

    # ---- the one path every move takes -----------------------------------------------------

    async def _apply(self, app_id: int, version: int, actor: Actor, action: str,
                     move: Callable[[p.Case], p.Case], details: dict[str, Any]) -> Outcome:
        app = await self.apps.get(app_id)
        if app is None or app.status == "draft":
            return Outcome(False, reason=p.Reason.UNKNOWN_APPLICATION)
        if app.version != version:
            return await self._stale(app)
        rows = await self.apps.benefits(app_id)
        case = to_case(app, rows, self.clock)
        try:
            after = move(case)
        except p.Forbidden as exc:
            return await self._refused(app, exc.reason)
        now = self.clock.now()
        values: dict[str, Any] = {
            "status": after.status.value,
            "registered_on": after.registered_on,
            "documents_requested": after.documents_requested,
            "decision_by": after.decision_by,
            "notice_by": after.notice_by,
        }
        newly_decided = after.status is p.Status.DECIDED and case.status is not p.Status.DECIDED
        if newly_decided:
            values["decided_at"] = now
        if after.status is p.Status.WITHDRAWN:
            values["withdrawn_at"] = now
        status_before = app.status
        if not await self.apps.change_status(app, version, **values):
            return await self._stale(app)
        changed = self._store_benefits(rows, case, after, actor, now)
        await AuditRepo(self.session).record(app.id, actor.id, actor.kind, action,
                                             status_before, app.status, details, at=now)
        await self._notify(app, action, rows, changed, newly_decided, actor)
        return Outcome(True, app=app)

    def _store_benefits(self, rows: list[ApplicationBenefit], case: p.Case, after: p.Case,
                        actor: Actor, now: Any) -> list[ApplicationBenefit]:
        changed = []
        for row, old, new in zip(rows, case.benefits, after.benefits, strict=True):
            if new == old:
                continue
            row.status = new.status.value
            row.granted_mci = new.granted_mci
            row.granted_months = new.granted_months
            row.refusal_ground = new.refusal_ground.value if new.refusal_ground else None
            row.note = new.note
            row.terminated_from = new.terminated_from
            row.termination_ground = (new.termination_ground.value
                                      if new.termination_ground else None)
            row.decided_by = actor.id
            row.decided_at = now
            changed.append(row)
        return changed

    async def _notify(self, app: Application, action: str, rows: list[ApplicationBenefit],
                      changed: list[ApplicationBenefit], newly_decided: bool,
                      actor: Actor) -> None:
        with self.i18n.context(), self.i18n.use_locale(app.language):
            if action == "registered":
                text = notices.registered_text(app)
            elif action == "documents_requested":
                text = notices.documents_requested_text(app)
            elif newly_decided:
                action = "decided"
                text = notices.decision_text(app, rows, self.ruleset, self.clock.today())
            elif action == "terminated":
                text = notices.terminated_text(app, changed[0], self.ruleset)
            elif action == "withdrawn" and actor.kind == "staff":
                text = notices.withdrawn_text(app)
            else:  # one benefit of several decided: the notice waits for the whole decision
                return
        await OutboxRepo(self.session).enqueue(
            f"app{app.id}-v{app.version}-{action}", app.chat_id, text, action, utcnow(),
            application_id=app.id)

    async def _last_actor(self, app: Application) -> int | None:
        history = await AuditRepo(self.session).history(app.id)
        return next((e.actor_id for e in reversed(history) if e.actor_kind == "staff"), None)

    async def _stale(self, app: Application) -> Outcome:
        await self.session.refresh(app)
        return Outcome(False, app=app, reason=p.Reason.STALE, by_id=await self._last_actor(app))

    async def _refused(self, app: Application, reason: p.Reason) -> Outcome:
        by_id = await self._last_actor(app) if reason in _SOMEONE_WAS_FIRST else None
        return Outcome(False, app=app, reason=reason, by_id=by_id)


_SOMEONE_WAS_FIRST = frozenset({p.Reason.ALREADY_DECIDED, p.Reason.ALREADY_REGISTERED,
                                p.Reason.ALREADY_REQUESTED, p.Reason.WITHDRAWN})
