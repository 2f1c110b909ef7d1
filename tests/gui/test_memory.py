"""Peak memory with a document open (issue 15): what the settled window has not imported, and
the source text PySide6's import hook reads that is not kept (annotator/gui/deferred.py)."""

from __future__ import annotations

import json
import linecache
import os
import sqlite3
import subprocess
import sys
import threading
import traceback
from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.core.importing import import_file
from annotator.core.store import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    _make_engine,
    _upgrade,
    open_store,
)
from annotator.gui import deferred
from annotator.gui.app import ICON_SIZES, app_icon
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"
PROBE = Path(__file__).with_name("settle_probe.py")


def settle(tmp_path: Path, db: Path, document_id: int) -> dict[str, object]:
    home = tmp_path / "home"
    env = {
        **os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"), "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, str(PROBE), str(db), str(document_id)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    state: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    assert state["document"] == (document_id or None)
    return state


def test_a_settled_document_needs_no_migration_code_importers_or_kept_sources(
    tmp_path: Path,
) -> None:
    """With a document open and settled: SQLAlchemy is in use, but neither alembic (the schema
    is current) nor the importers' libraries are imported, and no module's source text is
    kept (PySide6's import hook reads each one; about 20 MB for SQLAlchemy's)."""
    db = tmp_path / "current.sqlite3"
    with open_store(db, daily_backup=False) as store:
        document_id = import_file(store, SAMPLE).document_id
    assert document_id is not None
    state = settle(tmp_path, db, document_id)
    assert state["loaded"] == ["sqlalchemy"]
    assert state["cached_sources"] == []


def test_a_database_that_needs_a_migration_is_still_migrated_by_the_window(
    tmp_path: Path,
) -> None:
    """alembic is imported when, and only when, the schema must be upgraded."""
    db = tmp_path / "old.sqlite3"
    engine = _make_engine(db)
    _upgrade(engine, KNOWN_REVISIONS[0])
    engine.dispose()
    state = settle(tmp_path, db, 0)
    assert "alembic" in state["loaded"]
    raw = sqlite3.connect(db)
    try:
        (revision,) = raw.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        raw.close()
    assert revision == HEAD_REVISION


def test_sources_read_inside_the_scope_are_not_kept(tmp_path: Path) -> None:
    """What `linecache` held before stays; what is read inside is dropped on leaving, and a
    traceback made inside still shows its source lines."""
    kept = tmp_path / "kept.py"
    kept.write_text("kept = 1\n", encoding="utf-8")
    linecache.getlines(str(kept))
    assert str(kept) in linecache.cache
    read = [tmp_path / f"read{n}.py" for n in range(3)]
    for n, path in enumerate(read):
        path.write_text(f"value = {n}\n", encoding="utf-8")
    original = linecache.cache
    with deferred.sources_not_kept():
        with deferred.sources_not_kept():  # nested: the outer scope puts it back
            assert linecache.getlines(str(read[0])) == ["value = 0\n"]
        for path in read[1:]:
            assert linecache.getlines(str(path)) == [path.read_text(encoding="utf-8")]
        try:
            raise ValueError("inside")
        except ValueError as exc:
            shown = "".join(traceback.format_exception(exc))
        assert 'raise ValueError("inside")' in shown
        assert linecache.getline(str(kept), 1) == "kept = 1\n"
    assert linecache.cache is original
    assert str(kept) in linecache.cache
    assert not any(str(path) in linecache.cache for path in read)


def test_scopes_overlapping_across_threads_put_the_cache_back_once(tmp_path: Path) -> None:
    """The database's imports run on a worker thread while the window's thread may import
    too: whichever scope closes last puts the kept cache back, and nothing read in either is
    kept."""
    read = tmp_path / "late.py"
    read.write_text("late = 1\n", encoding="utf-8")
    original = linecache.cache
    entered, main_left = threading.Event(), threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with deferred.sources_not_kept():
            entered.set()
            main_left.wait(10)
            seen.append(linecache.cache is not original)  # still inside the worker's scope
            linecache.getlines(str(read))

    thread = threading.Thread(target=worker)
    with deferred.sources_not_kept():
        thread.start()
        assert entered.wait(10)
    main_left.set()
    thread.join(10)
    assert seen == [True]
    assert linecache.cache is original
    assert str(read) not in linecache.cache


def test_the_icon_read_when_drawn_still_draws_every_size(qtbot: QtBot) -> None:
    """The application icon's sizes are read from their files when first drawn (not decoded at
    start); each still draws, in the icon's colours."""
    icon = app_icon()
    assert sorted(size.width() for size in icon.availableSizes()) == list(ICON_SIZES)
    for size in ICON_SIZES:
        image = icon.pixmap(size, size).toImage()
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255 and centre.name() != "#000000"
