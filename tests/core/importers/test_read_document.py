"""read_document: dispatch on the extension, sniffing, refusals, metadata hints, fuzzing."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportRefused
from annotator.core.importers import (
    SUPPORTED_SUFFIXES,
    DateCertainty,
    ImportedDocument,
    decode_bytes,
    guess_metadata,
    read_document,
)
from annotator.core.importers.html import convert_html
from annotator.core.importers.markdown import convert_markdown
from annotator.core.text import text_sha256


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_supported_suffixes() -> None:
    expected = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx"}
    assert isinstance(SUPPORTED_SUFFIXES, frozenset)
    assert set(SUPPORTED_SUFFIXES) == expected


@pytest.mark.parametrize(
    ("name", "source_format", "text"),
    [
        ("a.txt", "txt", "# Not a heading **kept**\n"),
        ("a.TEXT", "txt", "# Not a heading **kept**\n"),
        ("a.md", "md", "Not a heading kept\n"),
        ("a.markdown", "md", "Not a heading kept\n"),
        ("a.html", "html", "# Not a heading **kept**\n"),
        ("a.htm", "html", "# Not a heading **kept**\n"),
        ("a.xhtml", "html", "# Not a heading **kept**\n"),
    ],
)
def test_dispatch_on_extension(tmp_path: Path, name: str, source_format: str, text: str) -> None:
    document = read_document(write(tmp_path, name, "# Not a heading **kept**\n"))
    assert (document.source_format, document.text, document.source_name) == (
        source_format, text, name,
    )  # fmt: skip


def test_source_name_has_no_directories(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "folder"
    folder.mkdir(parents=True)
    assert read_document(write(folder, "brief.txt", "Text.")).source_name == "brief.txt"


def test_unknown_extension_with_html_content_is_html(tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><body><h1>Saved</h1><p>Page text.</p></body></html>"
    document = read_document(write(tmp_path, "saved.php", page))
    assert (document.source_format, document.text) == ("html", "Saved\n\nPage text.\n")


def test_unknown_extension_html_sniffing_honours_meta_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="koi8-r"></head><body><p>Привет</p></body></html>'
    document = read_document(write(tmp_path, "saved.asp", page.encode("koi8_r")))
    assert document.text == "Привет\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "notes.csv",
            "notes.csv: unsupported file type ('.csv'; use .txt, .md, .html, .pdf or .docx)",
        ),
        (
            "README",
            "README: unsupported file type (no extension; use .txt, .md, .html, .pdf or .docx)",
        ),
    ],
)
def test_unknown_extension_with_text_is_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ImportRefused) as excinfo:
        read_document(write(tmp_path, name, "a,b\n1,2\n"))
    assert str(excinfo.value) == message + "; nothing imported"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        # PDF and Word content is recognised whatever the extension, then found damaged.
        ("report.pdf", b"%PDF-1.4\n...", "report.pdf: damaged or incomplete PDF"),
        ("report.pdf", b"actually text", "report.pdf: not a PDF file (no %PDF header)"),
        ("report.txt", b"%PDF-1.4\n...", "report.txt: damaged or incomplete PDF"),
        ("report.dat", b"%PDF-1.4\n...", "report.dat: damaged or incomplete PDF"),
        ("memo.docx", b"PK\x03\x04 word/document.xml", "memo.docx: is not a zip archive"),
        ("memo.txt", b"PK\x03\x04 word/document.xml", "memo.txt: is not a zip archive"),
        ("memo.docx", b"plain words", "memo.docx: not a Word .docx file (not a zip archive)"),
        ("memo.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "memo.doc: Word/Office 97-2003"),
        ("map.png", b"\x89PNG\r\n\x1a\n\x00", "map.png: binary file (PNG image, not text)"),
        ("map.html", b"\x89PNG\r\n\x1a\n\x00", "map.html: binary file (PNG image, not text)"),
        ("notes.md", b"text\x00\x00binary", "notes.md: binary file (not text)"),
    ],
)
def test_binary_and_unsupported_files_are_refused(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    with pytest.raises(ImportRefused) as excinfo:
        read_document(write(tmp_path, name, content))
    message = str(excinfo.value)
    assert message.startswith(expected)
    assert message.endswith("; nothing imported")


def test_refusals_apply_to_every_format(tmp_path: Path) -> None:
    for suffix in sorted(SUPPORTED_SUFFIXES):
        with pytest.raises(ImportRefused, match="empty file"):
            read_document(write(tmp_path, f"empty{suffix}", b""))
        with pytest.raises(ImportRefused, match="file not found"):
            read_document(tmp_path / f"missing{suffix}")
        with pytest.raises(ImportRefused, match="over the"):
            read_document(write(tmp_path, f"big{suffix}", b"x" * 200), max_bytes=100)


def test_markdown_with_only_markup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match=r"^rules\.md: no text found; nothing imported$"):
        read_document(write(tmp_path, "rules.md", "---\n\n***\n\n<!-- nothing -->\n"))


def test_front_matter_metadata_wins(tmp_path: Path) -> None:
    document = read_document(
        write(
            tmp_path,
            "brief.md",
            "---\ntitle: Declared Title\ndate: 3 March 2021\nlang: de\n---\n"
            "# Heading in Text\n\nMarch 1, 2021\n\nThe text of the brief is written in English.",
        )
    )
    metadata = document.metadata
    assert metadata.title == "Declared Title"
    assert metadata.published == datetime.date(2021, 3, 3)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.language == "de"


def test_declared_partial_date_does_not_replace_a_found_one(tmp_path: Path) -> None:
    document = read_document(
        write(tmp_path, "brief.md", "---\ndate: March 2021\n---\n# Title\n\n2 March 2021\n\nText.")
    )
    assert document.metadata.published == datetime.date(2021, 3, 2)


def test_markdown_metadata_from_text(tmp_path: Path) -> None:
    document = read_document(
        write(tmp_path, "brief.md", "# Maritime Outlook\n\n*Published: 2023-05-04*\n\nText.")
    )
    assert document.metadata.title == "Maritime Outlook"
    assert document.metadata.published == datetime.date(2023, 5, 4)


def test_result_types(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "a.txt", "Some text."))
    assert isinstance(document, ImportedDocument)
    assert document.metadata.date_certainty == "none"  # a StrEnum compares to its value
    assert document.sha256 == text_sha256("Some text.")


# ----- property tests: any bytes either import or are refused, never another exception

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MARKUP = st.lists(
    st.sampled_from(
        ["<", ">", "</", "<p>", "<br>", "<!--", "-->", "<![", "]]>", "&", "&#", ";", "<script>",
         "[", "](", ")", "!", "*", "_", "`", "#", "> ", "- ", "1. ", "|", "---", "\n", " ", "a",
         "é", "ب", "Thursday, September 7, 2017", "08/10/2004", "(16/9)", "\r\n", "\x00"]
    ),
    max_size=80,
).map("".join)  # fmt: skip
ANY_BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    MARKUP.map(lambda text: text.encode("utf-8")),
    st.tuples(
        st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b""]),
        st.binary(max_size=200),
    ).map(b"".join),
)


@FUZZ
@given(ANY_BYTES)
def test_decode_bytes_returns_text_or_refuses(data: bytes) -> None:
    try:
        text = decode_bytes(data, "fuzz.txt")
    except ImportRefused as error:
        assert str(error).startswith("fuzz.txt: ")
        return
    assert isinstance(text, str)
    assert "\r" not in text and "\x00" not in text
    assert not text.startswith("\ufeff")


@FUZZ
@given(ANY_BYTES, st.sampled_from([".txt", ".md", ".html", ".xyz", ""]))
def test_read_document_returns_a_document_or_refuses(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path)
        except ImportRefused as error:
            assert str(error).startswith(f"fuzz{suffix}: ")
            assert str(error).endswith("; nothing imported")
            return
    assert document.text.strip()
    assert document.metadata.date_certainty in DateCertainty


@FUZZ
@given(MARKUP | st.text(max_size=300))
def test_converters_and_guesses_never_raise(text: str) -> None:
    convert_markdown(text)
    convert_html(text)
    metadata = guess_metadata(text)
    if metadata.published is None:
        assert metadata.date_certainty is DateCertainty.NONE


@FUZZ
@given(st.text(max_size=300).filter(lambda text: "](" not in text and text.strip()))
def test_plain_text_without_links_is_kept_as_decoded(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        expected = decode_bytes(data, "a.txt")
    except ImportRefused:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.txt"
        path.write_bytes(data)
        assert read_document(path).text == expected
