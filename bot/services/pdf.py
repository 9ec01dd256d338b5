"""A small A4 document builder over fpdf2 with a bundled Unicode font.

Generic on purpose: the application PDF (`bot/services/application_pdf.py`) is one layout on
it, and a one-page printout of a screening result can be another. DejaVu Sans ships inside
the package (`fonts/`, with its licence), so Kazakh letters (ә ғ қ ң ө ұ ү һ і) render on a
machine with no fonts installed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

# fpdf2 names the characters a font lacks (an emoji in a description, say): that is what
# a citizen typed, and it stays out of the logs.
logging.getLogger("fpdf.output").setLevel(logging.ERROR)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
_REGULAR = FONTS_DIR / "DejaVuSans.ttf"
_BOLD = FONTS_DIR / "DejaVuSans-Bold.ttf"

BODY_SIZE = 10
SMALL_SIZE = 8


class PdfDocument:
    """Headings, paragraphs, label/value fields, tables and signature lines, top to bottom."""

    def __init__(self, *, title: str, lang: str = "kk", created: datetime | None = None) -> None:
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(left=18, top=15, right=15)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_font(FONT, "", str(_REGULAR))
        pdf.add_font(FONT, "B", str(_BOLD))
        pdf.set_title(title)
        pdf.set_lang(lang)
        if created is not None:  # the caller's clock, so the file says the same day as the page
            pdf.set_creation_date(created)
        pdf.add_page()
        pdf.set_font(FONT, size=BODY_SIZE)
        self.pdf = pdf

    @property
    def width(self) -> float:
        """The usable width between the margins, mm."""
        return float(self.pdf.epw)

    def heading(self, text: str, *, size: int = 14, align: str = "C") -> None:
        self._line(text, size=size, bold=True, align=align, gap=2)

    def subheading(self, text: str) -> None:
        self.pdf.ln(2)
        self._line(text, size=BODY_SIZE + 1, bold=True, align="L", gap=1)

    def paragraph(self, text: str, *, size: int = BODY_SIZE, bold: bool = False,
                  align: str = "L") -> None:
        self._line(text, size=size, bold=bold, align=align, gap=1)

    def fields(self, pairs: Sequence[tuple[str, str]], *, label_width: float = 55) -> None:
        """Label in bold on the left, value on the right; long values wrap."""
        pdf = self.pdf
        # Lines are measured in the table's font: bold, so a bold label never runs over.
        pdf.set_font(FONT, "B", BODY_SIZE)
        with pdf.table(
            col_widths=(label_width, self.width - label_width),
            borders_layout="NONE",
            first_row_as_headings=False,
            line_height=5,
            text_align="LEFT",
            padding=0.5,
        ) as table:
            for label, value in pairs:
                row = table.row()
                row.cell(self._wrapped(label, label_width - 4))
                row.cell(value or "—", style=_REGULAR_FACE)
        pdf.set_font(FONT, "", BODY_SIZE)
        pdf.ln(1)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float] | None = None, *, size: int = SMALL_SIZE + 1) -> None:
        """A bordered table whose cells wrap; the header repeats on a new page."""
        pdf = self.pdf
        pdf.set_font(FONT, "", size)
        pdf.ln(1)
        with pdf.table(
            col_widths=tuple(widths) if widths else None,
            line_height=1.6 * size * 0.3528,  # 1.6 lines of `size` points, in mm
            text_align="LEFT",
            headings_style=_bold_style(),
            repeat_headings=1,
        ) as table:
            head = table.row()
            for text in header:
                head.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text or "—")
        pdf.ln(2)

    def signature_line(self, label: str, *, date_label: str | None = None) -> None:
        """A blank to sign by hand, and a date blank when asked for."""
        pdf = self.pdf
        pdf.ln(5)
        pdf.set_font(FONT, "", BODY_SIZE)
        pdf.multi_cell(self.width, 7, f"{label}: ____________________  ____________________",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if date_label:
            pdf.multi_cell(self.width, 7, f"{date_label}: «____» ______________ 20____",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _wrapped(self, text: str, width: float) -> str:
        """``text`` broken into lines of at most ``width`` mm in the current font (fpdf2's
        table measures a cell a little wider than it draws it)."""
        lines = self.pdf.multi_cell(width, 5, text, dry_run=True,
                                    output=MethodReturnValue.LINES)
        return "\n".join(lines) if isinstance(lines, list) else text

    def printable(self, text: str) -> str:
        """``text`` without the characters the font has no glyph for (the emoji of a chat
        text), each with the space after it, so a line does not start with a gap."""
        font = self.pdf.fonts[FONT.lower()]
        cmap = font.cmap if isinstance(font, TTFFont) else {}
        kept: list[str] = []
        dropped = False
        for ch in text:
            if (ch != "\n" and ord(ch) not in cmap) or (dropped and ch == "\ufe0f"):
                dropped = True
                continue
            if not (dropped and ch == " "):
                kept.append(ch)
            dropped = False
        return "".join(kept)

    @property
    def pages(self) -> int:
        return int(self.pdf.pages_count)

    def spacer(self, mm: float = 3) -> None:
        self.pdf.ln(mm)

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def _line(self, text: str, *, size: int, bold: bool, align: str, gap: float) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.multi_cell(self.width, size * 0.5, text, align=align,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)
        pdf.set_font(FONT, "", BODY_SIZE)


_REGULAR_FACE = FontFace(family=FONT, emphasis="")


def _bold_style() -> FontFace:
    return FontFace(family=FONT, emphasis="BOLD")
