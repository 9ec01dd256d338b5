"""The application PDF, the card text and the XLSX export, rendered from a hand-built view."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdfium2
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.services.application_pdf import application_pdf
from bot.services.export import export_xlsx
from bot.services.pdf import FONTS_DIR
from bot.services.staff_card import card_messages
from tests.staff.views import in_locale, sample_view

PRINTED = datetime(2015, 6, 1, 9, 30, tzinfo=UTC)
KAZAKH_LETTERS = "ә ғ қ ң ө ұ ү һ і"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \t]+", " ", text)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_pdf_has_every_field_with_kazakh_letters(lang: str) -> None:
    view = sample_view()
    with in_locale(lang):
        data = application_pdf(view, printed=PRINTED)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for field in (
        "SZ-2015-000042", "Әлиева Гүлнұр Қайратқызы", "850101400129", "+77011234567",
        view.settlement.get(lang), "Абай көшесі, 12",  # type: ignore[union-attr]
        "Әлиев Қанат Серікұлы", "830202300127", "Әлиева Айгүл Қанатқызы", "Әлиев Ұлан",
        "9.11", "9.6", "594", "29", "13.4", KAZAKH_LETTERS,
    ):
        assert field in text, field
    for benefit in view.benefits:
        assert benefit.title.get(lang)[:20] in text.replace("\n", " ")
    for line in view.checklist:
        assert line.name.get(lang)[:15] in text.replace("\n", " ")


def test_pdf_first_page_renders_with_ink() -> None:
    with in_locale("kk"):
        data = application_pdf(sample_view(), printed=PRINTED)
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=1).to_pil().convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 0.01 * image.width * image.height  # text and table lines, not a blank page


def test_the_font_and_its_licence_ship_with_the_package() -> None:
    assert (FONTS_DIR / "DejaVuSans.ttf").stat().st_size > 100_000
    assert "Bitstream" in (FONTS_DIR / "LICENSE").read_text()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_card_text_has_every_part(lang: str) -> None:
    view = sample_view()
    with in_locale(lang):
        text = "\n".join(card_messages(view))
    for part in ("SZ-2015-000042", "Әлиева Гүлнұр Қайратқызы", "850101400129",
                 "+77011234567", "9.11", "9.6", "594", "Әлиев Ұлан", "📎", "❌", "✅", "⚠️"):
        assert part in text, part
    assert text.count("⚠️") == len(view.flags)


def test_xlsx_has_a_row_per_application_and_members_on_the_second_sheet() -> None:
    first = sample_view()
    second = sample_view(id=8, reference="SZ-2015-000043", members=(), members_count=1,
                         iin="010203500123")
    with in_locale("ru"):
        data = export_xlsx([first, second])
    book = load_workbook(io.BytesIO(data))
    applications, members = book.worksheets
    rows = list(applications.iter_rows(values_only=True))
    assert len(rows) == 3
    assert [r[0] for r in rows[1:]] == ["SZ-2015-000042", "SZ-2015-000043"]
    assert "010203500123" in rows[2]  # an IIN stays text with its leading zero
    member_rows = list(members.iter_rows(values_only=True))
    assert [r[0] for r in member_rows[1:]] == ["SZ-2015-000042"] * 3
    assert "Әлиев Ұлан" in [r[2] for r in member_rows[1:]]
