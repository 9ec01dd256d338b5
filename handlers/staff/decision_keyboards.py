"""The decision buttons: callback data and keyboards (the panel under a staff card)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field, model_validator

from bot.config import CLOCK_YEARS
from bot.procedure import RefusalGround, Status, TerminationGround
from handlers.keyboards import ApplicationId, Version
from storage.models import Application, ApplicationBenefit

# Actions of DecisionCB.
OPEN = "open"  # show the decision panel of an application
REGISTER = "reg"  # registered today
REGISTER_EARLIER = "regon"  # pick an earlier working day
REGISTER_ON = "regd"  # registered on x (YYYYMMDD)
DOCUMENTS = "docs"
GRANT = "grant"  # benefit b: ask (or confirm) the amount
GRANT_FIXED = "gok"  # benefit b: the fixed amount confirmed
GRANT_MONTHS = "gmon"  # benefit b: x months
REFUSE = "ref"  # benefit b: choose the ground
REFUSE_GROUND = "refg"  # benefit b, ground x: then a note or none
REFUSE_NO_NOTE = "refn"
TERMINATE = "term"  # benefit b: choose the ground
TERMINATE_GROUND = "termg"  # benefit b, ground x: then the date it arose
WITHDRAW = "wd"  # ask to confirm
WITHDRAW_CONFIRM = "wdok"
CANCEL = "cancel"


# How many benefits an application can ask for is the ruleset's: a position past this is forged.
MAX_POSITION = 999
MAX_MONTHS = 99


class DecisionCB(CallbackData, prefix="dc"):
    """A forged press (a number past its column, a day that is not one, a ground we do not
    know) does not unpack: aiogram's filter refuses it, and the staff guard answers that the
    button is no longer valid, as for any old button."""

    action: str
    app: ApplicationId
    v: Version = 0  # the version the staff member saw (optimistic lock)
    b: Annotated[int, Field(ge=-1, le=MAX_POSITION)] = -1  # the benefit's position
    x: str = ""

    @model_validator(mode="after")
    def check_x(self) -> DecisionCB:
        if not x_fits(self.action, self.x):
            raise ValueError(f"{self.action!r} does not take this value")
        return self


def x_fits(action: str, x: str) -> bool:
    """The value of ``x`` is one its action's buttons carry."""
    if action == REGISTER_ON:
        return registration_day(x) is not None
    if action == GRANT_MONTHS:
        return x.isascii() and x.isdigit() and 1 <= int(x) <= MAX_MONTHS
    if action in (REFUSE_GROUND, REFUSE_NO_NOTE):
        return x in {g.value for g in RefusalGround}
    if action == TERMINATE_GROUND:
        return x in {g.value for g in TerminationGround}
    return True


def registration_day(x: str) -> date | None:
    """``YYYYMMDD`` of a day within the years the clock knows; None for anything else."""
    if not (len(x) == 8 and x.isascii() and x.isdigit()):
        return None
    try:
        on = datetime.strptime(x, "%Y%m%d").date()
    except ValueError:
        return None
    first, last = CLOCK_YEARS
    return on if first <= on.year <= last else None


def _button(text: str, action: str, app: int, v: int, b: int = -1,
            x: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=DecisionCB(
        action=action, app=app, v=v, b=b, x=x).pack())


def open_button(app_id: int) -> InlineKeyboardButton:
    """The card's way into the panel (the card knows the id, not the version)."""
    return InlineKeyboardButton(text=_("⚖️ Decision"),
                                callback_data=DecisionCB(action=OPEN, app=app_id).pack())


