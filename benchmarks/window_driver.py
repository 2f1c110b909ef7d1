"""The real Annotator window in a child process, driven the way an analyst drives it.

tests/test_lost_writes.py sends it commands on stdin (one reply line each, prefixed
`REPLY`); benchmarks/soak.py lets it run a seeded random session that journals every change it
saw committed. Either way the window is built, shown and quit by `annotator.gui.app.run()`, so
the exit path (closing the window, then the store) is the application's own.

Commands (one per line; the reply is `REPLY ok ...` or `REPLY error <message>`):
  open SOURCE_NAME          open the library's document imported from SOURCE_NAME -> its id
  tag INDEX KEY             click in the INDEX-th unit of the open document, press KEY (1/2/3)
                            -> "annotation-id start end tag,tag"
  export FORMAT PATH        File > Export…, choose FORMAT and PATH, click Export, wait, close
  import PATH               File > Import Documents… of PATH (tasks.run_batch) -> new ids
  merge PATH                File > Merge Colleague's Work… of PATH -> report text
  quit                      File > Quit; the process then exits with run()'s return code
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
REPLY = "REPLY"
EXPORT_FORMATS = ("csv", "jsonl-spans", "w3c", "html", "xlsx")
# A text field of each tag: what a form edit types into.
TEXT_FIELD = {"claim": "attributed_to", "assessment": "judgment_holder", "figure": "unit"}

T = TypeVar("T")


class DriverError(Exception):
    """The window did not do what the driver asked (reported, never hidden)."""


def wait_until(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Process Qt events until `condition()` is truthy; DriverError after `timeout` s."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DriverError(f"timed out after {timeout:.0f} s waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.005)


def annotation_state(snapshot: Any) -> dict[str, Any]:
    """An annotation as the journal records it: what the final check compares."""
    return {
        "document": snapshot.document_id,
        "start": snapshot.start,
        "end": snapshot.end,
        "author": snapshot.author,
        "note": snapshot.note,
        "tags": {t.name: dict(t.fields) for t in snapshot.tags},
    }


class Driver:
    """Keys, clicks and dialogs on the main window, each waited for until it took effect."""

    def __init__(self, journal: Path | None = None, step_timeout: float = 60.0) -> None:
        from annotator.gui.mainwindow import MainWindow

        self.window: MainWindow | None = None
        self.saves = 0
        self.step_timeout = step_timeout
        self.journal = journal.open("a", encoding="utf-8") if journal is not None else None
        self.chosen_files: list[Path] = []  # what the next file dialog "chooses"
        self.imported: list[int] = []
        self.errors: list[str] = []
        self._patch_dialogs()

    # -- setup -----------------------------------------------------------------------------

    def _patch_dialogs(self) -> None:
        """Dialogs that would wait for a person answer at once, and errors are recorded."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from annotator.gui import dialogs

        QFileDialog.getOpenFileNames = lambda *_a, **_k: (  # type: ignore[method-assign]
            [str(p) for p in self.chosen_files], ""
        )
        QMessageBox.question = (  # type: ignore[method-assign]
            lambda *_a, **_k: QMessageBox.StandardButton.Yes
        )

        # "N change(s) could not be written... Quit anyway?" at quit, and other warnings:
        # recorded, and answered so that the session ends (those changes were never journaled).
        def warning(_parent: object, title: str, text: str, *_a: object, **_k: object) -> Any:
            self._error(f"{title}: {text}")
            return QMessageBox.StandardButton.Discard

        def critical(_parent: object, title: str, text: str, *_a: object, **_k: object) -> Any:
            self._error(f"{title}: {text}")
            return QMessageBox.StandardButton.Ok

        QMessageBox.warning = warning  # type: ignore[method-assign,assignment]
        QMessageBox.critical = critical  # type: ignore[method-assign,assignment]
        dialogs.show_error = lambda _parent, message: self._error(message)  # type: ignore[assignment]
        dialogs.show_import_problems = (  # type: ignore[assignment]
            lambda _parent, _n, problems: self._error("import problems: " + "; ".join(problems))
        )

    def _error(self, message: str) -> None:
        self.errors.append(message)
        self.write({"t": "error", "message": message})

    def attach(self) -> None:
        """Find the window run() built, and follow its saves."""
        from PySide6.QtWidgets import QApplication

        from annotator.gui.mainwindow import MainWindow

        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if len(windows) != 1:
            raise DriverError(f"expected one main window, found {len(windows)}")
        window = self.window = windows[0]
        window.ctx.saved.connect(self._saved)
        window.ctx.changed.connect(self._changed)
        # Edits the storage refused are kept for a retry: never journaled, always reported.
        window.ctx.pendingChanged.connect(
            lambda count: count and self._error(f"{count} change(s) kept unsaved")
        )
        original_import = window.import_paths

        def import_paths(paths: list[Path]) -> list[int]:
            ids = original_import(paths)
            self.imported.extend(ids)
            return ids

        window.import_paths = import_paths  # type: ignore[method-assign]
        window.resize(1400, 860)
        self.activate()

    def activate(self) -> None:
        """Back to the window after a dialog closed, as the analyst's next key goes there."""
        window = self.win
        if not window.isActiveWindow():
            window.activateWindow()
            wait_until(window.isActiveWindow, self.step_timeout, "the window to be active")

    def _saved(self) -> None:
        self.saves += 1

    def _changed(self, changes: Any) -> None:
        """Journal every annotation a committed change touched, as committed."""
        if self.journal is None or self.window is None:
            return
        from annotator.core import ops
        from annotator.core.errors import NotFound

        for annotation_id in sorted(getattr(changes, "annotations", ())):
            try:
                snapshot = ops.snapshot_annotation(self.window.ctx.store, annotation_id)
            except NotFound:
                self.write({"t": "state", "id": annotation_id, "state": None})
            else:
                self.write({"t": "state", "id": annotation_id, "state": annotation_state(snapshot)})

    def write(self, record: dict[str, Any]) -> None:
        # Flushed at once: a SIGKILL right after must not take the line with it.
        if self.journal is not None:
            self.journal.write(json.dumps(record, sort_keys=True) + "\n")
            self.journal.flush()

    @property
    def win(self) -> Any:
        if self.window is None:
            raise DriverError("no window yet")
        return self.window

    # -- reading and tagging ---------------------------------------------------------------

    def units(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e, kind in self.win.workspace.units if kind != "skipped"]

    def open_source(self, source_name: str) -> int:
        for row in self.win.library.model._rows:  # noqa: SLF001 - as tests/gui do
            if row.summary.source_name == source_name:
                self.win.open_document(row.summary.id)
                return int(row.summary.id)
        raise DriverError(f"no document imported from {source_name} in the library")

    def click_unit(self, start: int, end: int) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QTextCursor
        from PySide6.QtTest import QTest

        self.activate()
        reader = self.win.reader
        reader.setFocus()
        reader.scroll_to(start)
        cursor = QTextCursor(reader.document())
        cursor.setPosition(reader.offsets.to_qt(min(start + 1, end - 1)))
        QTest.mouseClick(
            reader.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
            reader.cursorRect(cursor).center(),
        )
        if self.win.workspace.selection != (start, end):
            raise DriverError(
                f"clicking unit {start}-{end} selected {self.win.workspace.selection}"
            )

    def press(self, key: Any, modifiers: Any = None) -> int:
        """Press `key` on the reader; how many commits the window announced."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        self.activate()
        before = self.saves
        QTest.keyClick(self.win.reader, key, modifiers or Qt.KeyboardModifier.NoModifier)
        return self.saves - before

    def tag(self, index: int, key: str) -> str:
        from PySide6.QtCore import Qt

        start, end = self.units()[index]
        self.click_unit(start, end)
        if self.press(getattr(Qt.Key, f"Key_{key}")) < 1:
            raise DriverError(f"tag key {key} on unit {start}-{end} saved nothing: {self.errors}")
        label = self.win.saved_label.text()
        if not label.startswith("Saved"):
            raise DriverError(f"the status bar says {label!r} after tag key {key}")
        current = self.win.workspace.current_id
        view = self.win.workspace.annotations.get(current)
        tags = ",".join(sorted(view.tag_names)) if view is not None else ""
        return f"{current} {start} {end} {tags}"

    def edit_field(self, text: str) -> bool:
        """Type into a text field of the annotation shown in the form; False if none is."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        workspace = self.win.workspace
        view = workspace.annotations.get(workspace.current_id)
        if view is None:
            return False
        tags = [t for t in sorted(view.tag_names) if t in TEXT_FIELD]
        if not tags:
            return False
        box = self.win.form.boxes.get(tags[0])
        if box is None:
            return False
        editor = box.editors[TEXT_FIELD[tags[0]]]
        editor.setFocus()
        editor.selectAll()
        QTest.keyClicks(editor, text)
        QTest.keyClick(editor, Qt.Key.Key_Return)
        return True

    # -- dialogs: export, import, merge ----------------------------------------------------

    def export(self, fmt: str, out: Path) -> str:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from annotator.gui.export_dialog import ExportDialog

        def open_dialog() -> Any:
            shown = [d for d in self.win.findChildren(ExportDialog) if d.isVisible()]
            return shown[0] if shown else None

        self.win.actions_by_name["export"].trigger()
        dialog = wait_until(open_dialog, self.step_timeout, "the export dialog")
        index = dialog.format.findData(fmt)
        if index < 0:
            raise DriverError(f"no export format {fmt}")
        dialog.format.setCurrentIndex(index)
        dialog.path.setText(str(out))
        QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        wait_until(
            lambda: dialog.task is not None and dialog.task.isFinished()
            and dialog.export_button.isEnabled(),
            self.step_timeout, f"the {fmt} export",
        )
        result, status = dialog.result, dialog.status.text()
        QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: not dialog.isVisible(), self.step_timeout, "the dialog to close")
        if result is None:
            raise DriverError(f"export failed: {status}")
        return f"{result.items} {result.path}"

    def import_file(self, path: Path) -> list[int]:
        before = len(self.imported)
        self.chosen_files = [path]
        self.win.actions_by_name["import"].trigger()  # returns once the batch is done
        return self.imported[before:]

    def merge(self, path: Path) -> str:
        from PySide6.QtWidgets import QApplication, QMessageBox

        self.chosen_files = [path]
        self.win.actions_by_name["merge_colleague"].trigger()  # returns once merged
        boxes = [
            w for w in QApplication.topLevelWidgets() + self.win.findChildren(QMessageBox)
            if isinstance(w, QMessageBox) and w.objectName() == "mergeReport" and w.isVisible()
        ]
        text = "; ".join(f"{b.text()} {b.informativeText()}" for b in boxes)
        for box in boxes:
            box.close()
        return text or "no report"

    def quit(self) -> None:
        self.win.actions_by_name["quit"].trigger()


