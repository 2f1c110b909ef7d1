"""Plain text keeps its lines as they are; only markdown-style links are unwrapped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.core.importers import read_document
from annotator.core.importers.plain import convert_plain, strip_links
from tests.growth import Repeat, assert_linear


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
        Repeat("[", 1_000_000),
        Repeat("[a](", 250_000),
        Repeat("[" + "a" * 999, 1000),
        Repeat("[a](" + "b" * 1999, 500),
        Repeat("](", 500_000),
        Repeat("![", 500_000),
    ],
    ids=["open-brackets", "unclosed-links", "long-texts", "long-urls", "close-open", "images"],
)
def test_links_are_linear_on_hostile_lines(line: Repeat) -> None:
    assert_linear(strip_links, line)


def files(folder: Path, text: Repeat) -> Callable[[float], Path]:
    """`text` at a given scale, written to a file of its own."""

    def write(scale: float) -> Path:
        path = folder / f"scaled-{scale:g}.txt"
        path.write_text(text(scale), encoding="utf-8")
        return path

    return write


def test_one_megabyte_txt_import_grows_linearly(tmp_path: Path) -> None:
    paragraph = (
        "On Thursday, September 7, 2017, the [U.S. Department](#) of State said 60% of "
        "the city was retaken; forces (SOF) remain. "
    ) * 12
    text = Repeat("Title line\n\n" + paragraph + "\n\n", 1_000_000 // len(paragraph))
    assert len(text().encode("utf-8")) >= 1_000_000
    assert_linear(read_document, files(tmp_path, text))


def test_one_megabyte_single_line_of_brackets(tmp_path: Path) -> None:
    text = Repeat("[", 1_000_000, tail=" [ok](#)")
    make = files(tmp_path, text)
    assert read_document(make(1.0)).text.endswith(" ok")
    assert_linear(read_document, make)
