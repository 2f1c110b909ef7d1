"""Every window action on an open database, under the one-owner guard (tests/db_guard.py):
exports in each format, import, merge, backup, Save a Copy, check, restore, open recent,
preferences. None may touch the database file by anything but SQLite, and every tag the analyst
made (and saw "Saved") must be in the file at the end, read by another process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from annotator.cli import main
from annotator.core import connections
from annotator.core.backup import list_backups
from annotator.core.exporters import registry
from annotator.core.settings import Settings
from annotator.core.store import open_store
from annotator.gui import databases
from annotator.gui.app import build_window
from annotator.gui.export_dialog import ExportDialog
from annotator.gui.mainwindow import MainWindow
from annotator.gui.preferences import PreferencesDialog
from annotator.gui.review.merge import merge_files
from tests import db_guard
from tests.gui.test_mainwindow import click_unit, make_window, open_doc

SAMPLE_NEEDLES = ("Local authorities reported", "Officials reported 14 attacks")


def rows_in_file(db: Path) -> list[tuple[int, int, str]]:
    """(start, end, author) of every annotation, read by another process."""
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "print(repr(c.execute('SELECT start, \"end\", author FROM annotations "
        "ORDER BY id').fetchall()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(db)], capture_output=True, text=True, check=True,
        timeout=60,
    ).stdout
    return [tuple(row) for row in eval(out)]  # noqa: S307 - our own repr of ints and strings


def tag_unit(qtbot: QtBot, window: MainWindow, needle: str) -> tuple[int, int]:
    click_unit(qtbot, window, needle)
    before = window.ctx.undo_stack.count()
    window.tag_actions["claim"].trigger()  # Edit > claim (the key 1 is tested elsewhere)
    assert window.ctx.undo_stack.count() == before + 1
    assert window.saved_label.text().startswith("Saved")
    selection = window.workspace.selection
    assert selection is not None
    return selection


def run_export(qtbot: QtBot, window: MainWindow, fmt: str, out: Path) -> None:
    dialog = ExportDialog(
        window, window.ctx.store, window.workspace.document_id, window.ctx.settings,
        window.ctx.save_settings,
    )
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.path.setText(str(out))
    dialog.start()
    assert dialog.task is not None
    qtbot.waitUntil(lambda: dialog.result is not None or "failed" in dialog.status.text().lower(),
                    timeout=30_000)
    assert dialog.task.wait(30_000)
    assert dialog.result is not None, dialog.status.text()


def test_every_window_action_keeps_the_analysts_saved_work(
    qtbot: QtBot, tmp_path: Path, capsys: object
) -> None:
    db = tmp_path / "work.sqlite3"
    sample = Path(__file__).resolve().parents[2] / "resources" / "sample-briefing.txt"
    with open_store(db) as store:
        from annotator.core.importing import import_file

        import_file(store, sample)
    window = make_window(qtbot, db)
    expected: list[tuple[int, int, str]] = []
    try:
        open_doc(window, "sample-briefing.txt")
        expected.append((*tag_unit(qtbot, window, "Local authorities reported"), "Ana"))

        for fmt in registry.FORMATS:  # every export the dialog offers, each on a borrowed store
            run_export(qtbot, window, fmt, tmp_path / f"out-{fmt}")
        assert connections.in_use(db)

        brief = tmp_path / "second.txt"
        brief.write_text("Second brief.\n\nOfficials reported 14 attacks in May.\n", "utf-8")
        assert len(window.import_paths([brief])) == 1

        colleague = tmp_path / "ben.sqlite3"
        with open_store(colleague) as other:
            from annotator.core import ops
            from annotator.core.importing import import_file

            doc = import_file(other, sample).document_id
            assert doc is not None
            ops.create_annotation(other, doc, 0, 5, "Ben", ["claim"])
        export = tmp_path / "ben.jsonl"
        assert main(["export", "--db", str(colleague), "-f", "jsonl-spans", "-o", str(export)]) == 0
        outcomes = merge_files(window, [export, colleague])
        assert all(not isinstance(o, str) for o in outcomes), outcomes
        expected.append((0, 5, "Ben"))

        # The command line, run in this very process while the window has the database open.
        assert main(["backup", "--db", str(db)]) == 0
        assert main(["check", "--db", str(db)]) == 0
        assert main(["list", "--db", str(db)]) == 0
        copy = databases.save_copy(window, tmp_path / "copy.sqlite3")
        assert copy is not None and len(rows_in_file(copy)) == 2

        preferences = PreferencesDialog(window, window.ctx.settings, db)
        qtbot.addWidget(preferences)
        preferences.backups.setValue(5)
        preferences.done(QDialog.DialogCode.Accepted)
        assert preferences.apply(window.ctx.settings)

        other_db = tmp_path / "other.sqlite3"
        assert databases.open_database(window, other_db, create=True)
        assert not connections.in_use(db)  # the window let go of it
        assert databases.open_database(window, db)  # File > Open Recent
        open_doc(window, "sample-briefing.txt")
        expected.append((*tag_unit(qtbot, window, "The Ministry of Transport said"), "Ana"))

        # Restore the backup made above while the window has the database open: it is
        # written through SQLite, so the window reads the restored state and goes on writing.
        backup = next(b for b in list_backups(db) if b.name.endswith("-manual.sqlite3"))
        assert main(["restore", str(backup), "--db", str(db)]) == 0
        assert window.check_external_changes()
        assert sorted(rows_in_file(db)) == sorted(expected[:-1]), "restored"
        expected.pop()  # the tag made after the backup was undone by the restore
        open_doc(window, "sample-briefing.txt")
        expected.append((*tag_unit(qtbot, window, "The Ministry of Transport said"), "Ana"))
        assert sorted(rows_in_file(db)) == sorted(expected)
    finally:
        window.close()
        window.ctx.store.close()
    assert not connections.in_use(db)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("work.sqlite3")) == [
        "work.sqlite3", "work.sqlite3.backups",
    ]  # quit: the file alone holds the data
    assert sorted(rows_in_file(db)) == sorted(expected)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert db_guard.take_violations() == []


def test_quitting_the_app_closes_every_connection(tmp_path: Path) -> None:
    """The real app (`annotator --db`), tagged and quit through File > Quit in its own process:
    afterwards the .sqlite3 file alone holds the data (no -wal, no -shm)."""
    db = tmp_path / "quit.sqlite3"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QTimer\n"
        "from annotator.gui import app\n"
        "from annotator.core.settings import Settings\n"
        "def act():\n"
        "    window = next(w for w in app.QApplication.topLevelWidgets()"
        " if w.objectName() == 'MainWindow')\n"
        "    doc = window.library.model.document_ids()[0]\n"
        "    window.open_document(doc)\n"
        "    start, end, _k = next(u for u in window.workspace.units if u[2] != 'skipped')\n"
        "    window.reader.select_span(start, end)\n"
        "    window.workspace.toggle_tag('claim')\n"
        "    print(window.saved_label.text(), flush=True)\n"
        "    window.actions_by_name['quit'].trigger()\n"
        "def when_open():\n"  # the window is shown first; its database opens after
        "    window = next(w for w in app.QApplication.topLevelWidgets()"
        " if w.objectName() == 'MainWindow')\n"
        "    if not window.database_ready():\n"
        "        QTimer.singleShot(20, when_open)\n"
        "    else:\n"
        "        act()\n"
        "app.load_settings = lambda: Settings(author='Ana')\n"
        "app.application()\n"
        "QTimer.singleShot(0, when_open)\n"
        "sys.exit(app.run(Path(sys.argv[1])))\n"
    )
    sample = Path(__file__).resolve().parents[2] / "resources" / "sample-briefing.txt"
    assert main(["import", "--db", str(db), str(sample)]) == 0
    result = subprocess.run(
        [sys.executable, "-c", script, str(db)], capture_output=True, text=True,
        timeout=120, env={**_env(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Saved"), result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("quit")) == [
        "quit.sqlite3", "quit.sqlite3.backups",
    ]
    assert [row[2] for row in rows_in_file(db)] == ["Ana"]


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"), "QT_QPA_PLATFORM": "offscreen",
    }


def test_build_window_then_close_lets_go_of_the_file(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    window = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert connections.in_use(db)
    window.close()
    window.ctx.store.close()
    assert not connections.in_use(db)


def test_a_read_only_database_shows_the_banner_and_saves_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from tests.core.test_connections import read_only_folder

    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "team.sqlite3"
    sample = Path(__file__).resolve().parents[2] / "resources" / "sample-briefing.txt"
    assert main(["import", "--db", str(db), str(sample)]) == 0
    with read_only_folder(folder) as mounted:
        window = make_window(qtbot, mounted / db.name)
        try:
            assert window.ctx.store.read_only
            assert window.read_only_banner.isVisible()
            assert "read-only" in window.db_label.text()
            open_doc(window, "sample-briefing.txt")
            click_unit(qtbot, window, "Local authorities reported")
            window.tag_actions["claim"].trigger()
            assert "read-only" in window.statusBar().currentMessage()
            qtbot.wait(10)  # a failure's message box would open on a zero-delay timer
            assert not any(
                w.isVisible() for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)
            ), "the banner explains it: no box at every key"
            assert window.ctx.pending == []  # not kept for a retry that cannot succeed
            copy = databases.save_copy(window, tmp_path / "mine.sqlite3")
            assert copy is not None
            assert databases.open_database(window, copy)
            assert not window.read_only_banner.isVisible()
        finally:
            window.close()
            window.ctx.store.close()
    assert rows_in_file(db) == []
