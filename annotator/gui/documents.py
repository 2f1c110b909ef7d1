"""The window's document actions: import files, edit a document's properties, remove it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.core.connections import backup_folder
from annotator.core.errors import AnnotatorError
from annotator.core.text import printable
from annotator.gui import deferred, dialogs
from annotator.gui.tasks import BatchRun, run_batch

if TYPE_CHECKING:
    from annotator.core.importing import ImportOutcome, import_files, not_tried_note
    from annotator.core.ops import update_document
    from annotator.core.queries import document_summary
    from annotator.gui.mainwindow import MainWindow
else:  # deferred: these load SQLAlchemy and every importer (pypdf...), which the window is
    # shown without (issue 15)
    import_files, not_tried_note = deferred.functions(
        "annotator.core.importing", "import_files", "not_tried_note"
    )
    (update_document,) = deferred.functions("annotator.core.ops", "update_document")
    (document_summary,) = deferred.functions("annotator.core.queries", "document_summary")


def import_paths(window: MainWindow, paths: list[Path]) -> list[int]:
    """Import each file off the GUI thread; open the first new document; the new ids."""
    if not paths:
        return []
    with window.own_batch():
        batch = run_batch(
            window, window.ctx.store.location, "Importing", paths,
            lambda store, path: import_files(store, [path])[0],
        )
    if batch.error is not None and batch.stopped_at is None:
        window.show_failure(f"Nothing more was imported: {batch.error}", unsaved=False)
    outcomes = batch.results
    imported = [o.document_id for o in outcomes if o.document_id is not None]
    # One line per file even when a file name holds a line break or other control character.
    problems = [printable(o.error) for o in outcomes if o.error]
    warnings = [warning for o in outcomes for warning in o.warnings]
    merges = [o.merge for o in outcomes if o.merge is not None]
    for report in merges:
        window.apply_merged(report.changes)
    if merges:
        window.statusBar().showMessage("; ".join(r.summary() for r in merges), 10_000)
        if window.workspace.document_id is None and not imported:
            window.restore_last_document()
    if imported:
        window.library.reload(window.ctx.store)
        window.open_document(imported[0])
        window.ctx.saved.emit()  # written by the batch's own store
    if batch.stopped_at is not None:
        show_import_stopped(window, batch, sum(o.ok for o in outcomes), problems)
    elif problems:
        dialogs.show_import_problems(window, len(imported), problems)
    if warnings:
        show_import_warnings(window, warnings)
    if batch.cancelled:
        window.statusBar().showMessage(
            f"Import stopped: {len(outcomes)} of {len(paths)} file(s) handled, the rest "
            "left alone", 10_000,
        )
    return imported


def show_import_stopped(
    window: MainWindow, batch: BatchRun[ImportOutcome], done: int, problems: list[str]
) -> None:
    """A failure of the database or the disk stopped the import: which file it stopped at and
    why, what was imported before it, which files were not tried (and the bad files, if any)."""
    assert batch.stopped_at is not None
    reason = printable((batch.error or "") + not_tried_note(batch.not_tried))
    window.statusBar().showMessage(f"Import stopped: {reason}", 15_000)
    box = dialogs.plain_box(
        QMessageBox.Icon.Warning, "Import",
        f"The import stopped at {printable(batch.stopped_at.name)}: {done} file(s) imported, "
        f"{len(batch.not_tried)} not tried"
        + (f", {len(problems)} not imported (see details)" if problems else "") + ".",
        window,
    )
    box.setObjectName("importStopped")
    box.setInformativeText(reason)
    if problems:
        box.setDetailedText("\n".join(problems))
    box.open()


def show_import_warnings(parent: QWidget, warnings: list[str]) -> None:
    """Say what was imported differently from the file (bytes that were not valid UTF-8...):
    the analyst may want to check those places against the original."""
    lines = [printable(warning) for warning in warnings]
    box = dialogs.plain_box(
        QMessageBox.Icon.Information, "Import",
        f"Imported, but not exactly as the file is ({len(lines)} warning(s)); check the "
        "places shown against the original.",
        parent,
    )
    box.setObjectName("importWarnings")
    box.setInformativeText("\n".join(lines[:5]) + ("\n…" if len(lines) > 5 else ""))
    box.setDetailedText("\n".join(lines))
    box.open()


def import_dialog(window: MainWindow) -> None:
    """File > Import Documents: choose files, then import them."""
    # Deferred: loads every importer (pypdf...), keeping no source text (deferred.py).
    suffixes = deferred.load("annotator.core.importers").SUPPORTED_SUFFIXES
    patterns = " ".join(f"*{s}" for s in sorted(suffixes))
    files, _ = QFileDialog.getOpenFileNames(
        window, "Import documents or annotations", str(Path.home()),
        f"Briefings ({patterns});;Annotation files (*.jsonl *.json *.jsonld *.qdpx);;"
        "All files (*)",
    )
    window.import_paths([Path(f) for f in files])


def edit_document_properties(window: MainWindow) -> None:
    """File > Document Properties for the open document."""
    document_id = window.workspace.document_id
    if document_id is None:
        return
    summary = document_summary(window.ctx.store, document_id)
    values = dialogs.ask_document_properties(window, summary)
    if values is None:
        return
    if window.ctx.run(lambda: update_document(window.ctx.store, document_id, **values)):
        window.refresh_title()


def remove_document(window: MainWindow) -> None:
    """Remove the open document after asking (undoable)."""
    document_id = window.workspace.document_id
    if document_id is None:
        return
    try:
        summary = document_summary(window.ctx.store, document_id)
    except AnnotatorError as exc:
        window.show_failure(str(exc), unsaved=False)
        return
    path = window.ctx.store.path  # None on a server: no backups beside it
    backups = backup_folder(path) if path is not None else None
    if not dialogs.confirm_removal(window, summary, backups):
        return
    if window.ctx.remove_document(document_id) is not None:
        window.statusBar().showMessage(
            f"Removed “{summary.title}”. Edit > Undo puts it back.", 8000
        )
