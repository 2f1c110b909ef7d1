"""The format registry, atomic writing (a failed export leaves nothing), reference outputs.

Reference files under tests/data/reference/ pin every text format byte for byte. After a
deliberate change of a format, rewrite them with
    ANNOTATOR_UPDATE_REFERENCE=1 .venv/bin/pytest tests/core/exporters/test_registry.py
and review the diff.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.core.dataset import Dataset
from annotator.core.errors import InvalidValue
from annotator.core.exporters import brat, csv_export, doccano, html_report, jsonl, w3c, xlsx
from annotator.core.exporters.registry import (
    FORMATS,
    ExportFormat,
    ExportOptions,
    ExportResult,
    export,
    register,
)
from annotator.core.files import ExportFailed
from tests.conftest import REPO_ROOT

REFERENCE = REPO_ROOT / "tests" / "data" / "reference"
UPDATE = os.environ.get("ANNOTATOR_UPDATE_REFERENCE") == "1"


def test_formats() -> None:
    assert list(FORMATS)[:8] == [
        "csv", "xlsx", "jsonl", "jsonl-spans", "w3c", "brat", "doccano", "html"
    ]
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.label
        assert fmt.is_directory == (fmt.suffix == "")


def test_register() -> None:
    csv = FORMATS["csv"]
    assert register(csv) is csv  # registering the same format again is harmless
    with pytest.raises(ValueError, match="already registered"):
        register(ExportFormat("csv", "Other", ".csv", False, csv.write))
    extra = ExportFormat("test-extra", "Extra", ".txt", False, csv.write)
    try:
        register(extra)
        assert FORMATS["test-extra"] is extra
    finally:
        FORMATS.pop("test-extra")


def test_unknown_format_and_folder_target(dataset: Dataset, out_dir: Path) -> None:
    with pytest.raises(InvalidValue, match="unknown export format 'pdf'"):
        export(dataset, "pdf", out_dir / "a.pdf")
    with pytest.raises(ExportFailed, match="is a folder"):
        export(dataset, "csv", out_dir)
    with pytest.raises(ExportFailed, match="no such folder"):
        export(dataset, "csv", out_dir / "missing" / "a.csv")
    (out_dir / "file").write_text("x")
    with pytest.raises(ExportFailed, match="not a folder"):
        export(dataset, "brat", out_dir / "file")


def _fail_on_call(
    monkeypatch: pytest.MonkeyPatch, target: Any, name: str, call: int
) -> None:
    original = getattr(target, name)
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise RuntimeError("boom in the middle of the export")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)


# Something each writer calls once per row, line or document; it fails on the given call.
MIDWAY: dict[str, tuple[Any, str, int]] = {
    "csv": (csv_export, "_text", 12),
    "xlsx": (xlsx._AnnotationRows, "serial_text", 6),
    "jsonl": (jsonl, "_summary", 2),
    "jsonl-spans": (jsonl, "iso_z", 5),
    "w3c": (w3c, "annotation_json", 4),
    "brat": (brat, "_document_ann", 2),
    "doccano": (doccano, "_encode", 2),
    "html": (html_report, "_write_document", 2),
}


def _old_output(path: Path, is_directory: bool) -> Callable[[], None]:
    """Put an older export at `path`; return a check that it is still exactly there."""
    if is_directory:
        path.mkdir()
        (path / "old.ann").write_text("old")
        return lambda: [p.name for p in path.iterdir()] == ["old.ann"] or pytest.fail("changed")
    path.write_bytes(b"old export")
    return lambda: path.read_bytes() == b"old export" or pytest.fail("changed")


@pytest.mark.parametrize("fmt", list(MIDWAY))
@pytest.mark.parametrize("existing", [False, True])
def test_a_writer_failing_midway_leaves_nothing(
    fmt: str, existing: bool, dataset: Dataset, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, name, call = MIDWAY[fmt]
    _fail_on_call(monkeypatch, target, name, call)
    out = out_dir / f"export{FORMATS[fmt].suffix}"
    unchanged = _old_output(out, FORMATS[fmt].is_directory) if existing else None
    with pytest.raises(RuntimeError, match="boom"):
        export(dataset, fmt, out)
    if unchanged is None:
        assert list(out_dir.iterdir()) == []
    else:
        unchanged()
        assert [p.name for p in out_dir.iterdir()] == [out.name]


class Cancelled(Exception):
    pass


def _cancel(done: int, total: int) -> None:
    raise Cancelled(f"{done}/{total}")


@pytest.mark.parametrize("fmt", list(MIDWAY))
def test_cancelling_from_progress_leaves_nothing(
    fmt: str, dataset: Dataset, out_dir: Path
) -> None:
    out = out_dir / f"export{FORMATS[fmt].suffix}"
    unchanged = _old_output(out, FORMATS[fmt].is_directory)
    with pytest.raises(Cancelled):
        export(dataset, fmt, out, ExportOptions(progress=_cancel))
    unchanged()
    assert [p.name for p in out_dir.iterdir()] == [out.name]


@pytest.mark.parametrize("fmt", list(MIDWAY))
def test_a_finished_export_replaces_the_old_one(
    fmt: str, dataset: Dataset, out_dir: Path
) -> None:
    out = out_dir / f"export{FORMATS[fmt].suffix}"
    _old_output(out, FORMATS[fmt].is_directory)
    calls: list[tuple[int, int]] = []
    result = export(dataset, fmt, out, ExportOptions(progress=lambda d, t: calls.append((d, t))))
    assert isinstance(result, ExportResult) and result.path == out and result.items > 0
    assert calls and calls[-1][0] == calls[-1][1]
    assert [p.name for p in out_dir.iterdir()] == [out.name]
    if FORMATS[fmt].is_directory:
        assert not (out / "old.ann").exists()
    else:
        assert out.read_bytes() != b"old export"


REFERENCES = {
    "csv": "export.csv",
    "jsonl": "export-units.jsonl",
    "jsonl-spans": "export-spans.jsonl",
    "jsonl-spans+history": "export-spans-history.jsonl",
    "w3c": "export.jsonld",
    "brat": "brat",
    "doccano": "export-doccano.jsonl",
    "html": "export.html",
}


def _files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


@pytest.mark.parametrize("variant", list(REFERENCES))
def test_output_matches_the_reference(variant: str, dataset: Dataset, out_dir: Path) -> None:
    out = out_dir / REFERENCES[variant]
    fmt, _plus, history = variant.partition("+")
    export(dataset, fmt, out, ExportOptions(history=bool(history)))
    reference = REFERENCE / REFERENCES[variant]
    if UPDATE:
        if reference.is_dir():
            shutil.rmtree(reference)
        reference.parent.mkdir(parents=True, exist_ok=True)
        if out.is_dir():
            shutil.copytree(out, reference)
        else:
            shutil.copyfile(out, reference)
    assert reference.exists(), f"{reference} is missing (ANNOTATOR_UPDATE_REFERENCE=1 writes it)"
    assert _files(out) == _files(reference)
