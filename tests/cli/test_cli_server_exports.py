"""`annotator export` and `annotator agreement` on a team database, end to end, as an analyst.

The same annotations are merged into a database file and onto the server (`annotator merge`),
then an analyst connected as its own role (row-level security on) runs the commands there:
each file is the one the database file gives (byte for byte where the format writes no export
time), and the agreement report is the same.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from annotator.cli import main
from tests.conftest import REPO_ROOT
from tests.pg_cluster import PgCluster

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
# Formats whose bytes do not depend on the moment of the export (the others write it).
TIMELESS = ("csv", "jsonl", "jsonl-spans", "doccano")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _source(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """A database file where ana and bob tagged the sample briefing, with form fields."""
    from annotator.core import ops
    from annotator.core.store import open_store

    assert run(capsys, "import", "--db", str(path), str(SAMPLE))[0] == 0
    units = json.loads(run(capsys, "show", "1", "--db", str(path), "--json")[1])["units"]
    sentences = [u for u in units if u["kind"] != "skipped"][:8]
    with open_store(path) as store:
        for i, unit in enumerate(sentences):
            where = (unit["start"], unit["end"])
            ops.create_annotation(
                store, 1, *where, "ana", ["assessment"],
                fields={"assessment": {"likelihood": "likely", "confidence": "high"}},
            )
            likelihood = "likely" if i % 3 else "very_likely"
            tags = ["assessment", "claim"] if i % 2 else ["assessment"]
            ops.create_annotation(
                store, 1, *where, "bob", tags,
                fields={"assessment": {"likelihood": likelihood}},
                note="check the source" if i == 2 else "",
            )


@pytest.fixture
def both(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, tmp_path: Path
) -> tuple[str, str]:
    """(a database file, the analyst dana's URL of a team database) holding the same data."""
    source = tmp_path / "source.sqlite3"
    _source(capsys, source)
    local = str(tmp_path / "local.sqlite3")
    admin = pg_cluster.create_database()
    assert run(capsys, "server", "init", "--db", admin)[0] == 0
    for target in (local, admin):
        code, _out, err = run(capsys, "merge", "--db", target, str(source))
        assert code == 0, err
        assert run(capsys, "caveat", "TLP:AMBER", "--db", target)[0] == 0
    code, _out, err = run(capsys, "server", "add-user", "dana", "--role", "analyst",
                          "--db", admin)
    assert code == 0, err
    return local, admin.replace("annotator_test@", "dana@")


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("csv", ".csv"), ("jsonl", ".jsonl"), ("jsonl-spans", ".jsonl"), ("doccano", ".jsonl"),
     ("w3c", ".jsonld"), ("xlsx", ".xlsx"), ("html", ".html"), ("qdpx", ".qdpx")],
)
def test_export_on_a_server_writes_what_the_file_gives(
    capsys: pytest.CaptureFixture[str], both: tuple[str, str], tmp_path: Path, fmt: str,
    suffix: str,
) -> None:
    written = {}
    for side, db in zip(("file", "server"), both, strict=True):
        out = tmp_path / f"{side}{suffix}"
        code, stdout, err = run(capsys, "export", "--db", db, "-f", fmt, "-o", str(out))
        assert code == 0, err
        assert stdout.startswith("exported ") and "Traceback" not in err
        written[side] = out.read_bytes()
    if fmt in TIMELESS:
        assert written["server"] == written["file"]
    elif fmt == "w3c":  # the same but for the collection's time
        collections = {side: json.loads(data) for side, data in written.items()}
        for collection in collections.values():
            collection.pop("created")
        assert collections["server"] == collections["file"]
        assert collections["server"]["total"] == 16
    elif fmt in ("xlsx", "qdpx"):
        members = {}
        for side, data in written.items():
            path = tmp_path / f"{side}-check{suffix}"
            path.write_bytes(data)
            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None
                # All but the About sheet (sheet1: the export's time) and the REFI-QDA
                # project (the export's time, the documents' import times)
                members[side] = {
                    name: archive.read(name)
                    for name in archive.namelist()
                    if name.startswith(("xl/worksheets/", "sources/"))
                    and name != "xl/worksheets/sheet1.xml"
                }
        assert members["server"] == members["file"] and members["server"]
    else:
        assert abs(len(written["server"]) - len(written["file"])) < 20  # the export's time
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(written["server"].decode("utf-8"))))
        assert len(rows) == 1 + 8 + 12  # the header, one row per tag: ana 8, bob 8 + 4 claims
        assert rows[1][-1] == "TLP:AMBER"
        assert sum("check the source" in row for row in rows) == 1


def test_export_filters_and_agreement_on_a_server_as_the_file(
    capsys: pytest.CaptureFixture[str], both: tuple[str, str], tmp_path: Path
) -> None:
    outputs: dict[str, list[str]] = {"file": [], "server": []}
    for side, db in zip(("file", "server"), both, strict=True):
        out = tmp_path / f"{side}.csv"
        code, _stdout, err = run(
            capsys, "export", "--db", db, "-f", "csv", "-o", str(out), "--author", "bob",
            "--tag", "claim", "--field", "likelihood>=likely", "--sort=-likelihood",
        )
        assert code == 0, err
        outputs[side].append(out.read_text(encoding="utf-8"))
        code, stdout, err = run(capsys, "agreement", "--db", db, "--authors", "ana", "bob",
                                "--json")
        assert code == 0, err
        outputs[side].append(stdout)
    assert outputs["server"] == outputs["file"]
    csv_text, report_text = outputs["server"]
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert len(rows) == 1 + 4 and all(row[rows[0].index("author")] == "bob" for row in rows[1:])
    report = json.loads(report_text)
    assert report["units"] > 8
    likelihood = next(f for f in report["fields"] if f["field"] == "likelihood")
    assert likelihood["krippendorff_alpha"]["pairable_units"] == 8
