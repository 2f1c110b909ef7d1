"""XLSX export, read back with openpyxl: sheets, typed cells, frozen header, filter, caveat."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from annotator.core.dataset import Dataset
from annotator.core.exporters import xlsx
from annotator.core.exporters.common import KNOWN_FIELDS
from annotator.core.exporters.registry import export
from annotator.core.files import ExportFailed
from tests.core.exporters.sample import CAVEAT, TEXT_1, synthetic_dataset
from tests.core.exporters.test_csv import HEAD, TAIL


@pytest.fixture
def workbook(dataset: Dataset, out_dir: Path) -> openpyxl.Workbook:
    export(dataset, "xlsx", out_dir / "a.xlsx")
    return openpyxl.load_workbook(out_dir / "a.xlsx")


def rows_by_id(workbook: openpyxl.Workbook) -> dict[tuple[int, str | None], dict[str, object]]:
    sheet = workbook["Annotations"]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    rows = [dict(zip(header, row, strict=True)) for row in values[1:]]
    return {(int(r["annotation_id"]), r["tag"]): r for r in rows}  # type: ignore[call-overload]


def test_sheets_header_frozen_and_filtered(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["About", "Annotations", "Documents", "Tags"]
    sheet = workbook["Annotations"]
    header = [c.value for c in sheet[1]]
    labels = [f"{name} (label)" for name in xlsx.LABELLED_FIELDS]
    assert header == HEAD + list(KNOWN_FIELDS) + TAIL + labels
    assert labels[:2] == ["source_reliability (label)", "information_credibility (label)"]
    assert sheet.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(header))
    assert sheet.auto_filter.ref == f"A1:{last}11"
    assert sheet.max_row == 11


def test_cells_are_typed(workbook: openpyxl.Workbook) -> None:
    rows = rows_by_id(workbook)
    claim = rows[1, "claim"]
    assert claim["document_id"] == 1 and claim["start"] == 62 and claim["end"] == 102
    assert claim["date"] == dt.datetime(2025, 1, 15)
    assert claim["created"] == dt.datetime(2025, 1, 15, 10, 0)
    assert claim["event_date"] == "2024-09"  # partial dates stay text
    assert claim["text"] == TEXT_1[62:102]
    figure = rows[3, "figure"]
    assert figure["value"] == -5 and isinstance(figure["value"], int)
    assert figure["range_low"] == -7.5 and figure["range_high"] == -2
    assert figure["as_of"] == "2024-12-31"  # a text field, even when it looks like a date
    assert rows[4, "claim"]["event_date"] == dt.datetime(2024, 10, 2)
    assert rows[7, "figure"]["value"] == 1000000
    micro = rows[2, "figure"]["created"]
    assert isinstance(micro, dt.datetime)
    assert abs(micro - dt.datetime(2025, 1, 15, 10, 1, 0, 123456)) < dt.timedelta(milliseconds=1)
    assert rows[8, None]["note"] == "No tag yet: a note only."
    sheet = workbook["Annotations"]
    date_cell = sheet.cell(row=2, column=3)
    assert date_cell.is_date and "yy" in date_cell.number_format


def test_choice_fields_have_a_label_column_for_people(workbook: openpyxl.Workbook) -> None:
    """Scripts read the codes where they always were; a person reads the labels beside them."""
    rows = rows_by_id(workbook)
    claim, assessment = rows[1, "claim"], rows[3, "assessment"]
    assert claim["source_reliability"] == "B"
    assert claim["source_reliability (label)"] == "B - Usually reliable"
    assert claim["information_credibility (label)"] == "2 - Probably true"
    assert assessment["likelihood"] == "likely"
    assert assessment["likelihood (label)"] == "likely (55-80%)"
    assert assessment["confidence (label)"] == "moderate"
    assert claim["likelihood (label)"] is None  # a claim has no likelihood
    assert rows[3, "figure"]["figure_kind (label)"] is None  # not set in the sample


def test_strings_are_never_formulas(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Annotations"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    rows = rows_by_id(workbook)
    assert rows[1, "claim"]["attributed_to"] == "=cmd|' /C calc'!A0"  # no apostrophe needed
    assert rows[5, "claim"]["text"] == "- Bullet: =SUM(A1) is not a formula."
    assert rows[5, "claim"]["source_description"] == "+1 wire report"


def test_documents_and_tags_sheets(workbook: openpyxl.Workbook) -> None:
    documents = list(workbook["Documents"].iter_rows(values_only=True))
    assert documents[0] == (
        "id", "title", "issuer", "date", "date certainty", "language", "source", "sha256",
        "units", "annotations",
    )
    assert documents[1][:7] == (
        1, "Quarterly brief: exports", "Ministry of Trade", dt.datetime(2025, 1, 15), "exact",
        "en", "quarterly-brief.txt",
    )
    assert documents[1][8:] == (4, 6)  # units read (the skipped date line is not), annotations
    assert documents[2][1:4] == ("../Annual Review: 2024/25", None, None)
    tags = list(workbook["Tags"].iter_rows(values_only=True))
    assert tags == [
        ("name", "colour", "shortcut", "count"),
        ("claim", "#0072B2", "1", 4),
        ("assessment", "#E69F00", "2", 2),
        ("figure", "#009E73", "3", 3),
    ]
    assert workbook["Tags"]["B2"].fill.fgColor.rgb == "FF0072B2"


def test_caveat_everywhere_and_shown_first(workbook: openpyxl.Workbook) -> None:
    assert workbook.active.title == "About"
    about = workbook["About"]
    assert (about["A1"].value, about["B1"].value) == ("Handling caveat", CAVEAT)
    assert about["B2"].value == dt.datetime(2025, 2, 1, 12, 0)
    assert workbook.properties.keywords == CAVEAT
    assert workbook.properties.subject == CAVEAT
    assert workbook.properties.description == f"Handling caveat: {CAVEAT}"
    custom = {p.name: p.value for p in workbook.custom_doc_props.props}
    assert custom == {"Handling caveat": CAVEAT}
    for sheet in workbook.worksheets:
        # "&" is doubled in Excel page headers (a single one starts a control code).
        assert sheet.oddHeader.center.text.replace("&&", "&") == CAVEAT
        assert sheet.oddFooter.center.text.replace("&&", "&") == CAVEAT
    assert all(row["handling_caveat"] == CAVEAT for row in rows_by_id(workbook).values())


def test_without_caveat_opens_on_annotations(dataset: Dataset, out_dir: Path) -> None:
    dataset.caveat = None
    export(dataset, "xlsx", out_dir / "a.xlsx")
    workbook = openpyxl.load_workbook(out_dir / "a.xlsx")
    assert workbook.active.title == "Annotations"
    assert workbook["About"]["B1"].value == "(none set)"
    assert not list(workbook.custom_doc_props.props)
    assert workbook["Annotations"].oddHeader.center.text is None


def test_too_many_rows_for_excel_is_refused(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 10)
    with pytest.raises(ExportFailed, match="more than Excel's"):
        export(synthetic_dataset(11), "xlsx", out_dir / "a.xlsx")
    assert list(out_dir.iterdir()) == []


def test_huge_integers_keep_their_digits(dataset: Dataset, out_dir: Path) -> None:
    import dataclasses

    from annotator.core.dataset import DatasetTag

    big = 2**60 + 1
    dataset.annotations[0] = dataclasses.replace(
        dataset.annotations[0], tags=(DatasetTag("figure", {"value": big, "range_low": 10**400}),)
    )
    export(dataset, "xlsx", out_dir / "a.xlsx")
    row = rows_by_id(openpyxl.load_workbook(out_dir / "a.xlsx"))[1, "figure"]
    assert row["value"] == str(big) and row["range_low"] == str(10**400)
