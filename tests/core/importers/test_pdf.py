"""PDF import: text layer, paragraphs, furniture, hyphenation, refusals, metadata.

PDFs are drawn in the test with Qt's QPdfWriter (72 dpi, so one unit is one point; y grows
downwards on the page); layout rules are also pinned on synthetic runs without Qt.
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from annotator.core.errors import ImportRefused
from annotator.core.importers import DateCertainty, read_document, read_text_file
from annotator.core.importers.pdf import convert_pdf
from annotator.core.importers.pdf_layout import Run, build_text
from annotator.core.segment import segment
from tests.growth import Repeat, assert_linear


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the top of the page
    text: str
    size: int = 11
    bold: bool = False


def draw_pdf(path: Path, pages: list[list[Text]], *, title: str = "") -> Path:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFont, QFontDatabase, QPageSize, QPainter, QPdfWriter

    if not QFontDatabase.families():
        pytest.skip("Qt finds no fonts here, so it cannot draw PDF text")
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(72)
    writer.setTitle(title)
    painter = QPainter(writer)
    for number, items in enumerate(pages):
        if number:
            writer.newPage()
        for item in items:
            font = QFont("DejaVu Sans")
            font.setPixelSize(item.size)
            font.setBold(item.bold)
            painter.setFont(font)
            painter.drawText(QPointF(item.x, item.y), item.text)
    painter.end()
    return path


def body(top: float, *lines: str, x: float = 50, pitch: float = 14) -> list[Text]:
    return [Text(x, top + pitch * index, line) for index, line in enumerate(lines)]


def furniture(number: int, count: int, running_title: bool) -> list[Text]:
    items = [Text(50, 40, "Maritime Review | UNCLASSIFIED", 9)]
    if running_title:
        items.append(Text(50, 52, "Red Sea Shipping Outlook", 9))
    return [*items, Text(280, 800, f"Page {number} of {count}", 9)]


BRIEFING_PAGES = [
    [
        Text(50, 90, "Red Sea Shipping Outlook", 18, bold=True),
        Text(50, 115, "March 4, 2024"),
        Text(50, 150, "Key Judgments", bold=True),
        Text(50, 170, "• Attacks on commercial ships rose sharply in the first quarter of"),
        Text(60, 184, "2024, forcing major carriers onto longer routes."),
        Text(50, 198, "• Insurance premiums doubled."),
        *body(
            226,
            "Houthi forces launched more than forty missile and drone attacks on inter-",
            "national shipping between November and February, according to the well-",
            "known monitoring group, and most carriers now avoid the Bab el-Mandeb",
            "strait entirely.",
        ),
        *body(296, "Since then the largest container lines and many tanker operators have"),
    ],
    [
        *body(
            90,
            "rerouted around the Cape of Good Hope, a well-known detour that adds ten",
            "to fourteen days to each voyage between Asia and Europe.",
        ),
        Text(50, 132, "Outlook", bold=True),
        *body(
            152,
            "We assess that attacks will probably continue while the conflict in Gaza",
            "lasts. Freight rates may stay high through the summer.",
        ),
    ],
    [
        *body(
            90,
            "Naval escorts have reduced but not ended the threat to merchant ships in",
            "the southern Red Sea.",
        ),
    ],
]
BRIEFING_TEXT = """\
Red Sea Shipping Outlook

March 4, 2024

Key Judgments

- Attacks on commercial ships rose sharply in the first quarter of 2024, forcing major \
carriers onto longer routes.
- Insurance premiums doubled.

Houthi forces launched more than forty missile and drone attacks on international shipping \
between November and February, according to the well-known monitoring group, and most \
carriers now avoid the Bab el-Mandeb strait entirely.

Since then the largest container lines and many tanker operators have rerouted around the \
Cape of Good Hope, a well-known detour that adds ten to fourteen days to each voyage between \
Asia and Europe.

Outlook

We assess that attacks will probably continue while the conflict in Gaza lasts. Freight \
rates may stay high through the summer.