# -- command mode (tests/test_lost_writes.py) ------------------------------------------------


def serve_commands(driver: Driver) -> None:
    """Read commands on stdin in a thread; run each in the GUI thread; reply on stdout."""
    from PySide6.QtCore import QObject, Signal

    class Inbox(QObject):
        received = Signal(str)

    inbox = Inbox()

    def handle(line: str) -> None:
        name, _, rest = line.strip().partition(" ")
        try:
            if name == "quit":
                print(f"{REPLY} ok quitting", flush=True)
                driver.quit()
                return
            answer = run_command(driver, name, rest)
        except Exception as exc:  # reported to the parent, which fails the test with it
            detail = "".join(traceback.format_exception_only(exc)).strip().replace("\n", " | ")
            print(f"{REPLY} error {detail}", flush=True)
            traceback.print_exc()
        else:
            print(f"{REPLY} ok {answer}", flush=True)

    inbox.received.connect(handle)

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                inbox.received.emit(line)

    threading.Thread(target=read, daemon=True).start()
    driver._inbox = inbox  # type: ignore[attr-defined]  # keep it alive with the driver


def run_command(driver: Driver, name: str, rest: str) -> str:
    if name == "open":
        return str(driver.open_source(rest))
    if name == "tag":
        index, key = rest.split()
        return driver.tag(int(index), key)
    if name == "export":
        fmt, path = rest.split(" ", 1)
        return driver.export(fmt, Path(path))
    if name == "import":
        return " ".join(str(i) for i in driver.import_file(Path(rest)))
    if name == "merge":
        return driver.merge(Path(rest))
    raise DriverError(f"unknown command {name!r}")


