"""Staff decide in Telegram: the decision panel's buttons, /overdue and /stats.

Each press carries the version of the application the staff member saw; the service applies
the procedure's move under that version, so of two staff pressing at once one wins and the
other is told who was first. Typed input (an amount, months, a note, a date) is checked and, when
wrong, asked again politely; the state keeps what was chosen so far.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.parsing import InputError, parse_int, parse_number, parse_past_date
from bot.procedure import Forbidden, Reason, RefusalGround, TerminationGround, check_amount
from bot.rules import Calendar, Ruleset
from bot.services.decision_panel import panel_text
from bot.services.decisions import Actor, Decisions, Outcome, to_case
from bot.services.digest import overview
from bot.services.notices import amount_kzt
from bot.services.stats import gather_stats, stats_text
from handlers.filters import Magic
from handlers.formatting import mci, money
from handlers.staff import decision_keyboards as kb
from handlers.staff.access import StaffOnly
from handlers.staff.decision_keyboards import DecisionCB
from handlers.staff.period import accepted_text, read_period
from storage.applications import ApplicationRepo
from storage.limits import text_limit
from storage.models import Application, ApplicationBenefit
from storage.outbox import OutboxRepo
from storage.unit import commit_then

EARLIER_DAYS = 5  # working days offered for "registered earlier"
NOTE_MAX = text_limit(ApplicationBenefit.note)  # the column holds it


class DecisionForm(StatesGroup):
    amount = State()
    months = State()
    note = State()
    arose_on = State()


def reason_text(reason: Reason) -> str:
    texts = {
        Reason.NOT_SUBMITTED: _("The application has not been submitted."),
        Reason.NOT_REGISTERED: _("Register the documents first (p. 21): nothing can be decided "
                                 "before registration."),
        Reason.ALREADY_REGISTERED: _("The application is already registered."),
        Reason.ALREADY_REQUESTED: _("Documents were already requested."),
        Reason.ALREADY_DECIDED: _("This has already been decided."),
        Reason.WITHDRAWN: _("The citizen withdrew this application: nothing more can be done "
                            "with it."),
        Reason.NOT_A_WORKING_DAY: _("That is not a working day."),
        Reason.DATE_IN_FUTURE: _("The date cannot be in the future."),
        Reason.DATE_BEFORE_SUBMISSION: _("The date cannot be before the application was "
                                         "submitted."),
        Reason.UNKNOWN_APPLICATION: _("No such application."),
        Reason.UNKNOWN_BENEFIT: _("The application does not ask for this benefit."),
        Reason.ABOVE_CEILING: _("The amount is above the ceiling of the paragraph (p. 11)."),
        Reason.NOT_FIXED_AMOUNT: _("This paragraph has a fixed amount."),
        Reason.AMOUNT_NOT_POSITIVE: _("The amount must be more than zero."),
        Reason.MONTHS_REQUIRED: _("A monthly payment needs its number of months."),
        Reason.MONTHS_OUT_OF_RANGE: _("That number of months is not allowed for this "
                                      "paragraph."),
        Reason.NOT_MONTHLY: _("Only a monthly payment can be terminated (p. 26)."),
        Reason.NOT_GRANTED: _("Only a granted payment can be terminated."),
        Reason.STALE: _("Someone changed this application a moment ago."),
    }
    return texts[reason]


async def staff_name(bot: Bot, user_id: int | None) -> str:
    """The staff member's name as Telegram knows it (their id when it cannot say)."""
    if user_id is None:
        return _("another staff member")
    try:
        chat = await bot.get_chat(user_id)
        name = chat.full_name
    except Exception:  # an old account, or the Bot API away: the id still says who
        name = None
    return name or _("staff member {id}").format(id=user_id)


class Desk:
    """What a handler needs: the stored application, the service, and replies."""

    def __init__(self, data: dict[str, Any], session: AsyncSession) -> None:
        self.session = session
        self.clock: Clock = data["clock"]
        self.calendar: Calendar = data["calendar"]
        self.ruleset: Ruleset = data["ruleset"]
        self.service = Decisions(session, i18n=data["i18n"], ruleset=self.ruleset,
                                 calendar=self.calendar, clock=self.clock)
        self.repo = ApplicationRepo(session)

    async def load(self, app_id: int) -> tuple[Application, list[ApplicationBenefit]] | None:
        app = await self.repo.get(app_id)
        if app is None or app.status == "draft":
            return None
        return app, await self.repo.benefits(app_id)

    async def panel(self, app: Application) -> tuple[str, InlineKeyboardMarkup | None]:
        benefits = await self.repo.benefits(app.id)
        messages = await OutboxRepo(self.session).for_application(app.id)
        return panel_text(app, benefits, messages), kb.panel_keyboard(app, benefits)


