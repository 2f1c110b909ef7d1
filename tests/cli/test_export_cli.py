"""`annotator export` and `annotator caveat`, and importing an export into another database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core import ops
from annotator.core.history import annotation_history
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "export.sqlite3"
    assert main(["import", "--db", str(path), str(SAMPLE)]) == 0
    with open_store(path) as store:
        ops.create_annotation(store, 1, 0, 34, "ana", ["claim"], note="=cmd")
        ops.create_annotation(
            store, 1, 35, 89, "bob", ["figure"], fields={"figure": {"value": -5}}
        )
    return path


def test_export_every_format_with_caveat_and_filters(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["caveat", "TLP:AMBER", "--db", str(db)]) == 0
    assert main(["caveat", "--db", str(db)]) == 0
    assert "TLP:AMBER" in capsys.readouterr().out
    for fmt, name in (
        ("csv", "a.csv"), ("xlsx", "a.xlsx"), ("jsonl", "a.jsonl"), ("jsonl-spans", "s.jsonl"),
        ("w3c", "a.jsonld"), ("qdpx", "a.qdpx"), ("qdc", "a.qdc"), ("brat", "brat"),
        ("doccano", "d.jsonl"), ("html", "a.html"),
    ):
        out = tmp_path / name
        assert main(["export", "--db", str(db), "-f", fmt, "-o", str(out)]) == 0, fmt
        assert out.exists(), fmt
    rows = list(csv.DictReader((tmp_path / "a.csv").open(encoding="utf-8", newline="")))
    assert {r["handling_caveat"] for r in rows} == {"TLP:AMBER"}
    assert {r["author"] for r in rows} == {"ana", "bob"}
    assert next(r for r in rows if r["author"] == "ana")["note"] == "'=cmd"
    assert next(r for r in rows if r["author"] == "bob")["value"] == "-5"
    assert "TLP:AMBER" in (tmp_path / "a.html").read_text(encoding="utf-8")
    only_bob = tmp_path / "bob.csv"
    assert main([
        "export", "--db", str(db), "-f", "csv", "-o", str(only_bob), "--author", "bob",
        "--document", "1", "--tag", "figure", "--excel-bom",
    ]) == 0
    data = only_bob.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"ana" not in data


def test_export_then_import_into_another_database(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spans = tmp_path / "spans.jsonl"
    assert main(["export", "--db", str(db), "-f", "jsonl-spans", "-o", str(spans)]) == 0
    other = tmp_path / "other.sqlite3"
    capsys.readouterr()
    # without the document, the annotations cannot be placed: refused, nothing written
    assert main(["import", "--db", str(other), str(spans)]) == 1
    assert "not in this database" in capsys.readouterr().err
    assert main(["import", "--db", str(other), str(SAMPLE), str(spans)]) == 0
    out = capsys.readouterr().out
    assert "2 annotation(s) added" in out
    assert main(["import", "--db", str(other), str(spans)]) == 0
    assert "0 annotation(s) added, 2 already present" in capsys.readouterr().out
    # a REFI-QDA project carries its sources: it creates the document too
    qdpx = tmp_path / "p.qdpx"
    assert main(["export", "--db", str(db), "-f", "qdpx", "-o", str(qdpx)]) == 0
    third = tmp_path / "third.sqlite3"
    capsys.readouterr()
    assert main(["import", "--db", str(third), str(qdpx), "--json"]) == 0
    (outcome,) = json.loads(capsys.readouterr().out)
    assert outcome["annotations_added"] == 2


def test_history_is_written_on_request_and_only_for_spans(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, full = tmp_path / "plain.jsonl", tmp_path / "full.jsonl"
    assert main(["export", "--db", str(db), "-f", "jsonl-spans", "-o", str(plain)]) == 0
    assert main(
        ["export", "--db", str(db), "-f", "jsonl-spans", "--history", "-o", str(full)]
    ) == 0
    lines = [json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and not any("history" in line for line in lines)
    with_history = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    assert [[h["action"] for h in line["history"]] for line in with_history] == [["create"]] * 2
    capsys.readouterr()
    csv_out = tmp_path / "x.csv"
    assert main(["export", "--db", str(db), "-f", "csv", "--history", "-o", str(csv_out)]) == 2
    assert "--history applies only to jsonl-spans" in capsys.readouterr().err
    assert not csv_out.exists()
    # Imported into another database, the history comes along (then the "import" entry).
    other = tmp_path / "other.sqlite3"
    assert main(["import", "--db", str(other), str(SAMPLE), str(full)]) == 0
    with open_store(other) as store:
        carried = [h.action for h in annotation_history(store, 1)]
    assert carried == ["create", "import"]


def test_export_usage_and_failures(db: Path, tmp_path: Path) -> None:
    assert main(["export", "--db", str(db), "-f", "nope", "-o", str(tmp_path / "x")]) == 2
    assert main(["export", "--db", str(db), "-f", "csv"]) == 2
    missing_folder = tmp_path / "no" / "such" / "x.csv"
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(missing_folder)]) == 1
    assert not missing_folder.parent.exists()
    assert main(["caveat", "--clear", "--db", str(db)]) == 0


def test_export_filters_must_name_something_in_the_database(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt --tag or --author is a usage error listing what exists, not an empty file."""
    out = tmp_path / "x.csv"
    capsys.readouterr()
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(out), "--tag", "claims"]) == 2
    err = capsys.readouterr().err
    assert "no tag 'claims'" in err and "claim, assessment, figure" in err
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(out), "--author", "Ana"]) == 2
    err = capsys.readouterr().err
    assert "no author 'Ana'" in err and "ana, bob" in err
    assert not out.exists()
    assert main(["export", "--db", str(db), "-f", "csv", "-o", str(out), "--author", "ana",
                 "--tag", "claim"]) == 0
