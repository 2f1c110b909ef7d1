"""Markdown becomes the text an analyst reads: structure kept as lines, markup removed."""

from __future__ import annotations

import pytest

from annotator.core.importers.markdown import convert_inline, convert_markdown
from tests.growth import Repeat, assert_linear


def md(text: str) -> str:
    return convert_markdown(text).text


def test_headings_become_their_own_lines() -> None:
    assert md("# Title\nFirst paragraph.\n## Part *two* ##\nMore.") == (
        "Title\n\nFirst paragraph.\n\nPart two\n\nMore.\n"
    )


def test_hash_without_space_is_not_a_heading() -> None:
    assert md("#hashtag text") == "#hashtag text\n"


def test_setext_headings() -> None:
    assert md("Big Title\n=========\nText.\n\nSmaller\n-------\nMore.") == (
        "Big Title\n\nText.\n\nSmaller\n\nMore.\n"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("**bold** and __strong__", "bold and strong"),
        ("*em* and _em_", "em and em"),
        ("***both***", "both"),
        ("**bold with *inner* text**", "bold with inner text"),
        ("~~gone~~ kept", "gone kept"),
        ("`code *not em*` here", "code *not em* here"),
        ("``a ` tick``", "a ` tick"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        (r"\*literal\* and \_x\_", "*literal* and _x_"),
        ("[text](http://a.b/c) and ![alt](i.png)", "text and alt"),
        ("[ref link][1] and <https://example.org/x>", "ref link and https://example.org/x"),
        ("5 * 3 = 15 * 1", "5 * 3 = 15 * 1"),
    ],
)
def test_inline_markup_is_unwrapped(raw: str, expected: str) -> None:
    assert convert_inline(raw) == expected


def test_lists_keep_bullets() -> None:
    raw = "Intro:\n\n* one\n+ two\n- three\n  - nested *x*\n1. first\n2) second\n10. tenth"
    assert md(raw) == (
        "Intro:\n\n- one\n- two\n- three\n  - nested x\n1. first\n2. second\n10. tenth\n"
    )


def test_blockquotes_lose_their_marker() -> None:
    assert md("> Quoted line\n> > nested\n>\n> - item") == "Quoted line\nnested\n\n- item\n"


def test_code_fences_are_kept_as_plain_lines() -> None:
    raw = "Before\n\n```python\nx = *y*  # [not](a link)\n\n# not a heading\n```\nAfter"
    assert md(raw) == "Before\n\nx = *y*  # [not](a link)\n\n# not a heading\n\nAfter\n"


def test_horizontal_rules_are_dropped() -> None:
    assert md("One\n\n---\n\nTwo\n\n* * *\n\n___\nThree") == "One\n\nTwo\n\nThree\n"


def test_html_comments_are_dropped() -> None:
    raw = "Keep <!-- inline --> this\n<!-- a\nmulti-line\ncomment -->\nAnd this"
    assert md(raw) == "Keep  this\nAnd this\n"


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    assert md("\n\nPara one\n\n\n\nPara two\n\n") == "Para one\n\nPara two\n"


def test_hard_wrapped_lines_are_kept() -> None:
    raw = "A sentence that was\nhard wrapped across\nthree lines.  \n"
    assert md(raw) == "A sentence that was\nhard wrapped across\nthree lines.\n"


def test_tables_become_rows() -> None:
    raw = "| Name | Value |\n|------|:-----:|\n| **a** | 1 |\n| b | 2 |"
    assert md(raw) == "Name | Value\na | 1\nb | 2\n"


def test_link_reference_definitions_are_dropped() -> None:
    assert md("See [x][1].\n\n[1]: https://example.org") == "See x.\n"


def test_front_matter_becomes_hints() -> None:
    result = convert_markdown(
        '---\ntitle: "Yemen: Houthi Attacks"\ndate: 2024-06-13\nlang: en-GB\n'
        "publisher: Example Agency\n---\n# Heading\n\nBody."
    )
    assert result.text == "Heading\n\nBody.\n"
    assert result.hints.title == "Yemen: Houthi Attacks"
    assert result.hints.date == "2024-06-13"
    assert result.hints.language == "en-GB"
    assert result.hints.issuer == "Example Agency"


def test_a_leading_rule_that_is_not_front_matter_is_kept_as_text() -> None:
    assert md("---\nJust a paragraph, not YAML.\n---\n") == "Just a paragraph, not YAML.\n"


@pytest.mark.parametrize(
    "text",
    [
        Repeat("*a ", 300_000),
        Repeat("**a ", 250_000),
        Repeat("__a ", 250_000),
        Repeat("_a ", 300_000),
        Repeat("`a ", 300_000),
        Repeat("``a", 300_000),
        Repeat("**", 400_000, tail="x"),
        Repeat("~~a ", 200_000),
        Repeat("<!--", 200_000),
        Repeat(" ", 800_000, head="#", tail="x"),
        Repeat("[", 800_000),
        Repeat("\\", 800_000),
        Repeat("> - 1. **x** " * 10 + "\n", 8000),
        Repeat("-|", 300_000, head="|", tail="x"),
    ],
    ids=["stars", "strong", "strong-underscores", "underscores", "ticks", "double-ticks", "runs",
         "tildes", "comments", "heading-spaces", "brackets", "backslashes", "mixed", "table"],
)  # fmt: skip
def test_markdown_is_linear_on_hostile_input(text: Repeat) -> None:
    assert_linear(convert_markdown, text)