def _data(**kwargs: Any) -> dict[str, Any]:
    return kwargs


async def _show_panel(message: Message, desk: Desk, app: Application, prefix: str = "") -> None:
    text, markup = await desk.panel(app)
    await message.answer((prefix + "\n\n" if prefix else "") + text, reply_markup=markup)


async def _report(message: Message, bot: Bot, desk: Desk, outcome: Outcome,
                  done: str) -> None:
    """After a move: what happened (or why not), then the panel as it is now; said once the
    move is committed (of two staff at once, only the winner is told it is done)."""
    markup: InlineKeyboardMarkup | None = None
    if outcome.app is None:
        text = reason_text(outcome.reason or Reason.UNKNOWN_APPLICATION)
    else:
        if outcome.ok:
            prefix = done
        else:
            assert outcome.reason is not None
            prefix = reason_text(outcome.reason)
            if outcome.by_id is not None:
                prefix += " " + _("Last changed by {who}.").format(
                    who=await staff_name(bot, outcome.by_id))
        text, markup = await desk.panel(outcome.app)
        text = prefix + "\n\n" + text

    async def tell() -> None:
        await message.answer(text, reply_markup=markup)

    await commit_then(desk.session, tell)


def build_router() -> Router:
    router = Router(name="staff-decisions")
    router.message.filter(StaffOnly())
    router.callback_query.filter(StaffOnly())

    @router.callback_query(DecisionCB.filter(F.action == kb.OPEN))
    @router.callback_query(DecisionCB.filter(F.action == kb.CANCEL))
    async def open_panel(query: CallbackQuery, callback_data: DecisionCB, state: FSMContext,
                         session: AsyncSession, **data: Any) -> None:
        await state.clear()
        await query.answer()
        desk = Desk(data, session)
        loaded = await desk.load(callback_data.app)
        if not isinstance(query.message, Message):
            return
        if loaded is None:
            await query.message.answer(reason_text(Reason.UNKNOWN_APPLICATION))
            return
        await _show_panel(query.message, desk, loaded[0])

    @router.callback_query(DecisionCB.filter(F.action == kb.REGISTER))
    @router.callback_query(DecisionCB.filter(F.action == kb.REGISTER_ON))
    async def register(query: CallbackQuery, callback_data: DecisionCB, bot: Bot,
                       session: AsyncSession, **data: Any) -> None:
        await query.answer()
        desk = Desk(data, session)
        # The day a button carries is checked as it unpacks (kb.DecisionCB): a real day.
        on = kb.registration_day(callback_data.x) or desk.clock.today()
        outcome = await desk.service.register(callback_data.app, callback_data.v,
                                              _actor(query), on)
        assert isinstance(query.message, Message)
        await _report(query.message, bot, desk, outcome, _("Registered."))

    @router.callback_query(DecisionCB.filter(F.action == kb.REGISTER_EARLIER))
    async def register_earlier(query: CallbackQuery, callback_data: DecisionCB,
                               session: AsyncSession, **data: Any) -> None:
        await query.answer()
        desk = Desk(data, session)
        loaded = await desk.load(callback_data.app)
        assert isinstance(query.message, Message)
        if loaded is None:
            await query.message.answer(reason_text(Reason.UNKNOWN_APPLICATION))
            return
        app, benefits = loaded
        earliest = to_case(app, benefits, desk.clock).submitted_on or desk.clock.today()
        days = _working_days_back(desk.clock.today(), earliest, desk.calendar)
        await query.message.answer(_("On which working day were the documents presented?"),
                                   reply_markup=kb.days_keyboard(app.id, callback_data.v, days))

    @router.callback_query(DecisionCB.filter(F.action == kb.DOCUMENTS))
    async def documents(query: CallbackQuery, callback_data: DecisionCB, bot: Bot,
                        session: AsyncSession, **data: Any) -> None:
        await query.answer()
        desk = Desk(data, session)
        outcome = await desk.service.request_documents(callback_data.app, callback_data.v,
                                                       _actor(query))
        assert isinstance(query.message, Message)
        await _report(query.message, bot, desk, outcome,
                      _("Documents requested: the decision is due in 20 working days."))

    # ---- grant -----------------------------------------------------------------------------

    @router.callback_query(DecisionCB.filter(F.action == kb.GRANT))
    async def grant(query: CallbackQuery, callback_data: DecisionCB, state: FSMContext,
                    session: AsyncSession, **data: Any) -> None:
        pressed = await _pressed(query, callback_data, Desk(data, session))
        if pressed is None:
            return
        desk, message, app, b = pressed
        ceiling = b.amount_mci * b.persons
        kzt = money(amount_kzt(ceiling, desk.ruleset, desk.clock.today()))
        if not b.up_to:
            await message.answer(
                _("Grant p. {cite}: the fixed amount {amount} ({kzt}).").format(
                    cite=b.cite, amount=mci(ceiling), kzt=kzt),
                reply_markup=kb.confirm_keyboard(app.id, callback_data.v, kb.GRANT_FIXED,
                                                 _("✅ Grant"), callback_data.b))
            return
        await state.set_state(DecisionForm.amount)
        await state.set_data(_data(app=app.id, v=callback_data.v, b=callback_data.b))
        await message.answer(
            _("Grant p. {cite}: type the amount in MCI set by the commission, up to {amount} "
              "({kzt}).").format(cite=b.cite, amount=mci(ceiling), kzt=kzt),
            reply_markup=kb.confirm_keyboard(app.id, callback_data.v, kb.CANCEL, _("Cancel")))

    @router.message(StateFilter(DecisionForm.amount), Magic(F.text))
    async def amount_typed(message: Message, state: FSMContext, session: AsyncSession,
                           **data: Any) -> None:
        desk = Desk(data, session)
        form = await state.get_data()
        loaded = await desk.load(int(form["app"]))
        if loaded is None:
            await state.clear()
            return
        app, benefits = loaded
        b = benefits[int(form["b"])]
        ceiling = b.amount_mci * b.persons
        try:
            amount = parse_number(message.text or "", low=Decimal("0.01"), high=Decimal(100000))
            check_amount(to_case(app, benefits, desk.clock).benefits[int(form["b"])], amount)
        except (InputError, Forbidden) as exc:
            why = reason_text(exc.reason) if isinstance(exc, Forbidden) else _(
                "That is not an amount.")
            await message.answer(why + " " + _("Type an amount up to {amount}.").format(
                amount=mci(ceiling)))
            return
        await state.update_data(amount=str(amount))
        if b.period == "monthly":
            await state.set_state(DecisionForm.months)
            await message.answer(_("For how many months? Press or type a number."),
                                 reply_markup=kb.months_keyboard(app.id, int(form["v"]),
                                                                 int(form["b"]), b.months))
            return
        await _grant(message, _bot(message), desk, state, app.id, int(form["v"]),
                     int(form["b"]), amount, None, _actor(message))

    @router.callback_query(DecisionCB.filter(F.action == kb.GRANT_FIXED))
    async def grant_fixed(query: CallbackQuery, callback_data: DecisionCB, state: FSMContext,
                          bot: Bot, session: AsyncSession, **data: Any) -> None:
        pressed = await _pressed(query, callback_data, Desk(data, session))
        if pressed is None:
            return
        desk, message, app, b = pressed
        amount = b.amount_mci * b.persons
        if b.period == "monthly":
            await state.set_state(DecisionForm.months)
            await state.set_data(_data(app=app.id, v=callback_data.v, b=callback_data.b,
                                       amount=str(amount)))
            await message.answer(_("For how many months? Press or type a number."),
                                 reply_markup=kb.months_keyboard(
                                     app.id, callback_data.v, callback_data.b, b.months))
            return
        await _grant(message, bot, desk, state, app.id, callback_data.v, callback_data.b,
                     amount, None, _actor(query))

    @router.callback_query(DecisionCB.filter(F.action == kb.GRANT_MONTHS))
    async def months_pressed(query: CallbackQuery, callback_data: DecisionCB,
                             state: FSMContext, bot: Bot, session: AsyncSession,
                             **data: Any) -> None:
        await query.answer()
        form = await state.get_data()
        assert isinstance(query.message, Message)
        if "amount" not in form:
            return
        await _grant(query.message, bot, Desk(data, session), state, int(form["app"]),
                     int(form["v"]), int(form["b"]), Decimal(form["amount"]),
                     int(callback_data.x), _actor(query))

    @router.message(StateFilter(DecisionForm.months), Magic(F.text))
    async def months_typed(message: Message, state: FSMContext, session: AsyncSession,
                           **data: Any) -> None:
        form = await state.get_data()
        try:
            months = parse_int(message.text or "", low=1, high=12)
        except InputError:
            await message.answer(_("Type a number of months from 1 to 12."))
            return
        await _grant(message, _bot(message), Desk(data, session), state, int(form["app"]),
                     int(form["v"]), int(form["b"]), Decimal(form["amount"]), months,
                     _actor(message))

    # ---- refuse ----------------------------------------------------------------------------

    @router.callback_query(DecisionCB.filter(F.action == kb.REFUSE))
    async def refuse(query: CallbackQuery, callback_data: DecisionCB, session: AsyncSession,
                     **data: Any) -> None:
        pressed = await _pressed(query, callback_data, Desk(data, session))
        if pressed is None:
            return
        _desk, message, app, b = pressed
        await message.answer(_("Refuse p. {cite}: on which ground?").format(cite=b.cite),
                             reply_markup=kb.refusal_keyboard(app.id, callback_data.v,
                                                              callback_data.b))

    @router.callback_query(DecisionCB.filter(F.action == kb.REFUSE_GROUND))
    async def refuse_ground(query: CallbackQuery, callback_data: DecisionCB, state: FSMContext,
                            session: AsyncSession, **data: Any) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        app = await ApplicationRepo(session).get(callback_data.app)
        if app is None:
            return
        await state.set_state(DecisionForm.note)
        await state.set_data(_data(app=app.id, v=callback_data.v, b=callback_data.b,
                                   ground=callback_data.x))
        await query.message.answer(
            _("Type a note for the citizen (it goes into the notice), or refuse without one."),
            reply_markup=kb.no_note_keyboard(app.id, callback_data.v, callback_data.b,
                                             callback_data.x))

    @router.callback_query(DecisionCB.filter(F.action == kb.REFUSE_NO_NOTE))
    async def refuse_no_note(query: CallbackQuery, callback_data: DecisionCB,
                             state: FSMContext, bot: Bot, session: AsyncSession,
                             **data: Any) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await _refuse(query.message, bot, Desk(data, session), state, callback_data.app,
                      callback_data.v, callback_data.b, callback_data.x, None, _actor(query))

    @router.message(StateFilter(DecisionForm.note), Magic(F.text))
    async def note_typed(message: Message, state: FSMContext, session: AsyncSession,
                         **data: Any) -> None:
        note = (message.text or "").strip()
        if not note or len(note) > NOTE_MAX:
            await message.answer(_("The note must be 1 to {n} characters.").format(n=NOTE_MAX))
            return
        form = await state.get_data()
        await _refuse(message, _bot(message), Desk(data, session), state, int(form["app"]),
                      int(form["v"]), int(form["b"]), str(form["ground"]), note,
                      _actor(message))

    # ---- terminate -------------------------------------------------------------------------

    @router.callback_query(DecisionCB.filter(F.action == kb.TERMINATE))
    async def terminate(query: CallbackQuery, callback_data: DecisionCB,
                        session: AsyncSession, **data: Any) -> None:
        pressed = await _pressed(query, callback_data, Desk(data, session))
        if pressed is None:
            return
        _desk, message, app, b = pressed
        await message.answer(
            _("Terminate p. {cite} (p. 26): on which ground?").format(cite=b.cite),
            reply_markup=kb.termination_keyboard(app.id, callback_data.v, callback_data.b))

    @router.callback_query(DecisionCB.filter(F.action == kb.TERMINATE_GROUND))
    async def terminate_ground(query: CallbackQuery, callback_data: DecisionCB,
                               state: FSMContext) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await state.set_state(DecisionForm.arose_on)
        await state.set_data(_data(app=callback_data.app, v=callback_data.v, b=callback_data.b,
                                   ground=callback_data.x))
        await query.message.answer(_("On what date did the circumstance arise? (DD.MM.YYYY) "
                                     "The payment stops from that month."))

    @router.message(StateFilter(DecisionForm.arose_on), Magic(F.text))
    async def arose_typed(message: Message, state: FSMContext, session: AsyncSession,
                          **data: Any) -> None:
        desk = Desk(data, session)
        form = await state.get_data()
        try:
            arose = parse_past_date(message.text or "", today=desk.clock.today(),
                                    earliest=date(2000, 1, 1))
        except InputError:
            await message.answer(_("Type a past date as DD.MM.YYYY, for example 05.03.2015."))
            return
        loaded = await desk.load(int(form["app"]))
        if loaded is None:
            await state.clear()
            return
        benefit_id = loaded[1][int(form["b"])].benefit_id
        await state.clear()
        outcome = await desk.service.terminate(int(form["app"]), int(form["v"]), _actor(message),
                                               benefit_id, TerminationGround(form["ground"]),
                                               arose)
        await _report(message, _bot(message), desk, outcome, _("Terminated."))

    # ---- withdrawn -------------------------------------------------------------------------

    @router.callback_query(DecisionCB.filter(F.action == kb.WITHDRAW))
    async def withdraw(query: CallbackQuery, callback_data: DecisionCB) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(
            _("Record that the citizen withdrew the application?"),
            reply_markup=kb.confirm_keyboard(callback_data.app, callback_data.v,
                                             kb.WITHDRAW_CONFIRM, _("↩️ Yes, withdrawn")))

    @router.callback_query(DecisionCB.filter(F.action == kb.WITHDRAW_CONFIRM))
    async def withdraw_confirm(query: CallbackQuery, callback_data: DecisionCB, bot: Bot,
                               session: AsyncSession, **data: Any) -> None:
        await query.answer()
        desk = Desk(data, session)
        outcome = await desk.service.withdraw(callback_data.app, callback_data.v, _actor(query))
        assert isinstance(query.message, Message)
        await _report(query.message, bot, desk, outcome, _("Recorded: withdrawn."))

    # ---- the clock -------------------------------------------------------------------------

    @router.message(Command("overdue", ignore_case=True))
    async def overdue(message: Message, session: AsyncSession, clock: Clock,
                      calendar: Calendar) -> None:
        await message.answer(await overview(session, clock.today(), calendar))

    @router.message(Command("stats", ignore_case=True))
    async def stats(message: Message, command: CommandObject, session: AsyncSession,
                    clock: Clock, calendar: Calendar) -> None:
        usage = _("Usage: /stats FROM TO, for example /stats 01.06.2015 30.06.2015.")
        try:
            # A period may end in the future ("this month"): any day the clock knows will do.
            start, end = read_period((command.args or "").split(), clock.today())
        except InputError as err:
            await message.answer(accepted_text() + " " + usage if err.reason == "not_in_period"
                                 else usage)
            return
        if end < start:
            start, end = end, start
        result = await gather_stats(session, start, end, calendar, clock.zone)
        await message.answer(stats_text(result))

    return router