Naval escorts have reduced but not ended the threat to merchant ships in the southern Red Sea.
"""


@pytest.fixture
def briefing_pdf(qapp: object, tmp_path: Path) -> Path:
    count = len(BRIEFING_PAGES)
    pages = [
        [*furniture(number, count, running_title=number > 1), *items]
        for number, items in enumerate(BRIEFING_PAGES, start=1)
    ]
    return draw_pdf(tmp_path / "outlook.pdf", pages, title="Red Sea Shipping Outlook")


def test_multi_page_briefing_becomes_clean_paragraphs(briefing_pdf: Path) -> None:
    document = read_document(briefing_pdf)
    assert (document.source_format, document.source_name) == ("pdf", "outlook.pdf")
    assert document.text == BRIEFING_TEXT
    assert document.metadata.title == "Red Sea Shipping Outlook"
    assert document.metadata.published == datetime.date(2024, 3, 4)  # the text beats the file
    assert document.metadata.date_certainty is DateCertainty.EXACT


def test_segmenting_the_imported_pdf_gives_sensible_units(briefing_pdf: Path) -> None:
    text = read_document(briefing_pdf).text
    units = [text[unit.start : unit.end] for unit in segment(text)]
    assert units[:4] == [
        "Red Sea Shipping Outlook",
        "March 4, 2024",
        "Key Judgments",
        "Attacks on commercial ships rose sharply in the first quarter of 2024, forcing major "
        "carriers onto longer routes.",
    ]
    assert (
        "We assess that attacks will probably continue while the conflict in Gaza lasts." in units
    )
    assert "Freight rates may stay high through the summer." in units
    assert not any("Page" in unit or "UNCLASSIFIED" in unit for unit in units)


def test_line_end_hyphens(qapp: object, tmp_path: Path) -> None:
    lines = [
        "The report cites the inter-",
        "national coalition, a U.S.-",
        "led task force and the state-of-the-",
        "art sensors of the Euro-",
        "pean Union, whose COVID-",
        "19 rules and so-called rules of en-",
        "gagement differ from the self-",
        "declared blockade of the self-declared authorities.",
    ]
    document = read_document(draw_pdf(tmp_path / "hyphens.pdf", [body(60, *lines)]))
    assert document.text == (
        "The report cites the international coalition, a U.S.-led task force and the "
        "state-of-the-art sensors of the European Union, whose COVID-19 rules and so-called "
        "rules of engagement differ from the self-declared blockade of the self-declared "
        "authorities.\n"
    )


def test_page_numbers_go_even_in_short_documents_but_headers_need_three_pages(
    qapp: object, tmp_path: Path
) -> None:
    pages = [
        [Text(50, 40, "Annex"), *body(80, "The first page ends here."), Text(280, 800, "- 1 -")],
        [Text(50, 40, "Annex"), *body(80, "The second page ends here."), Text(280, 800, "2")],
    ]
    document = read_document(draw_pdf(tmp_path / "annex.pdf", pages))
    assert document.text == (
        "Annex\n\nThe first page ends here.\n\nAnnex\n\nThe second page ends here.\n"
    )


def test_scanned_pdf_without_text_layer_is_refused(qapp: object, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter

    path = tmp_path / "scan.pdf"
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(writer)
    painter.drawImage(0, 0, image)
    painter.end()
    with pytest.raises(ImportRefused) as excinfo:
        read_document(path)
    assert str(excinfo.value) == "scan.pdf: no text layer (scanned image?); nothing imported"


def hand_made_pdf(*lines: str) -> bytes:
    """A minimal one-page PDF with Helvetica text, written byte by byte."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body_text in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body_text}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out + trailer.encode()


def test_folder_named_like_a_pdf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "scans.pdf").mkdir()
    with pytest.raises(ImportRefused, match=r"^scans\.pdf: is a folder, not a file; nothing"):
        read_document(tmp_path / "scans.pdf")


def test_hand_made_pdf_imports(tmp_path: Path) -> None:
    path = tmp_path / "memo.pdf"
    path.write_bytes(hand_made_pdf("Hello analysts.", "Second line here."))
    assert read_document(path).text == "Hello analysts. Second line here.\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "damaged or incomplete PDF"),
        (b"%PDF-1.4\n%%EOF\n", "damaged or incomplete PDF"),
        (b"actually a text file", "not a PDF file (no %PDF header)"),
        (b"<html><body>Error 404</body></html>", "not a PDF file (no %PDF header)"),
    ],
)
def test_garbage_pdfs_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as excinfo:
        read_document(path)
    message = str(excinfo.value)
    assert message.startswith(f"report.pdf: {reason}")
    assert message.endswith("; nothing imported")
    assert "\n" not in message


def test_text_layer_without_unicode_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(hand_made_pdf("Hello analysts.").replace(b"/F1 12 Tf", b"/F9 12 Tf"))
    with pytest.raises(ImportRefused, match=r"^glyphs\.pdf: the text layer cannot be read"):
        read_document(path)


