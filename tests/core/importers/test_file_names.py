"""Control characters and undecodable bytes in file names never reach a stored title."""

from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.importers import read_document
from annotator.core.importing import import_files, prepare_document
from annotator.core.queries import list_documents
from annotator.core.store import open_store
from annotator.core.text import clean_title, printable

# No title in the text (no standalone first line), so the title comes from the file name.
BODY = "Officials reported 40 attacks in the north. The ministry confirmed the figure.\n"


def control_free(text: str) -> bool:
    return not any(unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") for char in text)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("brief\x1b[31mred\x07.txt", "brief [31mred"),
        ("two\nlines\r\n.txt", "two lines"),
        ("tab\there\x7f\x9b.txt", "tab here"),
        ("تقرير الوزارة 🙂‍↕️.txt", "تقرير الوزارة 🙂‍↕️"),  # Arabic, emoji with a joiner: kept
    ],
)
def test_title_from_the_file_name_has_no_control_characters(
    tmp_path: Path, name: str, title: str
) -> None:
    path = tmp_path / name
    path.write_text(BODY, encoding="utf-8")
    document = read_document(path)
    assert document.source_name == name  # the file's own name, for finding it again
    new = prepare_document(document)
    assert new.title == title
    with open_store(tmp_path / "db.sqlite3") as store:
        (outcome,) = import_files(store, [path])
        assert outcome.ok, outcome.error
        (summary,) = list_documents(store)
    assert summary.title == title and control_free(summary.title)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file names may hold any bytes")
def test_a_file_name_that_is_not_utf8_is_imported(tmp_path: Path) -> None:
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/bad\xffname.txt"))
    path.write_text(BODY, encoding="utf-8")
    with open_store(tmp_path / "db.sqlite3") as store:
        (outcome,) = import_files(store, [path])
        assert outcome.ok, outcome.error
        (summary,) = list_documents(store)
    assert summary.title == "bad\ufffdname"
    assert summary.source_name == "bad\ufffdname.txt"


def test_a_title_line_with_control_characters_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "memo.html"
    path.write_text(
        "<html><head><title>Weekly\x1b[2J \x07Outlook</title></head>"
        "<body><p>Officials reported 40 attacks. The ministry confirmed it.</p></body></html>",
        encoding="utf-8",
    )
    document = read_document(path)
    assert document.metadata.title == "Weekly [2J Outlook"
    assert prepare_document(document).title == "Weekly [2J Outlook"


def test_a_name_of_control_characters_only_gets_a_title(tmp_path: Path) -> None:
    path = tmp_path / "\x1b\x07.txt"
    path.write_text(BODY, encoding="utf-8")
    assert prepare_document(read_document(path)).title == "Untitled"


@given(st.text(max_size=60))
def test_clean_title_is_one_line_without_controls(text: str) -> None:
    title = clean_title(text)
    assert control_free(title)
    assert title == title.strip() and "  " not in title
    # Ordinary characters are all still there, in order.
    kept = [char for char in text if control_free(char) and not char.isspace()]
    assert [char for char in title if not char.isspace()] == kept


def bidi_control(char: str) -> bool:
    return "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"


@given(st.text(max_size=60))
def test_printable_shows_no_control_characters_and_keeps_the_rest(text: str) -> None:
    shown = printable(text)
    assert control_free(shown) and not any(bidi_control(char) for char in shown)
    escaped = any(not control_free(char) or bidi_control(char) for char in text)
    assert (shown != text) == escaped


def test_printable_escapes() -> None:
    assert printable("brief\x1b[31mred\x07.txt") == "brief\\x1b[31mred\\x07.txt"
    assert printable("a\nb\tc\r") == "a\\nb\\tc\\r"
    assert printable("bad\udcffname") == "bad\\xffname"  # the name's own byte
    assert printable("x\u202ey \x9b") == "x\\u202ey \\x9b"
    assert printable("C:\\Users\\تقرير 🙂‍↕️") == "C:\\Users\\تقرير 🙂‍↕️"
