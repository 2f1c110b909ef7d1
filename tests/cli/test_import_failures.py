"""`annotator` when the database cannot be written: one plain line on stderr, no SQL, no document
text; `annotator import A B C D` stopped at C keeps A and B and says D was not tried."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator import cli
from annotator.cli import main
from tests.storage_faults import (
    Faults,
    assert_plain,
    briefing,
    failing_from,
    faults,
    holding_write_lock,
    short_busy_timeout,
)

__all__ = ["faults", "short_busy_timeout"]  # fixtures

SECRET = "Operation NIGHTJAR"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stored_names(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT source_name FROM documents ORDER BY id")]
    finally:
        conn.close()


def four_briefings(folder: Path) -> list[str]:
    return [str(briefing(folder, f"{name}.txt", f"{name} {SECRET}")) for name in "abcd"]


def test_disk_full_at_the_third_file_keeps_the_first_two(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, faults: Faults,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "cli.sqlite3"
    failing_from(monkeypatch, "c.txt", faults.full)
    code, out, err = run(capsys, "import", "--db", str(db), *four_briefings(tmp_path))
    assert code == 1
    assert out.count("imported ") == 2 and "imported a.txt" in out and "imported b.txt" in out
    assert err == (
        "annotator: c.txt: not imported: the disk is full; free some space; not tried: d.txt\n"
    )
    assert_plain(err, SECRET)
    faults.clear()
    assert stored_names(db) == ["a.txt", "b.txt"]


def test_a_lock_held_by_another_program_stops_the_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short_busy_timeout: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "cli.sqlite3"
    files = four_briefings(tmp_path)
    assert run(capsys, "import", "--db", str(db), files[0])[0] == 0  # the database exists
    with holding_write_lock(db) as other:
        other.execute("ROLLBACK")  # free until the import reaches c.txt
        failing_from(monkeypatch, "c.txt", lambda: other.execute("BEGIN IMMEDIATE"))
        code, out, err = run(capsys, "import", "--db", str(db), *files[1:])
    assert code == 1 and "imported b.txt" in out
    assert err == (
        "annotator: c.txt: not imported: another program (another Annotator window or "
        "command) is holding the database; try again when it has finished; not tried: d.txt\n"
    )
    assert_plain(err, SECRET)
    assert stored_names(db) == ["a.txt", "b.txt"]


def test_json_lists_the_failed_file_and_those_not_tried(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, faults: Faults,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing_from(monkeypatch, "b.txt", faults.read_only)
    code, out, err = run(
        capsys, "import", "--json", "--db", str(tmp_path / "cli.sqlite3"),
        *four_briefings(tmp_path),
    )
    assert code == 1
    entries = json.loads(out)
    assert [Path(e["file"]).name for e in entries] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert entries[0]["document_id"] is not None and entries[0]["error"] is None
    assert entries[1]["document_id"] is None and entries[1]["error"].startswith(
        "b.txt: not imported: the database file or its folder cannot be written (read-only)"
    )
    assert [e["error"] for e in entries[2:]] == ["not tried: the import stopped at b.txt"] * 2
    assert "not tried: c.txt, d.txt" in err
    assert_plain(out, SECRET)
    assert_plain(err, SECRET)


def test_a_failed_write_outside_import_is_one_plain_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, faults: Faults,
) -> None:
    db = tmp_path / "cli.sqlite3"
    assert run(capsys, "import", "--db", str(db), str(briefing(tmp_path, "a.txt", "a")))[0] == 0
    faults.read_only()
    code, out, err = run(capsys, "edit", "--db", str(db), "1", "--title", SECRET)
    assert code == 1 and out == ""
    assert err.startswith(
        "annotator: edit stopped: the database file or its folder cannot be written (read-only); "
    )
    assert "Traceback" not in err and "--debug" not in err
    assert_plain(err, SECRET)
    # --debug still shows where it came from, then the same line.
    code, _out, err = run(capsys, "edit", "--db", str(db), "1", "--title", SECRET, "--debug")
    assert code == 1 and "Traceback" in err and "OperationalError" in err
    assert err.splitlines()[-1].startswith("annotator: edit stopped: the database file")


def test_an_unknown_database_error_names_its_class_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def failing(_args: object) -> int:
        raise OperationalError(
            f"UPDATE documents SET title = '{SECRET}'", (SECRET,),
            sqlite3.OperationalError("no such column: title"),
        )

    monkeypatch.setitem(cli.COMMANDS, "list", failing)
    code, _out, err = run(capsys, "list", "--db", str(tmp_path / "x.sqlite3"))
    assert code == 1
    assert err == (
        "annotator: list stopped: an unexpected database error (OperationalError) (run with "
        "--debug for details)\n"
    )