# -- session mode (benchmarks/soak.py) -------------------------------------------------------


class Session:
    """A seeded random session: tag toggles, form edits, deletes, undo/redo, other documents,
    exports, imports and merges, one action at a time, each between `begin`/`end` lines."""

    def __init__(
        self, driver: Driver, seed: int, rounds: int, seconds: float, work: Path,
        colleague_files: list[Path], own_sources: list[str],
    ) -> None:
        self.driver = driver
        self.rng = random.Random(seed)
        self.rounds = rounds
        self.deadline = time.monotonic() + seconds
        self.work = work
        self.colleague_files = colleague_files
        self.own_sources = own_sources
        self.own_documents: list[int] = []
        self.step = 0

    def start(self) -> None:
        for source in self.own_sources:
            self.own_documents.append(self.driver.open_source(source))
        self.driver.write({"t": "session", "documents": self.own_documents})
        self._schedule()

    def _schedule(self) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self._next)

    def _next(self) -> None:
        if self.step >= self.rounds or time.monotonic() > self.deadline:
            self.driver.write({"t": "finished", "steps": self.step})
            self.driver.quit()
            return
        self.step += 1
        action = self._choose()
        self.driver.write({"t": "begin", "n": self.step, "action": action})
        try:
            detail = getattr(self, f"_{action}")()
        except DriverError as exc:
            self.driver.write({"t": "end", "n": self.step, "problem": str(exc)})
        except Exception as exc:  # journaled and the session goes on: the soak reports it
            traceback.print_exc()
            problem = f"{type(exc).__name__}: {exc}"
            self.driver.write({"t": "end", "n": self.step, "problem": problem, "crash": True})
        else:
            self.driver.write({"t": "end", "n": self.step, "detail": detail})
        self._schedule()

    # Each of the actions that open a store of the window's own comes early in every session,
    # so that even a short (or killed) session has them behind it.
    OPENING = ("toggle", "export", "toggle", "import", "toggle", "merge", "toggle")

    def _choose(self) -> str:
        if self.step <= len(self.OPENING):
            return self.OPENING[self.step - 1]
        roll = self.rng.random()
        for action, share in (
            ("toggle", 0.45), ("edit", 0.12), ("delete", 0.06), ("undo", 0.08),
            ("redo", 0.04), ("switch", 0.05), ("export", 0.08), ("import", 0.06),
        ):
            if roll < share:
                return action
            roll -= share
        return "merge"

    def _unit(self) -> tuple[int, int]:
        units = self.driver.units()
        if not units:
            raise DriverError("the open document has no units")
        return self.rng.choice(units)

    def _toggle(self) -> str:
        from PySide6.QtCore import Qt

        self.driver.click_unit(*self._unit())
        key = self.rng.choice((Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3))
        return f"saved {self.driver.press(key)}"

    def _edit(self) -> str:
        self.driver.click_unit(*self._unit())
        if not self.driver.edit_field(f"src{self.step}"):
            return "nothing to edit"
        return "edited"

    def _delete(self) -> str:
        from PySide6.QtCore import Qt

        self.driver.click_unit(*self._unit())
        return f"saved {self.driver.press(Qt.Key.Key_Delete)}"

    def _undo(self) -> str:
        from PySide6.QtCore import Qt

        return f"saved {self.driver.press(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)}"

    def _redo(self) -> str:
        from PySide6.QtCore import Qt

        modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        return f"saved {self.driver.press(Qt.Key.Key_Z, modifiers)}"

    def _switch(self) -> str:
        document_id = self.rng.choice(self.own_documents)
        self.driver.win.open_document(document_id)
        return f"opened {document_id}"

    def _export(self) -> str:
        from annotator.core.exporters.registry import FORMATS

        fmt = self.rng.choice(EXPORT_FORMATS)
        # A few names only: later exports replace earlier ones (the dialog asks; "Yes").
        out = self.work / f"window-export-{self.step % 3}{FORMATS[fmt].suffix}"
        return self.driver.export(fmt, out)

    def _import(self) -> str:
        path = self.work / f"window-import-{self.step}.txt"
        path.write_text(small_briefing(f"window {self.step}", self.rng), encoding="utf-8")
        ids = self.driver.import_file(path)
        for document_id in ids:
            self.own_documents.append(document_id)
            self.driver.write({"t": "document", "id": document_id, "source": path.name})
        return f"imported {ids}"

    def _merge(self) -> str:
        if not self.colleague_files:
            return "no colleague file"
        return self.driver.merge(self.rng.choice(self.colleague_files))


