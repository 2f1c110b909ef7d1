"""Every export format by name; `export_store()` writes one from the database, `export()` from
a loaded `Dataset`.

Each writer writes to a temporary file (or folder) beside the target and renames it into place:
a failed or cancelled export leaves nothing behind and an existing file untouched.

Adding a format: write `exporters/<name>.py` with a `write_<name>(dataset, out, options)` and
call `register(ExportFormat(...))` for it at the end of this module (the REFI-QDA exporter,
`exporters/refiqda.py`, registers "qdpx" and "qdc" this way). A format that must be fast on large
databases also gives `write_rows`, which writes from the stored rows (`load_rows`) without
building a typed `Dataset` first; `export_store()` uses it (CSV, JSON Lines, XLSX and the HTML
report do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.bulk import gc_paused
from annotator.core.dataset import Dataset, DatasetFilter, DatasetRows, load_dataset, load_rows
from annotator.core.errors import InvalidValue
from annotator.core.exporters.brat import write_brat
from annotator.core.exporters.common import ExportOptions, ExportResult
from annotator.core.exporters.csv_export import write_csv, write_csv_rows
from annotator.core.exporters.doccano import write_doccano
from annotator.core.exporters.html_report import write_html, write_html_rows
from annotator.core.exporters.jsonl import (
    write_spans_jsonl,
    write_spans_jsonl_rows,
    write_units_jsonl,
    write_units_jsonl_rows,
)
from annotator.core.exporters.refiqda import write_qdc, write_qdpx
from annotator.core.exporters.w3c import write_w3c
from annotator.core.exporters.xlsx import write_xlsx, write_xlsx_rows
from annotator.core.files import ExportFailed, remove_stale_parts
from annotator.core.store import Store

__all__ = [
    "FORMATS", "ORDERED_FORMATS", "ExportFormat", "ExportOptions", "ExportResult", "export",
    "export_store", "register",
]

Writer = Callable[[Dataset, Path, ExportOptions], ExportResult]
RowWriter = Callable[[DatasetRows, Path, ExportOptions], ExportResult]


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what `annotator export --format` takes
    label: str  # what the export dialog shows
    suffix: str  # ".csv"...; "" for a folder
    is_directory: bool
    write: Writer
    # Can carry each annotation's history, written when `ExportOptions.history` asks for it
    # (the dataset is then loaded `with_history`).
    carries_history: bool = False
    # The same output written from stored rows (`load_rows`): the fast path of export_store.
    write_rows: RowWriter | None = None


FORMATS: dict[str, ExportFormat] = {}
# The formats written one annotation after another, which can follow the annotations table's
# sort (`DatasetFilter.sort`); the others group annotations by document.
ORDERED_FORMATS = ("csv", "xlsx", "jsonl-spans")


def register(fmt: ExportFormat) -> ExportFormat:
    """Make a format available by its name; ValueError if another format has that name."""
    existing = FORMATS.get(fmt.name)
    if existing is not None and existing != fmt:
        raise ValueError(f"export format {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt
    return fmt


def _checked(fmt_name: str, out: Path) -> ExportFormat:
    fmt = FORMATS.get(fmt_name)
    if fmt is None:
        raise InvalidValue(
            f"unknown export format {fmt_name!r} (choose from {', '.join(FORMATS)})"
        )
    if not fmt.is_directory and out.is_dir():
        raise ExportFailed(f"{out}: is a folder; give a file name; nothing written")
    # What an export killed midway left here (a `.part` file or folder) goes first, so that
    # the analyst's folder does not fill with hidden half-written copies.
    remove_stale_parts(out.parent)
    return fmt


def export(
    dataset: Dataset, fmt_name: str, out: Path, options: ExportOptions | None = None
) -> ExportResult:
    """Write `dataset` as `fmt_name` to `out` (atomically).

    Raises InvalidValue for an unknown format and ExportFailed (nothing written) when the
    target cannot be written.
    """
    out = Path(out)
    fmt = _checked(fmt_name, out)
    with gc_paused():
        return fmt.write(dataset, out, options or ExportOptions())


def export_store(
    store: Store,
    fmt_name: str,
    out: Path,
    wanted: DatasetFilter | None = None,
    options: ExportOptions | None = None,
) -> ExportResult:
    """Read what `wanted` selects from `store` and write it as `fmt_name` to `out` (atomically).

    The same output as `export(load_dataset(store, wanted, ...), ...)`, and the same errors;
    formats with a `write_rows` skip building the typed dataset.
    """
    out = Path(out)
    fmt = _checked(fmt_name, out)
    if wanted is not None and wanted.sort is not None and fmt.name not in ORDERED_FORMATS:
        raise InvalidValue(
            f"a sort applies only to {', '.join(ORDERED_FORMATS)}; {fmt.name} keeps the "
            "document order"
        )
    options = options or ExportOptions()
    # One pause of the garbage collector over reading, writing and freeing the data (freed as
    # the writer returns): resumed in between, each of its runs would walk every annotation.
    with_history = fmt.carries_history and options.history
    with gc_paused():
        if fmt.write_rows is None:
            return fmt.write(load_dataset(store, wanted, with_history), out, options)
        return fmt.write_rows(load_rows(store, wanted, with_history), out, options)


for _fmt in (
    ExportFormat(
        "csv", "CSV (one row per tag)", ".csv", False, write_csv, write_rows=write_csv_rows
    ),
    ExportFormat(
        "xlsx", "Excel workbook", ".xlsx", False, write_xlsx, write_rows=write_xlsx_rows
    ),
    ExportFormat(
        "jsonl", "JSON Lines, one line per unit", ".jsonl", False, write_units_jsonl,
        write_rows=write_units_jsonl_rows,
    ),
    ExportFormat(
        "jsonl-spans", "JSON Lines, one line per annotation (re-importable)", ".jsonl", False,
        write_spans_jsonl,
        carries_history=True,
        write_rows=write_spans_jsonl_rows,
    ),
    ExportFormat("w3c", "W3C Web Annotation (JSON-LD)", ".jsonld", False, write_w3c),
    ExportFormat("brat", "brat standoff (folder)", "", True, write_brat),
    ExportFormat("doccano", "doccano sequence labelling (JSON Lines)", ".jsonl", False,
                 write_doccano),
    ExportFormat(
        "html", "HTML report (printable)", ".html", False, write_html,
        write_rows=write_html_rows,
    ),
    ExportFormat(
        "qdpx", "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo, QualCoder)", ".qdpx", False,
        write_qdpx,
    ),
    ExportFormat("qdc", "REFI-QDA codebook", ".qdc", False, write_qdc),
):
    register(_fmt)
