"""The `annotator` command: subcommands, exit codes, messages, --json output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.store import open_store
from tests.backends import Backend
from tests.conftest import CORPUS, REPO_ROOT, require_shared
from tests.core.interchange.field_samples import (
    IDS,
    INVALID,
    VALID,
    WRITERS,
    dump,
    expected_line,
    new_database,
)

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(backend: Backend) -> str:
    """The database of the commands: a file, or a URL on the test cluster (tests/backends.py)."""
    return str(backend.target("cli"))


def test_import_list_show_round_trip(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run(capsys, "import", "--db", db, str(SAMPLE))
    assert code == 0, err
    assert "imported sample-briefing.txt as document 1" in out

    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert code == 0
    (doc,) = json.loads(out)
    assert doc["title"] == "Northern Corridor Security Outlook"
    assert doc["published"] == "2025-03-04"
    assert doc["units"] > 15
    assert doc["annotations"] == 0

    code, out, _ = run(capsys, "list", "--db", db)
    assert code == 0 and "Northern Corridor Security Outlook" in out and "2025-03-04" in out

    code, out, _ = run(capsys, "show", "1", "--db", db, "--json")
    assert code == 0
    shown = json.loads(out)
    text = SAMPLE.read_text(encoding="utf-8")
    for unit in shown["units"]:
        assert unit["text"] == text[unit["start"] : unit["end"]]
        assert unit["tags"] == []
    assert any(u["kind"] == "bullet" for u in shown["units"])

    code, out, _ = run(capsys, "show", "Corridor", "--db", db)
    assert code == 0 and "We assess that the Free Valley Front" in out


def test_show_lists_tags_of_covering_annotations(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    from annotator.core import ops
    from annotator.core.store import open_store

    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    with open_store(db) as store:
        detail_units = json.loads(run(capsys, "show", "1", "--db", db, "--json")[1])["units"]
        target = next(u for u in detail_units if u["text"].startswith("Since October 2024"))
        ops.create_annotation(store, 1, target["start"], target["end"], "ana", ["claim", "figure"])
    code, out, _ = run(capsys, "show", "1", "--db", db, "--json")
    units = {u["start"]: u for u in json.loads(out)["units"]}
    assert units[target["start"]]["tags"] == ["claim", "figure"]
    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert json.loads(out)[0]["annotations"] == 1


def test_reimport_is_reported_not_duplicated(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    code, _out, err = run(capsys, "import", "--db", db, str(SAMPLE))
    assert code == 0
    assert "already in the database as document 1" in err
    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert len(json.loads(out)) == 1
    code, out, _ = run(capsys, "import", "--db", db, "--allow-duplicate", str(SAMPLE))
    assert code == 0 and "document 2" in out


def test_bad_files_are_reported_and_good_ones_imported(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    missing = tmp_path / "missing.txt"
    code, out, err = run(
        capsys, "import", "--db", db, str(empty), str(SAMPLE), str(binary), str(missing),
        str(tmp_path),
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 4
    for name, line in zip(["empty.txt", "blob.txt", "missing.txt", tmp_path.name], lines,
                          strict=True):
        assert name in line and "nothing imported" in line
    assert "Traceback" not in err
    assert "imported sample-briefing.txt" in out
    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert [d["source_name"] for d in json.loads(out)] == ["sample-briefing.txt"]


def test_max_size_is_configurable(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _out, err = run(capsys, "import", "--db", db, "--max-mb", "0.001", str(SAMPLE))
    assert code == 1 and "sample-briefing.txt" in err and "MB" in err


def test_segment_prints_code_point_offsets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("Title line\r\n\r\nAn emoji 🙂 first. Then Arabic: مرحبا.\r\n".encode())
    code, out, _ = run(capsys, "segment", str(path), "--json")
    assert code == 0
    spans = json.loads(out)
    text = "Title line\n\nAn emoji 🙂 first. Then Arabic: مرحبا.\n"
    assert [text[s:e] for s, e in spans] == [
        "Title line", "An emoji 🙂 first.", "Then Arabic: مرحبا."
    ]
    code, out, _ = run(capsys, "segment", str(path), "--json", "--kinds")
    assert all(len(item) == 3 for item in json.loads(out))


def test_segment_matches_the_corpus_text(capsys: pytest.CaptureFixture[str]) -> None:
    path = require_shared(CORPUS / "briefings" / "00_soufan-intelbrief-2017-09-07.txt")
    code, out, _ = run(capsys, "segment", str(path), "--json")
    assert code == 0
    text = path.read_text(encoding="utf-8")
    spans = json.loads(out)
    assert spans and all(0 <= s < e <= len(text) for s, e in spans)
    assert "[Local forces](#)" in "".join(text[s:e] for s, e in spans)


def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["frobnicate"], ["import"], ["show"], ["list", "--bogus"]):
        code, _out, err = run(capsys, *argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1, err


def test_failed_operation_exits_1_and_debug_shows_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_db = tmp_path / "notes.sqlite3"
    not_db.write_text("hello")
    code, _out, err = run(capsys, "list", "--db", str(not_db))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "not an Annotator database" in err
    code, _out, err = run(capsys, "list", "--db", str(not_db), "--debug")
    assert code == 1 and "Traceback" in err
    empty = tmp_path / "x.sqlite3"
    open_store(empty).close()
    code, _out, err = run(capsys, "show", "42", "--db", str(empty))
    assert code == 1 and "no document matches" in err


def test_a_mistyped_db_path_is_reported_not_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only the commands that add to a database create it; the others say it is not there."""
    typo = tmp_path / "anotations.sqlite3"
    for command in (["list"], ["show", "1"], ["export", "-f", "csv", "-o", str(tmp_path / "x.csv")],
                    ["caveat"], ["agreement", "--authors", "a", "b"], ["review", "1"]):
        code, _out, err = run(capsys, *command, "--db", str(typo))
        assert code == 1 and "no Annotator database here" in err, command
        assert not typo.exists() and not (tmp_path / "x.csv").exists()
    code, _out, _err = run(capsys, "import", "--db", str(typo), str(SAMPLE))
    assert code == 0 and typo.exists()


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for sub in ("import", "list", "show", "segment", "edit"):
        with pytest.raises(SystemExit) as exit_info:
            main([sub, "--help"])
        assert exit_info.value.code == 0
        assert "--db" in capsys.readouterr().out


