"""DOCX import: paragraphs, headings, lists, tables, tracked changes, metadata, refusals.

Every .docx here is written part by part with zipfile, so each test shows the OOXML it feeds.
"""

from __future__ import annotations

import datetime
import io
import random
import zipfile
from pathlib import Path

import pytest

from annotator.core.errors import ImportRefused
from annotator.core.importers import DateCertainty, read_document, read_text_file
from annotator.core.segment import segment
from tests.growth import unpacked_bytes

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
STYLES = (
    f"<w:styles {W}>"
    '<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
    '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="BriefHeading"><w:name w:val="Brief Heading"/>'
    '<w:basedOn w:val="Heading2"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/>'
    "</w:style>"
    '<w:style w:type="character" w:styleId="Heading1Char"><w:name w:val="Heading 1 Char"/>'
    "</w:style></w:styles>"
)
CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/">'
    "<dc:title>Houthi Maritime Campaign</dc:title><dc:creator>Jane Analyst</dc:creator>"
    "<dcterms:created>2024-02-01T10:00:00Z</dcterms:created></cp:coreProperties>"
)


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def para(*content: str, style: str | None = None, numbered: bool = False) -> str:
    properties = f'<w:pStyle w:val="{style}"/>' if style else ""
    if numbered:
        properties += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
    inner = "".join(item if item.startswith("<") else run(item) for item in content)
    return f"<w:p><w:pPr>{properties}</w:pPr>{inner}</w:p>"


def document_xml(*blocks: str) -> str:
    return f'<?xml version="1.0"?><w:document {W}><w:body>{"".join(blocks)}</w:body></w:document>'


