"""The application as staff print it: header, applicant, the Appendix-1 family table, income,
benefits with paragraphs, the document checklist, the consent line and signature lines.

Rendered in the current gettext locale from an :class:`ApplicationView` alone.
"""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import gettext as _

from bot.places import load_places
from bot.services.application_view import ApplicationView
from bot.services.pdf import PdfDocument
from bot.services.staff_texts import (
    benefit_amount,
    ceiling_note,
    document_name,
    identity,
    label,
    status_labels,
)
from handlers.application.texts import occupation_labels, relation_labels
from handlers.formatting import current_locale, day, money
from handlers.screening.texts import situation_labels


def application_pdf(view: ApplicationView, *, printed: datetime) -> bytes:
    lang = current_locale()
    doc = PdfDocument(title=_("Application {reference}").format(reference=view.reference),
                      lang=lang, created=printed)
    _header(doc, view, printed)
    _applicant(doc, view)
    _family(doc, view)
    _income(doc, view)
    _benefits(doc, view)
    _documents(doc, view)
    _closing(doc, view)
    return doc.output()


def _header(doc: PdfDocument, view: ApplicationView, printed: datetime) -> None:
    department = load_places().department
    lang = current_locale()
    doc.paragraph(_("Sozak district"), align="C")
    doc.paragraph(department.name.get(lang), bold=True, align="C")
    doc.paragraph(department.role.get(lang), align="C")
    doc.spacer(2)
    doc.heading(_("Application for social assistance"))
    doc.paragraph(_("Under Sozak district maslikhat decision No. 241 of 19.03.2015"), align="C")
    doc.spacer(2)
    submitted = day(view.submitted_at.date()) if view.submitted_at else "—"
    doc.fields([
        (_("Reference"), view.reference),
        (_("Submitted"), submitted),
        (_("Status"), label(status_labels(), view.status)),
        (_("Printed"), printed.strftime("%d.%m.%Y %H:%M")),
    ])


def _applicant(doc: PdfDocument, view: ApplicationView) -> None:
    lang = current_locale()
    place = view.settlement.get(lang) if view.settlement else "—"
    doc.subheading(_("Applicant"))
    doc.fields([
        (_("Full name"), view.full_name or "—"),
        (_("IIN"), view.iin or "—"),
        (_("Date of birth"), day(view.birth_date) if view.birth_date else "—"),
        (_("Phone"), view.phone or "—"),
        (_("Settlement"), place),
        (_("Address"), view.address or "—"),
    ])


def _family(doc: PdfDocument, view: ApplicationView) -> None:
    doc.subheading(_("Family composition (Appendix 1 to the Standard Rules No. 504)"))
    header = [_("No."), _("Full name"), _("Relation to the applicant"),
              _("Date of birth or IIN"), _("Occupation")]
    rows = [["1", view.full_name or "—", _("applicant"), identity(view.iin, view.birth_date),
             ""]]
    for n, member in enumerate(view.members, start=2):
        name = member.full_name or "—"
        if member.on_paper:
            name += " (" + _("on paper") + ")"
        rows.append([str(n), name, label(relation_labels(), member.relation),
                     _("on paper") if member.on_paper and not (member.iin or member.birth_date)
                     else identity(member.iin, member.birth_date),
                     label(occupation_labels(), member.occupation)])
    doc.table(header, rows, widths=(10, 60, 35, 42, 30))


def _income(doc: PdfDocument, view: ApplicationView) -> None:
    doc.subheading(_("Income"))
    per_capita = view.per_capita_income
    t = view.thresholds
    doc.fields([
        (_("Family income a month"),
         money(view.monthly_income) if view.monthly_income is not None else _("not given")),
        (_("People in the family"), str(view.members_count)),
        (_("Per-capita income"), money(per_capita) if per_capita is not None else "—"),
        (_("Poverty line (p. 9.7)"), money(t.poverty_line_kzt)),
        (_("60 per cent of the subsistence minimum (p. 9.11)"),
         money(t.situation_income_limit_kzt)),
    ], label_width=75)
    if view.situation is not None:
        s = view.situation
        what = label(situation_labels(), s.kind)
        if s.occurred_on is not None:
            what += ", " + day(s.occurred_on)
        doc.fields([(_("Difficult life situation (p. 9.11)"), what),
                    (_("Description"), s.description or "—")], label_width=75)


def _benefits(doc: PdfDocument, view: ApplicationView) -> None:
    lang = current_locale()
    doc.subheading(_("Benefits applied for"))
    rows = []
    for line in view.benefits:
        amount = benefit_amount(line)
        if line.up_to:
            amount += " — " + ceiling_note()
        rows.append([line.cite, line.title.get(lang), amount])
    doc.table([_("Paragraph"), _("Benefit"), _("Amount (MCI {mci} ₸)").format(
        mci=view.mci_kzt)], rows, widths=(22, 85, 70))


def _documents(doc: PdfDocument, view: ApplicationView) -> None:
    lang = current_locale()
    doc.subheading(_("Documents (p. 13)"))
    rows = []
    for line in view.checklist:
        name = document_name(line, lang)
        attached = (_("attached: {count} file(s)").format(count=line.files) if line.files
                    else _("not attached: to bring"))
        rows.append([name, attached])
    doc.table([_("Document"), _("Sent with the application")], rows, widths=(120, 57))
    doc.paragraph(_("Originals are compared with the copies at the office and returned "
                    "(p. 14)."))


def _closing(doc: PdfDocument, view: ApplicationView) -> None:
    doc.spacer(2)
    if view.consent_given_at is not None:
        doc.paragraph(_(
            "The applicant consented to the collection and processing of personal data "
            "(Law No. 94-V of 21.05.2013) on {date}, text version {version}.").format(
                date=view.consent_given_at.strftime("%d.%m.%Y %H:%M"),
                version=view.consent_version or "—"))
    else:
        doc.paragraph(_("Consent to the processing of personal data: to be signed at the "
                        "office."))
    doc.paragraph(_("I confirm that the information given is true."))
    doc.signature_line(_("Applicant's signature"), date_label=_("Date"))
    doc.signature_line(_("Accepted by (staff member)"), date_label=_("Date"))
