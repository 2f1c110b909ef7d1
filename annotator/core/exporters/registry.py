"""Every export format by name, and `export()`, which writes one from a loaded `Dataset`.

Each writer writes to a temporary file (or folder) beside the target and renames it into place:
a failed or cancelled export leaves nothing behind and an existing file untouched.

Adding a format: write `exporters/<name>.py` with a `write_<name>(dataset, out, options)` and
call `register(ExportFormat(...))` for it at the end of this module (the REFI-QDA exporter,
`exporters/refiqda.py`, registers "qdpx" and "qdc" this way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.dataset import Dataset
from annotator.core.errors import InvalidValue
from annotator.core.exporters.brat import write_brat
from annotator.core.exporters.common import ExportOptions, ExportResult
from annotator.core.exporters.csv_export import write_csv
from annotator.core.exporters.doccano import write_doccano
from annotator.core.exporters.html_report import write_html
from annotator.core.exporters.jsonl import write_spans_jsonl, write_units_jsonl
from annotator.core.exporters.refiqda import write_qdc, write_qdpx
from annotator.core.exporters.w3c import write_w3c
from annotator.core.exporters.xlsx import write_xlsx
from annotator.core.files import ExportFailed

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "ExportResult", "export", "register"]

Writer = Callable[[Dataset, Path, ExportOptions], ExportResult]


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what `annotator export --format` takes
    label: str  # what the export dialog shows
    suffix: str  # ".csv"...; "" for a folder
    is_directory: bool
    write: Writer
    # Loads the dataset with each annotation's history (`load_dataset(..., with_history=True)`).
    with_history: bool = False


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    """Make a format available by its name; ValueError if another format has that name."""
    existing = FORMATS.get(fmt.name)
    if existing is not None and existing != fmt:
        raise ValueError(f"export format {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt
    return fmt


def needs_history(fmt_name: str) -> bool:
    """Whether the format writes annotation histories: load the dataset `with_history` then."""
    fmt = FORMATS.get(fmt_name)
    return fmt is not None and fmt.with_history


def export(
    dataset: Dataset, fmt_name: str, out: Path, options: ExportOptions | None = None
) -> ExportResult:
    """Write `dataset` as `fmt_name` to `out` (atomically).

    Raises InvalidValue for an unknown format and ExportFailed (nothing written) when the
    target cannot be written.
    """
    fmt = FORMATS.get(fmt_name)
    if fmt is None:
        raise InvalidValue(
            f"unknown export format {fmt_name!r} (choose from {', '.join(FORMATS)})"
        )
    out = Path(out)
    if not fmt.is_directory and out.is_dir():
        raise ExportFailed(f"{out}: is a folder; give a file name; nothing written")
    return fmt.write(dataset, out, options or ExportOptions())


for _fmt in (
    ExportFormat("csv", "CSV (one row per tag)", ".csv", False, write_csv),
    ExportFormat("xlsx", "Excel workbook", ".xlsx", False, write_xlsx),
    ExportFormat("jsonl", "JSON Lines, one line per unit", ".jsonl", False, write_units_jsonl),
    ExportFormat(
        "jsonl-spans", "JSON Lines, one line per annotation (re-importable)", ".jsonl", False,
        write_spans_jsonl,
        with_history=True,
    ),
    ExportFormat("w3c", "W3C Web Annotation (JSON-LD)", ".jsonld", False, write_w3c),
    ExportFormat("brat", "brat standoff (folder)", "", True, write_brat),
    ExportFormat("doccano", "doccano sequence labelling (JSON Lines)", ".jsonl", False,
                 write_doccano),
    ExportFormat("html", "HTML report (printable)", ".html", False, write_html),
    ExportFormat(
        "qdpx", "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo, QualCoder)", ".qdpx", False,
        write_qdpx,
    ),
    ExportFormat("qdc", "REFI-QDA codebook", ".qdc", False, write_qdc),
):
    register(_fmt)
