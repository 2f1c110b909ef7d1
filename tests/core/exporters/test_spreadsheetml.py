"""The small SpreadsheetML writer under the XLSX export: cell text, columns, dates."""

from __future__ import annotations

import datetime as dt

from annotator.core.exporters import spreadsheetml as ml


def test_column_letters() -> None:
    cases = {0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"}
    assert {index: ml.column_letter(index) for index in cases} == cases


def test_text_is_cut_at_excels_limit_in_utf16_units_never_inside_a_character() -> None:
    assert ml.cut("a" * ml.MAX_TEXT) == "a" * ml.MAX_TEXT
    assert ml.cut("a" * (ml.MAX_TEXT + 5)) == "a" * ml.MAX_TEXT
    emoji = "a" * (ml.MAX_TEXT - 1) + "🙂"  # the emoji would be units 32,767 and 32,768
    assert ml.cut(emoji) == "a" * (ml.MAX_TEXT - 1)


def test_inline_text_escapes_markup_controls_and_excels_own_escapes() -> None:
    assert ml.inline_text("a<b>&c") == "<is><t>a&lt;b&gt;&amp;c</t></is>"
    assert ml.inline_text("x\x01y") == "<is><t>x_x0001_y</t></is>"
    assert ml.inline_text("_x0041_") == "<is><t>_x005F_x0041_</t></is>"
    assert ml.inline_text(" padded") == '<is><t xml:space="preserve"> padded</t></is>'
    assert ml.inline_text("=1+1") == "<is><t>=1+1</t></is>"


def test_serial_dates_skip_excels_29_february_1900() -> None:
    assert ml.serial(dt.date(1900, 1, 1)) == 1
    assert ml.serial(dt.date(1900, 2, 28)) == 59
    assert ml.serial(dt.date(1900, 3, 1)) == 61
    assert ml.serial(dt.datetime(2025, 1, 15, 12, 0)) == 45672.5


def test_filter_ranges_quote_sheet_names_that_need_it() -> None:
    assert ml._absolute("Tags", "A1:D3") == "Tags!$A$1:$D$3"
    assert ml._absolute("My sheet's", "A1:B2") == "'My sheet''s'!$A$1:$B$2"
