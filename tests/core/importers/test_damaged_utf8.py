"""A UTF-8 file with a few bad bytes is read as UTF-8 with U+FFFD and a warning, not re-read
whole as cp1252; a genuine cp1252/Latin-1 file is still read as cp1252."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.importers import decode_bytes, decode_text, read_document, read_text
from annotator.core.importing import import_files
from annotator.core.store import open_store

ARABIC = "أعلنت الوزارة أن 40 شخصاً قتلوا في الهجوم."
RUSSIAN = "Министерство сообщило о 40 погибших."
WARNING_3 = "brief.txt: 3 bytes were not valid UTF-8 and were replaced (shown as \ufffd)"

# Bytes that are invalid in UTF-8 wherever they stand between whole characters: stray
# continuation bytes and bytes that never start a sequence.
BAD_BYTES = [*range(0x80, 0xC0), 0xC0, 0xC1, *range(0xF5, 0x100)]


def damaged(text: str, bad: bytes, every: int = 7) -> tuple[bytes, str]:
    """`text` as UTF-8 with the bytes of `bad` inserted between characters, and the text
    expected back (each bad byte a U+FFFD)."""
    data, expected = bytearray(), []
    spots = iter(bad)
    for index, char in enumerate(text):
        if index % every == every - 1:
            byte = next(spots, None)
            if byte is not None:
                data.append(byte)
                expected.append("\ufffd")
        data += char.encode("utf-8")
        expected.append(char)
    return bytes(data), "".join(expected)


@pytest.mark.parametrize("text", [ARABIC, RUSSIAN, "Café « déjà » — 5 € “quoted” ’s " * 3])
def test_utf8_with_a_few_bad_bytes_is_read_as_utf8(text: str) -> None:
    data, expected = damaged(text, b"\x92\xff\xe9")
    decoded = decode_text(data, "brief.txt")
    assert decoded.text == expected
    assert decoded.text.replace("\ufffd", "") == text
    assert decoded.warnings == (WARNING_3,)
    assert decode_bytes(data, "brief.txt") == expected  # the text alone, as before


def test_one_bad_byte_is_named_in_the_singular() -> None:
    decoded = decode_text("déjà vu ".encode() + b"\xff", "a.txt")
    assert decoded.text == "déjà vu \ufffd"
    assert decoded.warnings == (
        "a.txt: 1 byte was not valid UTF-8 and was replaced (shown as \ufffd)",
    )


def test_a_cut_multibyte_character_counts_each_of_its_bytes() -> None:
    data = "Résumé: naïve café".encode() + "€".encode()[:2]  # cut off mid-character
    decoded = decode_text(data, "cut.txt")
    assert decoded.text == "Résumé: naïve café\ufffd\ufffd"
    assert "2 bytes were not valid UTF-8" in decoded.warnings[0]


def test_clean_utf8_and_ascii_have_no_warning() -> None:
    assert decode_text(ARABIC.encode(), "a.txt").warnings == ()
    assert decode_text(b"plain ascii", "a.txt").warnings == ()


@pytest.mark.parametrize(
    "text",
    [
        "“Smart quotes” cost 5 € – it’s Windows; déjà vu, naïve café, Ærø",
        "Résumé naïve façade, señor",
        "A single é here",
    ],
)
def test_genuine_cp1252_is_still_read_as_cp1252(text: str) -> None:
    data = text.encode("cp1252")
    decoded = decode_text(data, "old.txt")
    assert decoded.text == text
    assert decoded.warnings == ()


def test_cp1252_with_an_accidental_utf8_sequence_is_still_cp1252() -> None:
    # "Ã©" is, by accident, the UTF-8 for "é"; the other accented letters are not UTF-8.
    text = "Mojibake Ã© beside real accents: déjà, naïve, façade"
    decoded = decode_text(text.encode("cp1252"), "old.txt")
    assert decoded.text == text and decoded.warnings == ()


def test_a_utf8_bom_means_utf8_whatever_the_damage() -> None:
    data = codecs.BOM_UTF8 + b"caf\xe9 au lait \xff"
    decoded = decode_text(data, "bom.txt")
    assert decoded.text == "caf\ufffd au lait \ufffd"
    assert "2 bytes were not valid UTF-8" in decoded.warnings[0]


def test_html_declaring_utf8_with_bad_bytes_is_read_as_utf8(tmp_path: Path) -> None:
    body, expected = damaged(RUSSIAN, b"\xff")
    page = b'<html><head><meta charset="utf-8"></head><body><p>' + body + b"</p></body></html>"
    path = tmp_path / "page.html"
    path.write_bytes(page)
    document = read_document(path)
    assert document.text == expected + "\n"
    assert document.warnings == (
        "page.html: 1 byte was not valid UTF-8 and was replaced (shown as \ufffd)",
    )


def test_read_text_and_read_document_carry_the_warning(tmp_path: Path) -> None:
    data, expected = damaged(ARABIC, b"\x92\xff\xe9")
    path = tmp_path / "brief.txt"
    path.write_bytes(data)
    assert read_text(path).warnings == (WARNING_3,)
    document = read_document(path)
    assert document.text == expected
    assert document.warnings == (WARNING_3,)


def test_import_reports_the_warning_and_stores_the_replacements(tmp_path: Path) -> None:
    data, expected = damaged(ARABIC, b"\x92\xff\xe9")
    damaged_path = tmp_path / "brief.txt"
    damaged_path.write_bytes(data)
    clean_path = tmp_path / "clean.txt"
    clean_path.write_text("Officials reported 40 attacks.", encoding="utf-8")
    with open_store(tmp_path / "db.sqlite3", create=True) as store:
        outcome, clean = import_files(store, [damaged_path, clean_path])
    assert outcome.ok and outcome.warnings == (WARNING_3,)
    assert clean.ok and clean.warnings == ()
    from annotator.core.queries import document_detail

    with open_store(tmp_path / "db.sqlite3") as store:
        assert document_detail(store, outcome.document_id or 0).text == expected


# ----- properties

# Letters and marks that each take 2 to 4 bytes in UTF-8.
MULTIBYTE = st.characters(min_codepoint=0xC0, max_codepoint=0x1FFFF, categories=("L", "M", "N"))
PLAIN = st.sampled_from(list("abcdefghij .,;0123456789"))


@given(
    st.lists(st.one_of(MULTIBYTE, PLAIN), min_size=1, max_size=200).map("".join),
    st.lists(st.sampled_from(BAD_BYTES), min_size=1, max_size=10).map(bytes),
    st.integers(min_value=1, max_value=9),
)
def test_mostly_utf8_reads_back_with_one_replacement_per_bad_byte(
    text: str, bad: bytes, every: int
) -> None:
    data, expected = damaged(text, bad, every)
    inserted = expected.count("\ufffd")
    multibyte = sum(1 for char in text if ord(char) > 0x7F)
    if inserted == 0 or multibyte < inserted or not text.strip():
        return  # nothing damaged, or not mostly UTF-8: another rule applies
    decoded = decode_text(data, "p.txt")
    assert decoded.text == expected
    were = "byte was" if inserted == 1 else "bytes were"
    assert decoded.warnings == (f"p.txt: {inserted} {were} not valid UTF-8 and "
                                f"{'was' if inserted == 1 else 'were'} replaced (shown as \ufffd)",)


# Latin-1 letters whose cp1252 bytes (0xC0-0xFF) all start a UTF-8 sequence, so one followed by
# another or by ASCII is never valid UTF-8: such a file has no valid multi-byte sequence at all.
LATIN1_LETTERS = st.characters(min_codepoint=0xC0, max_codepoint=0xFF, exclude_characters="×÷")


@given(st.lists(st.one_of(LATIN1_LETTERS, PLAIN), min_size=1, max_size=200).map("".join))
def test_cp1252_text_reads_back_exactly_without_warning(text: str) -> None:
    if not text.strip():
        return
    data = text.encode("cp1252")
    decoded = decode_text(data, "p.txt")
    assert decoded.text == text
    assert decoded.warnings == ()


@given(st.binary(min_size=1, max_size=300))
def test_any_warning_names_the_file_on_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.txt"
        path.write_bytes(data)
        try:
            decoded = read_text(path)
        except Exception as error:  # refusals are covered elsewhere
            assert type(error).__name__ == "ImportRefused"
            return
    for warning in decoded.warnings:
        assert warning.startswith("fuzz.txt: ") and "\n" not in warning
        assert decoded.text.count("\ufffd") >= int(warning.split()[1])
