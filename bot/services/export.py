"""The district's records as XLSX: one row per application, the family members on a second
sheet (joined by the reference). Headers in the current gettext locale; dates, amounts and
counts as real cell values, IINs and phones as text (leading zeros kept)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from aiogram.utils.i18n import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.application_view import ApplicationView
from bot.services.staff_card import flag_text
from bot.services.staff_texts import label, status_labels
from handlers.application.texts import occupation_labels, relation_labels
from handlers.formatting import current_locale

TEXT = "@"  # Excel's text format: an IIN stays 12 digits


def export_xlsx(views: Sequence[ApplicationView]) -> bytes:
    book = Workbook()
    applications = book.active
    assert isinstance(applications, Worksheet)
    applications.title = _("Applications")[:31]
    members = book.create_sheet(_("Family members")[:31])
    _fill(applications, _application_header(), [_application_row(v) for v in views])
    _fill(members, _member_header(), [row for v in views for row in _member_rows(v)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _application_header() -> list[str]:
    return [
        _("Reference"), _("Status"), _("Submitted"), _("Registered"), _("Decision due by"),
        _("Full name"), _("IIN"), _("Date of birth"), _("Phone"), _("Settlement"), _("Address"),
        _("People in the family"), _("Family income a month, ₸"), _("Per-capita income, ₸"),
        _("Paragraphs"), _("Amount, ₸"), _("Documents missing"), _("Check first"),
    ]


def _application_row(view: ApplicationView) -> list[Any]:
    lang = current_locale()
    return [
        view.reference,
        label(status_labels(), view.status),
        view.submitted_at.date() if view.submitted_at else None,
        view.registered_on,
        view.decision_by,
        view.full_name,
        view.iin,
        view.birth_date,
        view.phone,
        view.settlement.get(lang) if view.settlement else None,
        view.address,
        view.members_count,
        view.monthly_income,
        view.per_capita_income,
        ", ".join(b.cite for b in view.benefits),
        sum(b.total_kzt for b in view.benefits),
        len(view.missing_documents),
        "; ".join(flag_text(f) for f in view.flags),
    ]


def _member_header() -> list[str]:
    return [_("Reference"), _("No."), _("Full name"), _("Relation to the applicant"), _("IIN"),
            _("Date of birth"), _("Occupation"), _("On paper")]


def _member_rows(view: ApplicationView) -> list[list[Any]]:
    return [
        [view.reference, n, m.full_name, label(relation_labels(), m.relation), m.iin,
         m.birth_date, label(occupation_labels(), m.occupation),
         _("yes") if m.on_paper else _("no")]
        for n, m in enumerate(view.members, start=2)  # 1 is the applicant, on the first sheet
    ]


def _fill(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        column = get_column_letter(index)
        sheet.column_dimensions[column].width = max(10, min(40, len(title) + 4))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if hasattr(cell.value, "year"):
                cell.number_format = "DD.MM.YYYY"
    for column_title in (_("IIN"), _("Phone")):
        if column_title in header:
            letter = get_column_letter(header.index(column_title) + 1)
            for cell in sheet[letter][1:]:
                cell.number_format = TEXT
