"""The result of a check on one printed page: the same texts as the chat (no second wording),
without their HTML and emoji, in the citizen's language.

Only what the citizen answered and what the decision says: no name, no IIN, no phone.
"""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.places import Places
from bot.rules import Calendar, Result, Ruleset
from bot.services.law import can_apply
from bot.services.pdf import PdfDocument
from bot.training import MARK
from handlers.formatting import current_locale, day, plain
from handlers.screening.answers import Answers
from handlers.screening.result import (
    amount_text,
    checklist_text,
    cite,
    exclusion_line,
    summary_text,
    when_text,
)

# Font sizes tried in turn until everything fits on one page.
SIZES = (10, 9, 8, 7)


def result_pdf(result: Result, answers: Answers, ruleset: Ruleset, clock: Clock,
               calendar: Calendar, places: Places) -> bytes:
    today = clock.today()
    live = can_apply(ruleset, today)

    def build(size: int) -> PdfDocument:
        doc = PdfDocument(title=_("Result of the check"), lang=current_locale(),
                          created=clock.now())
        if size == SIZES[-1]:
            # The smallest type and still too long: the tail is cut rather than a second page.
            doc.pdf.set_auto_page_break(auto=False)
        _render(doc, size, result, answers, ruleset, today, calendar, places, live,
                training=clock.training)
        return doc

    return next(doc for doc in map(build, SIZES) if doc.pages == 1).output()


def _render(doc: PdfDocument, size: int, result: Result, answers: Answers, ruleset: Ruleset,
            today: date, calendar: Calendar, places: Places, live: bool, *,
            training: bool) -> None:
    lang = current_locale()

    def text(block: str, align: str = "L") -> None:
        doc.paragraph(doc.printable(plain(block)), size=size, align=align)

    doc.heading(_("Result of the check"), size=size + 4)
    text(places.department.name.get(lang), align="C")
    if training:
        text(_(MARK).format(date=day(today)), align="C")
    doc.spacer(1)
    text(summary_text(result, answers, ruleset, today=today, calendar=calendar,
                      places=places, paper=True))
    if result.benefits:
        doc.subheading(_("Each kind of assistance"))
        rows = [[b.title.get(lang), plain(amount_text(g)), plain(when_text(g)),
                 plain(cite(ruleset, b.cite))]
                for g in result.benefits for b in (g.benefit,)]
        doc.table([_("Benefit"), _("Amount"), _("When"), _("Paragraph")], rows,
                  widths=(72, 40, 35, 30), size=size - 1)
    if result.excluded and result.benefits:  # with nothing granted, the summary lists them
        doc.subheading(_("Not granted, and why"))
        text("\n".join(exclusion_line(e, result, answers, ruleset, calendar)
                       for e in result.excluded))
    if result.benefits:
        doc.spacer(1)
        text(checklist_text(result, ruleset, places, live=live, paper=True))