# ---- shared steps ----------------------------------------------------------------------------


def _actor(event: Message | CallbackQuery) -> Actor:
    assert event.from_user is not None
    return Actor(event.from_user.id)


def _bot(message: Message) -> Bot:
    assert message.bot is not None
    return message.bot


async def _pressed(
    query: CallbackQuery, cb: DecisionCB, desk: Desk,
) -> tuple[Desk, Message, Application, ApplicationBenefit] | None:
    """A benefit's button was pressed: stop the spinner, find the application and benefit."""
    await query.answer()
    assert isinstance(query.message, Message)
    message = query.message
    loaded = await desk.load(cb.app)
    if loaded is None:
        await message.answer(reason_text(Reason.UNKNOWN_APPLICATION))
        return None
    app, benefits = loaded
    if not 0 <= cb.b < len(benefits):
        await message.answer(reason_text(Reason.UNKNOWN_BENEFIT))
        return None
    return desk, message, app, benefits[cb.b]


async def _grant(message: Message, bot: Bot, desk: Desk, state: FSMContext, app_id: int,
                 version: int, b: int, amount: Decimal, months: int | None,
                 actor: Actor) -> None:
    await state.clear()
    loaded = await desk.load(app_id)
    if loaded is None:
        await message.answer(reason_text(Reason.UNKNOWN_APPLICATION))
        return
    outcome = await desk.service.grant(app_id, version, actor, loaded[1][b].benefit_id, amount,
                                       months)
    await _report(message, bot, desk, outcome, _("Granted."))


async def _refuse(message: Message, bot: Bot, desk: Desk, state: FSMContext, app_id: int,
                  version: int, b: int, ground: str, note: str | None, actor: Actor) -> None:
    await state.clear()
    loaded = await desk.load(app_id)
    if loaded is None or not 0 <= b < len(loaded[1]):
        await message.answer(reason_text(Reason.UNKNOWN_APPLICATION))
        return
    outcome = await desk.service.refuse(app_id, version, actor, loaded[1][b].benefit_id,
                                        RefusalGround(ground), note)
    await _report(message, bot, desk, outcome, _("Refused."))


def _working_days_back(today: date, earliest: date, calendar: Calendar) -> list[date]:
    """Today and the working days before it, newest first, not before ``earliest``."""
    days: list[date] = []
    day = today
    while len(days) < EARLIER_DAYS and day >= earliest:
        if calendar.is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days

