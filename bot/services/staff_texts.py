"""Words staff read on the card, the PDF and the export, in the current gettext locale."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.services.application_view import BenefitLine, ChecklistLine
from handlers.formatting import day, mci, money


def status_labels() -> dict[str, str]:
    return {
        "draft": _("draft"),
        "submitted": _("submitted"),
        "registered": _("registered"),
        "documents_requested": _("documents requested"),
        "decided": _("decided"),
        "withdrawn": _("withdrawn by the applicant"),
    }


def benefit_status_labels() -> dict[str, str]:
    return {
        "requested": _("requested"),
        "granted": _("granted"),
        "refused": _("refused"),
        "terminated": _("terminated"),
    }


def actor_labels() -> dict[str, str]:
    return {"citizen": _("applicant"), "staff": _("staff"), "system": _("system")}


def action_labels() -> dict[str, str]:
    """Audit actions; an action added later without a label shows its code."""
    return {
        "submitted": _("submitted"),
        "withdrawn": _("withdrawn"),
        "viewed": _("opened the card"),
        "pdf": _("printed the PDF"),
        "found": _("found in a search"),
        "exported": _("exported to XLSX"),
        "status": _("status changed"),
    }


def label(labels: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return labels.get(code, code)


def benefit_amount(line: BenefitLine) -> str:
    """"15 MCI = 29 730 ₸", "up to 300 MCI = up to 594 600 ₸", "3 MCI × 2 = 11 892 ₸",
    with the period for monthly payments."""
    if line.persons > 1:
        amount = _("{mci} × {persons} = {kzt}").format(
            mci=mci(line.amount_mci), persons=line.persons, kzt=money(line.total_kzt))
    else:
        amount = _("{mci} = {kzt}").format(mci=mci(line.amount_mci), kzt=money(line.total_kzt))
    if line.up_to:
        amount = _("up to {amount}").format(amount=amount)
    if line.period == "monthly":
        if line.months:
            amount = _("{amount} a month, {months} months").format(
                amount=amount, months=line.months)
        else:
            amount = _("{amount} a month").format(amount=amount)
    return amount


def document_name(line: ChecklistLine, lang: str) -> str:
    """"identity document (p. 13.1)"."""
    name = line.name.get(lang)
    return _("{name} (p. {cite})").format(name=name, cite=line.cite) if line.cite else name


def ceiling_note() -> str:
    return _("ceiling: the commission fixes the amount (p. 11)")


def identity(iin: str | None, birth_date: date | None) -> str:
    """Appendix 1 asks for the date of birth or the IIN: the IIN when there is one."""
    if iin:
        return iin
    return day(birth_date) if birth_date is not None else "—"