def test_installed_entry_point_and_env_database(tmp_path: Path) -> None:
    env_db = tmp_path / "env.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(SAMPLE)],
        capture_output=True, text=True, env={"ANNOTATOR_DB": str(env_db), "PATH": "/usr/bin"},
        cwd=REPO_ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert env_db.exists()
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("annotator ")


def test_edit_corrects_guessed_metadata(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    code, out, err = run(
        capsys, "edit", "1", "--db", db, "--title", "Corridor outlook", "--date", "2025-03-05",
        "--issuer", "", "--language", "en",
    )
    assert code == 0, err
    (doc,) = json.loads(run(capsys, "list", "--db", db, "--json")[1])
    assert (doc["title"], doc["published"], doc["issuer"], doc["date_certainty"]) == (
        "Corridor outlook", "2025-03-05", None, "exact",
    )
    assert run(capsys, "edit", "1", "--db", db, "--date", "2025-02-30")[0] == 2
    assert run(capsys, "edit", "1", "--db", db)[0] == 2
    assert run(capsys, "edit", "99", "--db", db, "--title", "x")[0] == 1


def test_remove_asks_for_yes_backs_up_then_removes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from annotator.core import ops
    from annotator.core.backup import list_backups
    from annotator.core.queries import document_annotations
    from annotator.core.store import open_store

    db = str(tmp_path / "cli.sqlite3")  # a file's backups (a server: test_cli_server.py)

    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    with open_store(db) as store:
        ops.create_annotation(store, 1, 0, 10, "ana", ["claim"])
    code, out, _ = run(capsys, "remove", "Northern", "--db", db)
    assert code == 2 and "would remove document 1" in out and "1 annotation;" in out
    assert len(json.loads(run(capsys, "list", "--db", db, "--json")[1])) == 1
    code, out, err = run(capsys, "remove", "1", "--db", db, "--yes")
    assert code == 0, err
    assert json.loads(run(capsys, "list", "--db", db, "--json")[1]) == []
    (backup,) = [b for b in list_backups(Path(db)) if "before-remove-1" in b.name]
    assert str(backup) in out and f'annotator merge "{backup}"' in out
    # The backup still has the document and its annotation.
    with open_store(backup, daily_backup=False) as saved:
        assert len(document_annotations(saved, 1)) == 1
    # Merging that backup brings the document and its annotation back.
    assert run(capsys, "merge", str(backup), "--db", db)[0] == 0
    (restored,) = json.loads(run(capsys, "list", "--db", db, "--json")[1])
    assert restored["annotations"] == 1 and restored["id"] != 1  # ids are never reused
    assert run(capsys, "remove", "1", "--db", db, "--yes")[0] == 1


def test_agreement_command(capsys: pytest.CaptureFixture[str], db: str) -> None:
    from annotator.core import ops
    from annotator.core.store import open_store

    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    units = json.loads(run(capsys, "show", "1", "--db", db, "--json")[1])["units"]
    sentences = [u for u in units if u["kind"] != "skipped"][:6]
    with open_store(db) as store:
        for i, unit in enumerate(sentences):
            ops.create_annotation(store, 1, unit["start"], unit["end"], "ana", ["claim"])
            tag = "claim" if i < 4 else "figure"
            ops.create_annotation(store, 1, unit["start"], unit["end"], "bob", [tag])
    code, out, _ = run(capsys, "agreement", "--db", db, "--authors", "ana", "bob", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["authors"] == ["ana", "bob"]
    claim = report["tags"]["claim"]
    assert claim["percent_agreement"]["value"] > 0.5
    assert "cohen_kappa" in claim and "krippendorff_alpha" in claim
    code, out, _ = run(capsys, "agreement", "--db", db, "--authors", "ana", "bob")
    assert code == 0 and "claim" in out and "overall" in out
    assert run(capsys, "agreement", "--db", db, "--authors", "ana")[0] == 1


def test_files_without_a_subcommand_open_the_window_and_import_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from annotator import cli

    seen: dict[str, object] = {}

    def fake_gui(args: object, files: object = ()) -> int:
        seen["db"] = getattr(args, "db", None)
        seen["files"] = files
        return 0

    monkeypatch.setattr(cli, "cmd_gui", fake_gui)
    assert cli.main(["--db", str(tmp_path / "x.sqlite3"), str(SAMPLE)]) == 0
    assert seen == {"db": tmp_path / "x.sqlite3", "files": [SAMPLE]}
    open_store(tmp_path / "y.sqlite3").close()
    assert cli.main(["list", "--db", str(tmp_path / "y.sqlite3")]) == 0


# --- issue 13: imports judge form fields as the form does -----------------------------------


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize(("tag", "fields", "field", "reason"), INVALID[:4], ids=IDS[:4])
def test_import_refuses_a_file_with_a_value_the_form_would_reject(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fmt: str,
    tag: str,
    fields: dict[str, object],
    field: str,
    reason: str,
) -> None:
    """Out-of-range grading, impossible date, non-number, unknown field: exit 1, one line on
    stderr naming the annotation and the field, the database unchanged; `merge` the same."""
    db = new_database(tmp_path / "db.sqlite3")
    path = WRITERS[fmt][0](tmp_path, tag, fields)
    before = dump(db)
    for command in ("import", "merge"):
        code, out, err = run(capsys, command, str(path), "--db", str(db))
        assert code == 1, command
        assert err.splitlines() == [expected_line(fmt, tag, field, reason)], command
        assert "added" not in out
        assert dump(db) == before


def test_import_takes_a_file_whose_values_the_form_accepts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = new_database(tmp_path / "db.sqlite3")
    path = WRITERS["jsonl-spans"][0](tmp_path, *VALID[2])
    code, out, err = run(capsys, "import", str(path), "--db", str(db))
    assert code == 0, err
    assert "3 annotation(s) added" in out