def panel_keyboard(app: Application,
                   benefits: list[ApplicationBenefit]) -> InlineKeyboardMarkup | None:
    """What may be done now; a forbidden move has no button (and is refused if pressed)."""
    status = Status(app.status)
    seen = (app.id, app.version)
    rows: list[list[InlineKeyboardButton]] = []
    if status is Status.SUBMITTED:
        rows.append([_button(_("📥 Registered today"), REGISTER, *seen),
                     _button(_("📅 Registered earlier"), REGISTER_EARLIER, *seen)])
    if status is Status.REGISTERED:
        rows.append([_button(_("📨 Documents requested (p. 17)"), DOCUMENTS, *seen)])
    if status in (Status.REGISTERED, Status.DOCUMENTS_REQUESTED):
        for i, b in enumerate(benefits):
            if b.status == "requested":
                rows.append([
                    _button(_("✅ Grant p. {cite}").format(cite=b.cite), GRANT, *seen, i),
                    _button(_("❌ Refuse p. {cite}").format(cite=b.cite), REFUSE, *seen, i),
                ])
    if status is Status.DECIDED:
        for i, b in enumerate(benefits):
            if b.status == "granted" and b.period == "monthly":
                rows.append([_button(_("⛔ Terminate p. {cite}").format(cite=b.cite),
                                     TERMINATE, *seen, i)])
    if status in (Status.SUBMITTED, Status.REGISTERED, Status.DOCUMENTS_REQUESTED) and not any(
            b.status != "requested" for b in benefits):
        rows.append([_button(_("↩️ Withdrawn by the citizen"), WITHDRAW, *seen)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def days_keyboard(app: int, v: int, days: list[date]) -> InlineKeyboardMarkup:
    rows = [[_button(d.strftime("%d.%m.%Y"), REGISTER_ON, app, v, x=d.strftime("%Y%m%d"))]
            for d in days]
    rows.append([_button(_("Cancel"), CANCEL, app, v)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def refusal_labels() -> dict[RefusalGround, str]:
    """Short labels for staff; the citizen reads the plain words of notices.py."""
    return {
        RefusalGround.FALSE_INFORMATION: _("p. 24.1 untrue information"),
        RefusalGround.INSPECTION_REFUSED: _("p. 24.2 inspection refused or avoided"),
        RefusalGround.INCOME_ABOVE_THRESHOLD: _("p. 24.3 income above the threshold"),
        RefusalGround.GRANTED_WITHIN_YEAR: _("p. 23 granted within a year"),
    }


def termination_labels() -> dict[TerminationGround, str]:
    return {
        TerminationGround.DEATH: _("p. 26.1 death"),
        TerminationGround.MOVED_AWAY: _("p. 26.2 moved out of the district"),
        TerminationGround.STATE_INSTITUTION: _("p. 26.3 state institution"),
        TerminationGround.FALSE_INFORMATION: _("p. 26.4 untrue information"),
    }


def refusal_keyboard(app: int, v: int, b: int) -> InlineKeyboardMarkup:
    rows = [[_button(text, REFUSE_GROUND, app, v, b, g.value)]
            for g, text in refusal_labels().items()]
    rows.append([_button(_("Cancel"), CANCEL, app, v)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def termination_keyboard(app: int, v: int, b: int) -> InlineKeyboardMarkup:
    rows = [[_button(text, TERMINATE_GROUND, app, v, b, g.value)]
            for g, text in termination_labels().items()]
    rows.append([_button(_("Cancel"), CANCEL, app, v)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_keyboard(app: int, v: int, action: str, label: str, b: int = -1,
                     x: str = "") -> InlineKeyboardMarkup:
    rows = [[_button(label, action, app, v, b, x)]]
    if action != CANCEL:
        rows.append([_button(_("Cancel"), CANCEL, app, v)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def months_keyboard(app: int, v: int, b: int, longest: int | None) -> InlineKeyboardMarkup:
    choices = [longest] if longest else [3, 6, 12]
    rows = [[_button(_("{months} months").format(months=m), GRANT_MONTHS, app, v, b, str(m))
             for m in choices]]
    rows.append([_button(_("Cancel"), CANCEL, app, v)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def no_note_keyboard(app: int, v: int, b: int, ground: str) -> InlineKeyboardMarkup:
    return confirm_keyboard(app, v, REFUSE_NO_NOTE, _("Refuse without a note"), b, ground)
