"""Publication dates: exact, ambiguous (explained) or none; a partial date is never completed."""

from __future__ import annotations

import datetime

import pytest

from annotator.core.importers import DateCertainty
from annotator.core.importers.dates import (
    guess_date,
    is_date_line,
    looks_us_style,
    parse_date_value,
    read_components,
)

BODY = "\n\nThe statement condemned the attacks and called for calm in the region.\n"


def found(text: str, language: str | None = "en") -> tuple[str | None, DateCertainty, str | None]:
    guess = guess_date(text, language)
    published = guess.published.isoformat() if guess.published else None
    return published, guess.certainty, guess.note


@pytest.mark.parametrize(
    ("line", "language", "expected"),
    [
        ("2024-06-13", "en", "2024-06-13"),
        ("Published: 2024-06-13T08:00:00Z", "en", "2024-06-13"),
        ("Thursday, September 7, 2017", "en", "2017-09-07"),
        ("November 2, 2001", "en", "2001-11-02"),
        ("7 Sept. 2017", "en", "2017-09-07"),
        ("13th June 2024", "en", "2024-06-13"),
        ("Le 26 juin 2017", "fr", "2017-06-26"),
        ("1er février 2018", "fr", "2018-02-01"),
        ("Paris, le 7 sept. 2017", "fr", "2017-09-07"),
        ("7 de septiembre de 2017", "es", "2017-09-07"),
        ("Berlin, 7. März 2017", "de", "2017-03-07"),
        ("Jakarta, 17 Agustus 2014", "id", "2014-08-17"),
        ("Lisboa, 3 de março de 2020", "pt", "2020-03-03"),
        ("4 تشرين الأول/أكتوبر 2018", "ar", "2018-10-04"),
        ("4 تشرين الأول 2018", "ar", "2018-10-04"),
        ("15 إبريل 2019", "ar", "2019-04-15"),
        ("٤ أكتوبر ٢٠١٨", "ar", "2018-10-04"),
        ("25/12/2004", "en", "2004-12-25"),
        ("12/25/2004", "en", "2004-12-25"),
        ("05.05.2020", "de", "2020-05-05"),
        ("2024/06/13", "en", "2024-06-13"),
    ],
)
def test_exact_dates(line: str, language: str, expected: str) -> None:
    assert found(line + BODY, language) == (expected, DateCertainty.EXACT, None)


def test_ambiguous_numeric_date_reads_day_first_by_default() -> None:
    assert found("Press Release\n08/10/2004" + BODY) == (
        "2004-10-08",
        DateCertainty.AMBIGUOUS,
        "08/10/2004 read day-first as 8 October 2004 (could be 10 August)",
    )


def test_ambiguous_numeric_date_in_a_us_style_document_reads_month_first() -> None:
    text = (
        "Office of the Spokesperson\nWashington, D.C.\n08/10/2004\n\n"
        "On January 5, 2004, the Department announced measures; on March 3, 2004, more followed."
    )
    published, certainty, note = found(text)
    assert (published, certainty) == ("2004-08-10", DateCertainty.AMBIGUOUS)
    assert note == (
        "08/10/2004 read month-first (US-style document) as 10 August 2004 (could be 8 October)"
    )


def test_non_english_documents_are_day_first_even_with_us_evidence() -> None:
    text = "Washington, D.C.\n03/04/2019\n\nLe département a publié le January 5, 2004 rapport."
    assert found(text, "fr")[:2] == ("2019-04-03", DateCertainty.AMBIGUOUS)


def test_us_style_evidence() -> None:
    assert looks_us_style("Released on June 13, 2024 and July 4, 2024.", "en")
    assert not looks_us_style("Released on 13 June 2024 and 4 July 2024.", "en")
    assert looks_us_style("Official websites use .gov", "en")
    assert not looks_us_style("June 13, 2024 and July 4, 2024", "fr")
    assert not looks_us_style("Nothing to go on.", "en")


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("September 7\n" + BODY, "date 'September 7' has no year; not filled"),
        ("7 septembre\n" + BODY, "date '7 septembre' has no year; not filled"),
        ("June 2024\n" + BODY, "date 'June 2024' has no day; not filled"),
        (
            "Kejaksaan Agung Amerika mengatakan Selasa (16/9) bahwa pria itu ditangkap.",
            "date '16/9' has no year; not filled",
        ),
    ],
)
def test_partial_dates_are_never_completed(text: str, note: str) -> None:
    assert found(text) == (None, DateCertainty.NONE, note)


@pytest.mark.parametrize(
    "text",
    [
        "No date here at all." + BODY,
        "Open 24/7 since 9/11, with 1-2 weeks of delay and 10-15% more." + BODY,
        "Officials may 12 times have said so." + BODY,
        "31 February 2020" + BODY,
        "99/99/2004" + BODY,
    ],
)
def test_no_date(text: str) -> None:
    assert found(text) == (None, DateCertainty.NONE, None)


def test_a_date_line_is_preferred_over_a_date_in_a_sentence() -> None:
    text = "The report of June 13, 2024, was revised.\n\nPublished: 14 June 2024\n\nBody text."
    assert found(text)[:2] == ("2024-06-14", DateCertainty.EXACT)


def test_a_date_naming_the_document_in_the_first_sentence_is_taken() -> None:
    text = "The following is the June 13, 2024, Defense Intelligence Agency report, Yemen."
    assert found(text) == (
        "2024-06-13",
        DateCertainty.EXACT,
        "taken from the running text ('June 13, 2024')",
    )


def test_a_date_of_an_event_in_running_text_is_not_taken() -> None:
    text = "Following the September 11, 2001, attacks on the towers, policy changed."
    assert found(text) == (
        None,
        DateCertainty.NONE,
        "'September 11, 2001' in the running text is not taken as the publication date",
    )


def test_only_the_head_of_the_document_is_searched() -> None:
    text = "\n".join(f"Line {n} of the text." for n in range(60)) + "\n\n2 March 2020\n"
    assert found(text) == (None, DateCertainty.NONE, None)


def test_read_components_never_fills_missing_parts() -> None:
    assert read_components("7 September 2017") == (datetime.date(2017, 9, 7), None)
    assert read_components("September 7") == (None, "year")
    assert read_components("September 2017") == (None, "day")
    assert read_components("16/9", dayfirst=True) == (None, "year")
    assert read_components("2017") == (None, "month")
    assert read_components("not a date") == (None, None)
    assert read_components("31 February 2020") == (None, None)


def test_parse_date_value() -> None:
    assert parse_date_value("2017-06-26T09:30:00+02:00").published == datetime.date(2017, 6, 26)
    assert parse_date_value("Thu, 07 Sep 2017 10:00:00 GMT").published == datetime.date(2017, 9, 7)
    assert parse_date_value("26 juin 2017").published == datetime.date(2017, 6, 26)
    partial = parse_date_value("June 2017")
    assert (partial.published, partial.certainty) == (None, DateCertainty.NONE)
    assert parse_date_value("soon").note is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Thursday, September 7, 2017", True),
        ("Le 26 juin 2017", True),
        ("08/10/2004", True),
        ("Tuesday, November 15, 2005:", True),
        ("The report was released on a sunny day in 2005", False),
        ("Designation of 22 Foreign Terrorist Organizations under Executive Order 13224", False),
        ("", False),
    ],
)
def test_is_date_line(line: str, expected: bool) -> None:
    assert is_date_line(line) is expected
