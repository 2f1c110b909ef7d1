"""Backups on open and before migrations, restore, checks, and damaged files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core import ops
from annotator.core.backup import (
    backup_folder,
    check_database,
    list_backups,
    make_backup,
    restore_backup,
)
from annotator.core.errors import DatabaseDamaged
from annotator.core.queries import list_documents
from annotator.core.removal import remove_document
from annotator.core.settings import Settings, save_settings
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_db(path: Path, annotations: int = 50) -> int:
    from annotator.core.importing import import_file

    with open_store(path, daily_backup=False) as store:
        doc_id = import_file(store, SAMPLE).document_id
        assert doc_id is not None
        ops.bulk_add_annotations(
            store,
            doc_id,
            [ops.NewAnnotation(0, 10, f"a{i}", ["claim"]) for i in range(annotations)],
        )
    return doc_id


def test_open_backs_up_at_most_once_a_day(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db)
    assert list_backups(db) == []
    with open_store(db):
        pass
    (first,) = list_backups(db)
    assert first.name.endswith("-daily.sqlite3")
    with open_store(db):
        pass
    assert list_backups(db) == [first]
    old = time.time() - 25 * 3600
    os.utime(first, (old, old))
    with open_store(db):
        pass
    assert len(list_backups(db)) == 2
    conn = sqlite3.connect(first)
    assert conn.execute("SELECT count(*) FROM annotations").fetchone() == (50,)
    conn.close()


def test_only_the_newest_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db)
    made = [make_backup(db, "manual", keep=3) for _ in range(5)]
    assert list_backups(db) == list(reversed(made[-3:]))


def test_restore_saves_the_current_file_first(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    doc_id = make_db(db)
    backup = make_backup(db)
    with open_store(db, daily_backup=False) as store:
        remove_document(store, doc_id)
        assert list_documents(store) == []
    saved = restore_backup(db, backup)
    assert saved is not None and saved.exists()
    with open_store(db, daily_backup=False) as store:
        assert len(list_documents(store)) == 1
    with open_store(saved, daily_backup=False) as store:
        assert list_documents(store) == []


@pytest.mark.parametrize("damage", ["truncated", "overwritten", "not-a-database"])
def test_damaged_files_are_detected_left_untouched_and_a_backup_offered(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db, annotations=3000)
    backup = make_backup(db)
    with open_store(db, daily_backup=False) as store:
        store.engine.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    if damage == "truncated":
        db.write_bytes(bytes(data[: len(data) // 2 + 100]))
    elif damage == "overwritten":
        for offset in range(4096, len(data), 8192):
            data[offset : offset + 512] = os.urandom(512)
        db.write_bytes(bytes(data))
    else:
        db.write_text("meeting notes, definitely not a database\n", encoding="utf-8")
    before = digest(db)
    with pytest.raises(DatabaseDamaged, match="newest backup") as info:
        open_store(db)
    assert str(backup) in str(info.value)
    assert digest(db) == before
    assert not check_database(db).ok
    assert main(["list", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "annotator restore" in err and "Traceback" not in err
    assert digest(db) == before
    # the offered backup brings the work back
    assert main(["restore", str(backup), "--db", str(db)]) == 0
    with open_store(db, daily_backup=False) as store:
        assert list_documents(store)[0].annotation_count == 3000


def test_cli_backup_check_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db)
    assert main(["backup", "--db", str(db), "--keep", "2"]) == 0
    assert main(["check", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Integrity: the file is sound" in out and "50 annotation(s)" in out
    assert main(["backup", "--db", str(db), "--list"]) == 0
    assert str(backup_folder(db)) in capsys.readouterr().out
    assert main(["backup", "--db", str(tmp_path / "none.sqlite3")]) == 1


def test_every_command_keeps_the_number_of_backups_set_in_preferences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The analyst asked for 9 backups: no command prunes to the default 7."""
    db = tmp_path / "db.sqlite3"
    make_db(db)
    save_settings(Settings(author="Ana", backup_keep=9))
    for _ in range(9):
        assert main(["backup", "--db", str(db)]) == 0
    assert len(list_backups(db)) == 9
    for backup in list_backups(db):  # all a day old: the next open makes the daily one
        os.utime(backup, (time.time() - 2 * 86400,) * 2)
    assert main(["list", "--db", str(db)]) == 0
    assert len(list_backups(db)) == 9 and "daily" in list_backups(db)[0].name
    assert main(["remove", "--db", str(db), "1", "--yes"]) == 0
    assert len(list_backups(db)) == 9 and "before-remove-1" in list_backups(db)[0].name
    assert main(["restore", "--db", str(db), str(list_backups(db)[0])]) == 0
    assert len(list_backups(db)) == 10  # a restore keeps one more: the copy it saved first
    # --keep still overrides it for one backup.
    assert main(["backup", "--db", str(db), "--keep", "3"]) == 0
    assert len(list_backups(db)) == 3
    capsys.readouterr()


DAMAGES = {
    "form fields": "UPDATE annotation_tags SET fields = 'not json{' WHERE annotation_id = 3",
    "a time": "UPDATE annotations SET modified = 'yesterday' WHERE id = 3",
    "a history entry": "UPDATE annotation_history SET after = '{broken' WHERE annotation_id = 3",
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_values_that_do_not_read_back_are_reported_and_stop_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    """A hand-edited or damaged database: `check` names the annotation, exports say so in one
    line and write nothing, and the file is not changed."""
    db = tmp_path / "db.sqlite3"
    make_db(db, annotations=5)
    assert main(["check", "--db", str(db)]) == 0
    assert "Stored values: every time" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    conn.execute(DAMAGES[damage])
    conn.commit()
    conn.close()
    before = digest(db)
    assert main(["check", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "Stored values: 1 cannot be read" in out and "annotation 3:" in out
    # Every format that reads the damaged value refuses; the ones that do not need it work.
    formats = {
        "csv": "x.csv", "jsonl-spans": "x.jsonl", "jsonl-spans --history": "h.jsonl",
        "w3c": "x.jsonld", "html": "x.html",
    }
    refused = set()
    for fmt, name in formats.items():
        code = main(
            ["export", "--db", str(db), "--format", *fmt.split(), "--out", str(tmp_path / name)]
        )
        err = capsys.readouterr().err
        if code:
            refused.add(fmt)
            assert code == 1 and "cannot be read" in err and "annotator check" in err
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1
            assert not (tmp_path / name).exists()
    # Only the spans export with the history reads the history.
    history_only = {"jsonl-spans --history"}
    assert refused == (history_only if damage == "a history entry" else set(formats))
    assert digest(db) == before
