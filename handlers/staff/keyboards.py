"""Staff buttons: the callback data and the card's keyboard."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.services.application_view import ApplicationView
from handlers.keyboards import ApplicationId
from handlers.staff.decision_keyboards import open_button

# Actions of StaffCB; anything else in the data is refused by the handlers' filters.
CARD = "card"  # send the card again, with its history up to now
PDF = "pdf"  # send the application's PDF


class StaffCB(CallbackData, prefix="st"):
    action: str
    app_id: ApplicationId


def staff_button(text: str, action: str, app_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=StaffCB(action=action, app_id=app_id).pack())


def card_keyboard(view: ApplicationView) -> InlineKeyboardMarkup:
    """The buttons under a card. The one place they are built; the decision panel (its own
    buttons, with the version the staff member saw) opens from the last row."""
    rows: list[list[InlineKeyboardButton]] = []
    rows.append([
        staff_button(_("📄 PDF"), PDF, view.id),
        staff_button(_("🔄 Card"), CARD, view.id),
    ])
    rows.append([open_button(view.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def open_keyboard(items: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One button per application (id, reference) that opens its card."""
    if not items:
        return None
    rows = [[staff_button(reference, CARD, app_id)] for app_id, reference in items]
    return InlineKeyboardMarkup(inline_keyboard=rows)
