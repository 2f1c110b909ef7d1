"""A damaged database in the window: explained, never overwritten, newest backup offered."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from annotator.core.backup import list_backups, make_backup
from annotator.core.errors import DatabaseDamaged
from annotator.core.importing import import_file
from annotator.core.queries import list_documents
from annotator.core.settings import Settings
from annotator.core.store import open_store
from annotator.gui.app import build_window
from annotator.gui.recovery import offer_restore
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def damaged_database(tmp_path: Path) -> Path:
    db = tmp_path / "work.sqlite3"
    with open_store(db, daily_backup=False) as store:
        import_file(store, SAMPLE)
    make_backup(db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])  # a power cut mid-copy, say
    return db


def test_offer_restore_brings_the_backup_back(qtbot: QtBot, tmp_path: Path) -> None:
    db = damaged_database(tmp_path)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(DatabaseDamaged) as info:
        build_window(db, Settings(author="Ana"))
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    shown: list[str] = []

    def decline(box: QMessageBox, restore: QPushButton | None) -> bool:
        shown.append(box.text())
        assert restore is not None and restore.text() == "Restore Newest Backup"
        return False

    assert not offer_restore(None, db, info.value, choose=decline)
    assert "damaged" in shown[0]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # declined: untouched
    assert offer_restore(None, db, info.value, choose=lambda _box, _restore: True)
    window = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    assert len(list_documents(window.ctx.store)) == 1
    window.ctx.store.close()
    kept = [b for b in list_backups(db) if "before-restore" in b.name]
    assert kept and kept[0].stat().st_size > 0  # the damaged file was kept


def test_a_foreign_file_gets_no_restore_offer(qtbot: QtBot, tmp_path: Path) -> None:
    other = tmp_path / "notes.sqlite3"
    other.write_text("not a database", encoding="utf-8")
    with pytest.raises(Exception) as info:
        build_window(other, Settings(author="Ana"))
    offered: list[QPushButton | None] = []
    offer_restore(None, other, info.value, choose=lambda _b, r: offered.append(r) or False)
    assert offered == [None]