def small_briefing(label: str, rng: random.Random) -> str:
    """A short briefing of a few sentences, unique to `label` (no duplicate refusal)."""
    places = ("the river", "the northern road", "the market", "the border post", "the port")
    sentences = [
        f"Briefing {label}.",
        f"Officials reported {rng.randint(2, 900)} incidents near {rng.choice(places)}.",
        f"We assess that the pressure on {rng.choice(places)} is likely to continue.",
        f"About {rng.randint(10, 5000)} people left the area in {rng.randint(2001, 2024)}.",
    ]
    return " ".join(sentences) + "\n"


# -- entry point -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--author", default="Ana")
    parser.add_argument("--journal", type=Path, help="session mode: journal file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--work", type=Path, help="session mode: folder for its files")
    parser.add_argument("--colleague", type=Path, action="append", default=[])
    parser.add_argument("--source", action="append", default=[], help="session: own documents")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))

    from PySide6.QtCore import QTimer

    from annotator.core.settings import load_settings, save_settings
    from annotator.gui.app import application, run

    settings = load_settings()
    settings.author = args.author  # run() would otherwise ask for it in a dialog
    save_settings(settings)
    app = application()
    driver = Driver(args.journal)

    def started() -> None:
        try:
            driver.attach()
            if args.journal is None:
                serve_commands(driver)
                print(f"{REPLY} ok ready", flush=True)
            else:
                assert args.work is not None
                session = Session(
                    driver, args.seed, args.rounds, args.seconds, args.work, args.colleague,
                    args.source,
                )
                driver._session = session  # type: ignore[attr-defined]  # kept alive
                session.start()
        except Exception:
            traceback.print_exc()
            print(f"{REPLY} error the driver could not start", flush=True)
            app.exit(3)

    def when_open() -> None:  # run() shows the window first; its database opens after
        shown = [w for w in app.topLevelWidgets() if w.objectName() == "MainWindow"]
        if not shown or not shown[0].database_ready():  # type: ignore[attr-defined]
            QTimer.singleShot(20, when_open)
        else:
            started()

    QTimer.singleShot(0, when_open)
    code = run(args.db)
    driver.write({"t": "exited", "code": code})
    print(f"{REPLY} exited {code}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