def docx_bytes(document: str, parts: dict[str, str | bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": RELS,
        "word/document.xml": document,
        "word/styles.xml": STYLES,
        "docProps/core.xml": CORE,
        **(parts or {}),
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


TABLE = (
    "<w:tbl><w:tblPr/>"
    "<w:tr><w:tc>" + para("Month") + "</w:tc><w:tc>" + para("Attacks") + "</w:tc>"
    "<w:tc>" + para("Source") + "</w:tc></w:tr>"
    "<w:tr><w:tc>" + para("January") + "</w:tc><w:tc>" + para("12") + "</w:tc>"
    "<w:tc><w:p/></w:tc></w:tr>"
    "<w:tr><w:tc>"
    + para("Total, ", "first")
    + para("quarter")
    + "</w:tc><w:tc>"
    + para("40")
    + "</w:tc></w:tr></w:tbl>"
)
BRIEFING = document_xml(
    para("Houthi Maritime Campaign", style="Title"),
    para("Defense Intelligence Agency"),
    para("Key Findings", style="Heading1"),
    para("Attacks rose sharply in early 2024.", numbered=True),
    para("Insurance costs doubled.", numbered=True),
    para("Traffic through the strait fell by half.", style="ListBullet"),
    para(
        "The group ",
        "<w:ins><w:r><w:t>reportedly </w:t></w:r></w:ins>",
        "<w:del><w:r><w:delText>never </w:delText></w:r></w:del>",
        "struck",
        "<w:r><w:tab/></w:r>",
        "<w:r><w:t>ships</w:t><w:br/><w:t>near </w:t></w:r>",
        '<w:hyperlink r:id="rId9" xmlns:r="urn:r">' + run("Aden") + "</w:hyperlink>",
        ".",
        '<w:r><w:footnoteReference w:id="1"/></w:r>',
    ),
    para("Assessment", style="BriefHeading"),
    para(
        "Ships avoid the Bab el",
        "<w:r><w:noBreakHyphen/><w:t>Mandeb; ship</w:t><w:softHyphen/><w:t>ping</w:t></w:r>",
        " is down 40",
        '<w:r><w:sym w:font="Symbol" w:char="F025"/></w:r>',
        " at 30",
        '<w:r><w:sym w:font="Symbol" w:char="F0B0"/></w:r>',
        " north.",
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden note.</w:t></w:r>",
    ),
    TABLE,
    para(
        "See ",
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://x" </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        "the annex",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        ".",
        '<w:r><mc:AlternateContent xmlns:mc="urn:mc"><mc:Choice><w:drawing><w:txbxContent>'
        + para("Text box.")
        + "</w:txbxContent></w:drawing></mc:Choice></mc:AlternateContent></w:r>",
    ),
    para("Before the break.", '<w:r><w:br w:type="page"/></w:r>', "After the break."),
    '<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:numId w:val="0"/></w:numPr>'
    "</w:pPr>" + run("Indented, not a list item.") + "</w:p>",
    "<w:sdt><w:sdtContent>" + para("Inside a content control.") + "</w:sdtContent></w:sdt>",
    "<w:p/>",
    '<w:sectPr><w:pgSz w:w="12240"/></w:sectPr>',
)
BRIEFING_TEXT = """\
Houthi Maritime Campaign

Defense Intelligence Agency

Key Findings

- Attacks rose sharply in early 2024.
- Insurance costs doubled.
- Traffic through the strait fell by half.

The group reportedly struck ships near Aden.

Assessment

Ships avoid the Bab el-Mandeb; shipping is down 40% at 30° north.

Month | Attacks | Source
January | 12
Total, first quarter | 40

See the annex.

Before the break.

After the break.

Indented, not a list item.

Inside a content control.
"""


def test_docx_text_and_structure(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "brief.docx", docx_bytes(BRIEFING)))
    assert (document.source_format, document.source_name) == ("docx", "brief.docx")
    assert document.text == BRIEFING_TEXT


def test_docx_metadata_hints(tmp_path: Path) -> None:
    metadata = read_document(write(tmp_path, "brief.docx", docx_bytes(BRIEFING))).metadata
    assert metadata.title == "Houthi Maritime Campaign"
    assert metadata.issuer == "Defense Intelligence Agency"  # the text beats dc:creator
    assert metadata.published == datetime.date(2024, 2, 1)  # no date in the text
    assert metadata.date_certainty is DateCertainty.AMBIGUOUS


def test_docx_creator_and_company_are_fallback_issuers(tmp_path: Path) -> None:
    body = document_xml(para("3 May 2024"), para("Shipping traffic fell sharply."))
    app = '<Properties xmlns="urn:app"><Company>Maritime Analysis Cell</Company></Properties>'
    with_company = docx_bytes(body, {"docProps/app.xml": app})
    document = read_document(write(tmp_path, "a.docx", with_company))
    assert document.metadata.issuer == "Maritime Analysis Cell"
    assert document.metadata.published == datetime.date(2024, 5, 3)
    assert read_document(write(tmp_path, "b.docx", docx_bytes(body))).metadata.issuer == (
        "Jane Analyst"
    )


def test_segmenting_the_imported_docx_gives_sensible_units(tmp_path: Path) -> None:
    text = read_document(write(tmp_path, "brief.docx", docx_bytes(BRIEFING))).text
    units = [text[unit.start : unit.end] for unit in segment(text)]
    assert units[:6] == [
        "Houthi Maritime Campaign",
        "Defense Intelligence Agency",
        "Key Findings",
        "Attacks rose sharply in early 2024.",
        "Insurance costs doubled.",
        "Traffic through the strait fell by half.",
    ]
    assert "The group reportedly struck ships near Aden." in units


def test_styles_are_optional(tmp_path: Path) -> None:
    body = document_xml(para("Outlook", style="Heading1"), para("Item", style="ListBullet"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", body)
    document = read_document(write(tmp_path, "bare.docx", buffer.getvalue()))
    assert document.text == "Outlook\n\n- Item\n"


def test_strict_ooxml_namespace(tmp_path: Path) -> None:
    strict = BRIEFING.replace(
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    )
    styles = STYLES.replace(
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    )
    data = docx_bytes(strict, {"word/styles.xml": styles})
    assert read_document(write(tmp_path, "strict.docx", data)).text == BRIEFING_TEXT


def test_docx_content_wins_over_the_extension(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "brief.dat", docx_bytes(BRIEFING)))
    assert (document.source_format, document.text) == ("docx", BRIEFING_TEXT)


def test_segment_command_reader_still_refuses_docx(tmp_path: Path) -> None:
    path = write(tmp_path, "brief.docx", docx_bytes(BRIEFING))
    with pytest.raises(ImportRefused, match=r"^brief\.docx: Word \(\.docx\) file, not plain text"):
        read_text_file(path)


ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE w:document ['
    '<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {b} "{f"&{a};" * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + f"]><w:document {W}><w:body>"
    + para("&i;")
    + "</w:body></w:document>"
)


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"just some text", "not a Word .docx file (not a zip archive)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "password-protected Word file"),
        (b"PK\x03\x04 word/document.xml garbage", "is not a zip archive, or it is damaged"),
        (zip_of({"hello.txt": "hi"}), "not a Word document (no word/document.xml in the archive)"),
        (docx_bytes("<w:document><w:body>"), "word/document.xml: is not well-formed XML"),
        (docx_bytes(f"<x {W}/>"), "not a Word document (word/document.xml has no document body)"),
        (docx_bytes(ENTITY_BOMB), "word/document.xml: the XML declares a DTD or entities"),
        (docx_bytes(BRIEFING, {"../evil.xml": "<x/>"}), "points outside the archive"),
        (docx_bytes(document_xml("<w:p/>")), "no text found"),
        (
            docx_bytes(document_xml("<w:sdt>" * 5000 + para("Deep.") + "</w:sdt>" * 5000)),
            "word/document.xml is nested too deeply to read",
        ),
    ],
)
def test_bad_docx_files_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(ImportRefused) as excinfo:
        read_document(write(tmp_path, "memo.docx", content))
    message = str(excinfo.value)
    assert message.startswith("memo.docx: ")
    assert reason in message
    assert message.endswith("; nothing imported")


def test_zip_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", BRIEFING)
        with archive.open("word/media/zeros.bin", "w") as member:
            for _ in range(200):
                member.write(bytes(1024 * 1024))
    with unpacked_bytes() as unpacked, pytest.raises(
        ImportRefused, match=r"^bomb\.docx: .*zip bomb\?\); nothing imported$"
    ):
        read_document(path)
    assert unpacked[0] <= len(BRIEFING.encode("utf-8")), "refused only after unpacking the bomb"


def test_damaged_docx_files_import_or_are_refused(tmp_path: Path) -> None:
    data = docx_bytes(BRIEFING)
    samples = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 30))]
    generator = random.Random(11)
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(generator.randint(1, 6)):
            mutated[generator.randrange(len(mutated))] = generator.randrange(256)
        samples.append(bytes(mutated))
    path = tmp_path / "cut.docx"
    for sample in samples:
        path.write_bytes(sample)
        try:
            document = read_document(path)
        except ImportRefused as error:
            assert str(error).startswith("cut.docx: ")
        else:
            assert document.text.strip()