def test_truncated_and_mutated_pdfs_import_or_are_refused(briefing_pdf: Path) -> None:
    data = briefing_pdf.read_bytes()
    samples = [data[:cut] for cut in range(16, len(data), max(1, len(data) // 40))]
    generator = random.Random(7)
    for _ in range(60):
        mutated = bytearray(hand_made_pdf("Some text.", "More text."))
        for _ in range(generator.randint(1, 8)):
            mutated[generator.randrange(9, len(mutated))] = generator.randrange(256)
        samples.append(bytes(mutated))
    for sample in samples:
        try:
            document = convert_pdf(sample, "cut.pdf")
        except ImportRefused as error:
            assert str(error).startswith("cut.pdf: ")
            assert "\n" not in str(error)
        else:
            assert document.text.strip()


def encrypted_copy(source: Path, target: Path, user_password: str) -> Path:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    with target.open("wb") as stream:
        writer.write(stream)
    return target


def test_password_protected_pdf_is_refused(briefing_pdf: Path, tmp_path: Path) -> None:
    path = encrypted_copy(briefing_pdf, tmp_path / "locked.pdf", "secret")
    with pytest.raises(ImportRefused) as excinfo:
        read_document(path)
    assert str(excinfo.value) == (
        "locked.pdf: password-protected PDF (save an unprotected copy to import it); "
        "nothing imported"
    )


def test_pdf_with_only_an_owner_password_imports(briefing_pdf: Path, tmp_path: Path) -> None:
    path = encrypted_copy(briefing_pdf, tmp_path / "restricted.pdf", "")
    assert read_document(path).text == BRIEFING_TEXT


def with_metadata(source: Path, target: Path, fields: dict[str, str]) -> Path:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
    writer.add_metadata(fields)
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def test_pdf_metadata_hints(qapp: object, tmp_path: Path) -> None:
    plain = draw_pdf(tmp_path / "plain.pdf", [body(60, "Shipping traffic fell sharply.")])
    document = read_document(
        with_metadata(
            plain,
            tmp_path / "memo.pdf",
            {
                "/Title": "Microsoft Word - Suez Traffic Memo.docx",
                "/Author": "jdoe",
                "/Company": "Maritime Analysis Cell",
                "/CreationDate": "D:20230102093000+01'00'",
            },
        )
    )
    metadata = document.metadata
    assert metadata.title == "Suez Traffic Memo"
    assert metadata.issuer == "Maritime Analysis Cell"
    assert metadata.published == datetime.date(2023, 1, 2)
    assert metadata.date_certainty is DateCertainty.AMBIGUOUS
    assert metadata.date_note is not None and "creation date" in metadata.date_note


def test_placeholder_pdf_title_and_login_author_are_ignored(qapp: object, tmp_path: Path) -> None:
    plain = draw_pdf(tmp_path / "plain.pdf", [body(60, "Shipping traffic fell sharply.")])
    fields = {"/Title": "Document1", "/Author": "Administrator"}
    document = read_document(with_metadata(plain, tmp_path / "memo.pdf", fields))
    assert document.metadata.title != "Document1"
    assert document.metadata.issuer is None


def test_pdf_content_wins_over_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "saved.txt"
    path.write_bytes(hand_made_pdf("Hello analysts."))
    document = read_document(path)
    assert (document.source_format, document.text) == ("pdf", "Hello analysts.\n")


def test_segment_command_reader_still_refuses_pdf(tmp_path: Path) -> None:
    path = tmp_path / "memo.pdf"
    path.write_bytes(hand_made_pdf("Hello analysts."))
    with pytest.raises(ImportRefused, match=r"^memo\.pdf: PDF file, not plain text \(import it"):
        read_text_file(path)


# ----- layout rules on synthetic runs (PDF points, y growing upwards as in PDF space)


def page(*lines: tuple[float, float, str], size: float = 10, bold: bool = False) -> list[Run]:
    return [Run(text, x, y, size, bold, 0, index > 0) for index, (x, y, text) in enumerate(lines)]


def column(x: float, top: float, *texts: str, pitch: float = 12) -> list[tuple[float, float, str]]:
    return [(x, top - pitch * index, text) for index, text in enumerate(texts)]


FULL = "a line of ordinary body text that fills the whole width of the column"
# Six full lines let the layout learn what a full line is (short lines end paragraphs).
OPENING = [f"{FULL} one", f"{FULL} two", f"{FULL} three", f"{FULL} four", f"{FULL} five."]
OPENING_TEXT = " ".join(OPENING)


def test_first_line_indent_starts_a_paragraph() -> None:
    lines = [*column(72, 700, *OPENING), (90, 640, f"Indented {FULL}"), (72, 628, f"{FULL}.")]
    assert build_text([page(*lines)]) == f"{OPENING_TEXT}\n\nIndented {FULL} {FULL}.\n"


def test_short_line_ends_a_paragraph() -> None:
    lines = column(72, 700, *OPENING, "It ends.", f"Next {FULL}", f"{FULL}.")
    assert build_text([page(*lines)]) == f"{OPENING_TEXT} It ends.\n\nNext {FULL} {FULL}.\n"


def test_short_capitalised_line_without_a_stop_is_its_own_line() -> None:
    lines = column(72, 700, *OPENING, "Background", f"The {FULL}", f"{FULL}.")
    assert build_text([page(*lines)]) == f"{OPENING_TEXT}\n\nBackground\n\nThe {FULL} {FULL}.\n"


def test_paragraph_continues_across_a_page_only_mid_sentence() -> None:
    first = page(*column(72, 700, *OPENING, f"{FULL} and the"))
    second = page(*column(72, 700, f"sentence {FULL}", "ends.", f"New {FULL}", f"{FULL}."))
    third = page(*column(72, 700, f"Capital {FULL}", f"{FULL} at last."))
    assert build_text([first, second, third]) == (
        f"{OPENING_TEXT} {FULL} and the sentence {FULL} ends.\n\nNew {FULL} {FULL}.\n\n"
        f"Capital {FULL} {FULL} at last.\n"
    )


def test_numbers_and_dashes_start_items_only_after_a_finished_line() -> None:
    lines = column(
        72, 700, f"{FULL} on March", f"12. {FULL} ends:", "1. first item", "2. second item"
    )
    assert build_text([page(*lines)]) == (
        f"{FULL} on March 12. {FULL} ends:\n\n1. first item\n2. second item\n"
    )


def test_larger_text_is_a_heading_and_rotated_text_is_dropped() -> None:
    runs = [
        Run("Situation Report", 72, 740, 16, False, 0, False),
        Run("DRAFT", 200, 400, 40, False, -1, True),
        *page(*column(72, 700, f"{FULL} ends.", f"{FULL} also ends.")),
    ]
    assert build_text([runs]) == f"Situation Report\n\n{FULL} ends. {FULL} also ends.\n"


def test_wrapped_heading_is_joined_but_stacked_headings_are_not() -> None:
    headings = [
        Run("A long heading that wraps across the width of", 72, 760, 14, True, 0, True),
        Run("two lines", 72, 744, 14, True, 0, True),
        Run("Key Judgments", 72, 720, 14, True, 0, True),
        Run("Iran", 72, 704, 14, True, 0, True),
    ]
    text = build_text([[*headings, *page(*column(72, 680, *OPENING, "Six."))]])
    assert text == (
        "A long heading that wraps across the width of two lines\n\nKey Judgments\n\nIran\n\n"
        f"{OPENING_TEXT} Six.\n"
    )


def test_table_of_contents_entries_stay_on_their_own_lines() -> None:
    lines = column(72, 700, "1 Introduction . . . . . . . . . 1", "2 Outlook . . . . . . . . . 4")
    assert build_text([page(*lines)]) == (
        "1 Introduction . . . . . . . . . 1\n\n2 Outlook . . . . . . . . . 4\n"
    )


def test_ligatures_soft_hyphens_and_lone_surrogates_are_cleaned() -> None:
    lines = column(72, 700, "The ofﬁcial con\xad", "firmed the eﬀect\ud800.")
    assert build_text([page(*lines)]) == "The official confirmed the effect.\n"


def test_no_runs_give_no_text() -> None:
    assert build_text([[], []]) == ""


@pytest.mark.parametrize(
    "hostile",
    [
        Repeat("a", 300_000, tail="-"),
        Repeat(". ", 150_000, tail="1"),
        Repeat("a-", 150_000),
        Repeat("x", 300_000, head="•"),
    ],
)
def test_layout_is_linear_on_huge_lines(hostile: Repeat) -> None:
    def runs(scale: float) -> list[Run]:
        return [
            Run(hostile(scale), 72, 700, 10, False, 0, False),
            Run(Repeat("b", 300_000)(scale), 72, 688, 10, False, 0, True),
        ]

    assert build_text([runs(1.0)])
    assert_linear(lambda page: build_text([page]), runs)
