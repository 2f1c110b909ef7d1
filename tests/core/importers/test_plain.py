"""Plain text keeps its lines as they are; only markdown-style links are unwrapped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from annotator.core.importers import read_document
from annotator.core.importers.plain import convert_plain, strip_links


def test_text_is_kept_as_it_is() -> None:
    text = "TITLE  \n\n- bullet one\n• bullet two\n\n\nHard wrapped\nline   \n  indented\n"
    assert convert_plain(text).text == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[Local forces](#), along", "Local forces, along"),
        ("see [the report](https://example.org/a?b=c) now", "see the report now"),
        ("an ![Seal of the agency](seal.png) image", "an Seal of the agency image"),
        ("[wiki](https://en.wikipedia.org/wiki/Foo_(bar)) page", "wiki page"),
        ('[titled](http://x.org "Title") link', "titled link"),
        ("[a](#) and [b](#)", "a and b"),
        ("[](#) empty", " empty"),
    ],
)
def test_links_become_their_text(raw: str, expected: str) -> None:
    assert strip_links(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["[1] footnote", "array[0] (x)", "[unclosed](url", "a ] ( b", "[x]\n(y)"],
)
def test_non_links_are_left_alone(raw: str) -> None:
    assert strip_links(raw) == raw


def test_txt_file_import_only_changes_links(tmp_path: Path) -> None:
    raw = "Thursday, September 7, 2017\n\nSubscribe\n\n- One [link](#) here.  \n\n\nEnd"
    path = tmp_path / "brief.txt"
    path.write_text(raw, encoding="utf-8")
    document = read_document(path)
    assert document.text == raw.replace("[link](#)", "link")
    assert document.source_format == "txt"
    assert document.source_name == "brief.txt"


@pytest.mark.parametrize(
    "line",
    [
        "[" * 1_000_000,
        "[a](" * 250_000,
        ("[" + "a" * 999) * 1000,
        ("[a](" + "b" * 1999) * 500,
        "](" * 500_000,
        "![" * 500_000,
    ],
    ids=["open-brackets", "unclosed-links", "long-texts", "long-urls", "close-open", "images"],
)
def test_links_are_linear_on_hostile_lines(line: str) -> None:
    started = time.perf_counter()
    strip_links(line)
    assert time.perf_counter() - started < 0.3


def test_one_megabyte_txt_imports_quickly(tmp_path: Path) -> None:
    paragraph = (
        "On Thursday, September 7, 2017, the [U.S. Department](#) of State said 60% of "
        "the city was retaken; forces (SOF) remain. "
    ) * 12
    path = tmp_path / "big.txt"
    path.write_text(("Title line\n\n" + paragraph + "\n\n") * (1_000_000 // len(paragraph)))
    assert path.stat().st_size >= 1_000_000
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        read_document(path)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.3, timings


def test_one_megabyte_single_line_of_brackets(tmp_path: Path) -> None:
    path = tmp_path / "brackets.txt"
    path.write_text("[" * 1_000_000 + " [ok](#)", encoding="utf-8")
    started = time.perf_counter()
    document = read_document(path)
    assert time.perf_counter() - started < 0.3
    assert document.text.endswith(" ok")
