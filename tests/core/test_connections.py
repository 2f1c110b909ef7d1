"""One owner of the database connections per process (core/connections.py), and what it is for:
no write is lost when parts of the app and other processes use one database at once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core import connections, ops, queries
from annotator.core.backup import list_backups, make_backup, restore_backup, save_copy
from annotator.core.errors import AnnotatorError, DatabaseDamaged, ImportRefused
from annotator.core.importing import import_file
from annotator.core.inspection import inspect_database
from annotator.core.store import Store, open_store
from tests import db_guard
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def new_db(path: Path) -> tuple[Store, int]:
    store = open_store(path, daily_backup=False)
    document_id = import_file(store, SAMPLE).document_id
    assert document_id is not None
    return store, document_id


def tag(store: Store, document_id: int, start: int, author: str = "ana") -> int:
    created = ops.create_annotation(store, document_id, start, start + 5, author, ["claim"])
    assert created.created_id is not None
    return created.created_id


def ids_in_file(path: Path) -> set[int]:
    """The annotation ids a fresh process finds in the file (nothing of ours is shared)."""
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "print(' '.join(str(r[0]) for r in c.execute('SELECT id FROM annotations')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60,
        check=True,
    ).stdout
    return {int(word) for word in out.split()}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], capture_output=True, text=True, timeout=120,
        cwd=REPO_ROOT,
    )


def test_a_second_open_borrows_the_connections_and_the_last_close_leaves_one_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    borrowed = open_store(db, daily_backup=False)  # what the export dialog and tasks do
    assert borrowed.engine is store.engine and connections.in_use(db)
    tag(borrowed, document_id, 0)
    borrowed.close()
    tag(store, document_id, 10)  # the window's store still works
    assert connections.in_use(db)
    store.close()
    assert not connections.in_use(db)
    # The last connection folded the log into the file: the .sqlite3 file alone holds it all.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite3"]
    assert len(ids_in_file(db)) == 2


def test_the_export_and_cli_sequence_of_the_issue_keeps_every_write(tmp_path: Path) -> None:
    """Issue 13's reproduction at the core level: a window's store, an export's second open of
    the same file, `annotator list` in another process, then more tags. Before the one-owner
    rule the second open read the header with open(), dropping this process's locks, and the
    CLI's exit deleted the write-ahead log the window went on writing to."""
    db = tmp_path / "db.sqlite3"
    window, document_id = new_db(db)
    watcher = window.watcher()  # the window's change watcher, closed last at quit
    watcher.token()
    written = {tag(window, document_id, 0)}
    with open_store(db, daily_backup=False) as export_reader:  # export dialog / run_batch
        assert ops.snapshot_annotation(export_reader, next(iter(written))).id in written
    listed = cli("list", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    written |= {tag(window, document_id, start) for start in (20, 40, 60)}
    assert ids_in_file(db) == written  # seen by another process while the window is open
    watcher.token()
    window.close()
    watcher.close()
    assert ids_in_file(db) == written  # the old code lost all but the first here
    shown = cli("show", "1", "--db", str(db), "--json")
    assert shown.returncode == 0, shown.stderr


def test_inspecting_an_open_database_never_opens_the_file_itself(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, _ = new_db(db)
    try:
        db_guard.take_violations()
        assert inspect_database(db).revision is not None
        with open_store(db) as again:
            assert again.engine is store.engine
        make_backup(db, "manual")
        assert db_guard.take_violations() == []
    finally:
        store.close()


def test_the_guard_catches_a_plain_open_of_an_open_database(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, _ = new_db(db)
    try:
        db_guard.take_violations()
        with open(db, "rb") as handle:  # what inspect_database used to do
            handle.read(16)
        Path(f"{db}-wal").exists()  # a stat is harmless and not reported
        found = db_guard.take_violations()
        assert len(found) == 1 and "while this process has the database open" in found[0]
        conn = sqlite3.connect(":memory:")
        conn.close()
        assert db_guard.take_violations() == []
    finally:
        store.close()
    with open(db, "rb") as handle:  # closed: plain reads are fine again
        handle.read(16)
    assert db_guard.take_violations() == []


def test_reading_an_open_database_as_an_import_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, _ = new_db(db)
    try:
        for path in (db, Path(f"{db}-wal")):
            with pytest.raises(ImportRefused, match="open in Annotator"):
                connections.refuse_if_open(path)
    finally:
        store.close()
    connections.refuse_if_open(db)


def test_save_a_copy_is_one_self_contained_file(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    written = {tag(store, document_id, start) for start in (0, 10)}
    copy = tmp_path / "sent" / "copy.sqlite3"
    copy.parent.mkdir()
    try:
        assert save_copy(db, copy) == copy
        for target in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            with pytest.raises(AnnotatorError, match="open in Annotator"):
                save_copy(db, target)
        with pytest.raises(AnnotatorError, match="folder"):
            save_copy(db, tmp_path)
    finally:
        store.close()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.sqlite3"]
    assert ids_in_file(copy) == written
    with open_store(copy) as opened:
        assert {a.id for a in queries.document_annotations(opened, document_id)} == written


def test_cli_backup_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    written = {tag(store, document_id, 0)}
    store.close()
    out = tmp_path / "for-ben.sqlite3"
    assert main(["backup", "--db", str(db), "--to", str(out)]) == 0
    assert "saved a copy" in capsys.readouterr().out
    assert ids_in_file(out) == written and list_backups(db) == []
    assert main(["backup", "--db", str(db), "--to", str(db)]) == 1
    assert "open in Annotator" in capsys.readouterr().err
    assert main(["backup", "--db", str(tmp_path / "none.sqlite3"), "--to", str(out)]) == 1


def test_restore_reaches_a_database_another_process_has_open(tmp_path: Path) -> None:
    """The restore writes through SQLite: a window (here: another process) that has the
    database open sees the restored content, and its next write lands in the same file."""
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    first = tag(store, document_id, 0)
    store.close()
    backup = make_backup(db, "manual")
    store = open_store(db, daily_backup=False)
    later = tag(store, document_id, 10)
    store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "print(c.execute('SELECT count(*) FROM annotations').fetchone()[0], flush=True)\n"
            "sys.stdin.readline()\n"
            "print(c.execute('SELECT count(*) FROM annotations').fetchone()[0], flush=True)\n"
            "c.execute(\"UPDATE annotations SET note = 'after restore'\")\n"
            "c.close()\n"
        ), str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "2"
        saved = restore_backup(db, backup)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "1"
        assert holder.wait(timeout=60) == 0
    finally:
        holder.kill()
    assert saved is not None and ids_in_file(saved) == {first, later}
    assert ids_in_file(db) == {first}
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT note FROM annotations").fetchall() == [("after restore",)]
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_a_zero_byte_database_with_backups_is_damaged_not_new(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    tag(store, document_id, 0)
    store.close()
    backup = make_backup(db, "manual")
    db.write_bytes(b"")
    with pytest.raises(DatabaseDamaged, match="empty") as info:
        open_store(db)
    assert str(backup) in str(info.value)
    assert db.stat().st_size == 0  # left as it was, for the analyst to restore
    assert restore_backup(db, backup) is not None
    assert len(ids_in_file(db)) == 1
    fresh = tmp_path / "fresh.sqlite3"
    fresh.write_bytes(b"")  # no backups: an empty file is simply a new database
    with open_store(fresh) as store:
        assert store.revision() is not None


@contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """`folder` as the analyst meets a read-only mount: as root (whom permission bits do not
    stop), a read-only bind mount of it; otherwise the permission bits."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = folder.with_name(folder.name + "-ro")
    mounted.mkdir()
    steps = (["mount", "--bind", str(folder), str(mounted)],
             ["mount", "-o", "remount,bind,ro", str(mounted)])
    for step in steps:
        if subprocess.run(step, capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", str(mounted)], capture_output=True, timeout=30)
            pytest.skip("cannot make a read-only mount here (and root ignores permission bits)")
    try:
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True, timeout=30, check=True)


def test_a_database_in_a_read_only_folder_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "mount"
    folder.mkdir()
    db = folder / "db.sqlite3"
    store, document_id = new_db(db)
    tag(store, document_id, 0)
    store.close()
    before = sorted(p.name for p in folder.iterdir())
    with read_only_folder(folder) as mounted:
        store = open_store(mounted / db.name)
        try:
            assert store.read_only
            assert len(queries.document_annotations(store, document_id)) == 1
            with pytest.raises(AnnotatorError, match="read-only.*Save a Copy"):
                ops.create_annotation(store, document_id, 0, 4, "ana", ["claim"])
            copy = tmp_path / "copy.sqlite3"
            save_copy(store.path, copy)
        finally:
            store.close()
        assert main(["list", "--db", str(mounted / db.name)]) == 0
        assert main(["import", "--db", str(mounted / db.name), str(SAMPLE)]) == 1
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written there
    with open_store(copy) as writable:
        assert not writable.read_only
        tag(writable, document_id, 30)


def test_importing_the_open_database_or_its_log_is_refused_unread(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    try:
        tag(store, document_id, 0)
        for path in (db, Path(f"{db}-wal")):
            with pytest.raises(ImportRefused, match="open in Annotator"):
                import_file(store, path)
        assert db_guard.take_violations() == []
    finally:
        store.close()


def test_check_reports_rejected_form_values_and_changed_texts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    store, document_id = new_db(db)
    tag(store, document_id, 0)
    store.close()
    assert main(["check", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "every stored value is one the form accepts" in out
    assert "each matches the SHA-256" in out
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE annotation_tags SET fields = '{\"information_credibility\": 9}' "
        "WHERE annotation_id = (SELECT min(id) FROM annotations)"
    )
    conn.execute("UPDATE documents SET text = replace(text, 'Northern', 'Southern')")
    conn.commit()
    conn.close()
    assert main(["check", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "1 stored value(s) the form would reject" in out and "information_credibility" in out
    assert "1 no longer match their SHA-256" in out and "Southern" not in out


def test_opening_a_database_removes_what_a_killed_backup_left(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store, _ = new_db(db)
    store.close()
    make_backup(db, "manual")
    folder = list_backups(db)[0].parent
    script = (
        "import sys; from pathlib import Path; from annotator.core.files import scratch_path\n"
        "for target in sys.argv[1:]:\n"
        "    scratch_path(Path(target)).write_bytes(b'half a copy')\n"
    )  # a process that dies after writing its temporary files, as a killed backup does
    subprocess.run(
        [sys.executable, "-c", script, str(folder / "next.sqlite3"), str(tmp_path / "copy.db")],
        check=True, timeout=60, cwd=REPO_ROOT,
    )
    leftovers = [p for p in (*folder.iterdir(), *tmp_path.iterdir()) if p.suffix == ".part"]
    assert len(leftovers) == 2
    mine = folder / ".x.sqlite3.annotator-1-abc-1234.part.txt"  # not one of ours: kept
    mine.write_text("keep me")
    with open_store(db):
        pass
    assert not any(p.exists() for p in leftovers) and mine.exists()
