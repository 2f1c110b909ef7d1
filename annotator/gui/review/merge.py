"""File > Merge Colleague's Work…: their database or export into the open database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from annotator.core.colleague import ColleagueMergeReport, merge_colleague
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow

FILE_FILTER = (
    "Annotator databases and exports (*.sqlite3 *.db *.jsonl *.json *.jsonld *.qdpx);;"
    "All files (*)"
)

MergeOutcome = ColleagueMergeReport | str  # a report, or the reason the file was refused


def merge_files(
    window: MainWindow, paths: Sequence[Path], *, add_differing: bool = False
) -> list[MergeOutcome]:
    """Merge each file in its own transaction, refresh the window, show the report."""
    ctx = window.ctx
    outcomes: list[MergeOutcome] = []
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        for path in paths:
            try:
                report = merge_colleague(ctx.store, path, add_differing=add_differing)
            except AnnotatorError as exc:
                outcomes.append(str(exc))
                continue
            outcomes.append(report)
            if report.changes.tags:
                window.workspace.reload_tags()
                window._build_tag_actions()  # noqa: SLF001 - the window's own refresh
            ctx.apply(report.changes)
    finally:
        QApplication.restoreOverrideCursor()
    if any(isinstance(o, ColleagueMergeReport) for o in outcomes):
        window.library.reload(ctx.store)
        if window.workspace.document_id is None:
            window._restore_last_document()  # noqa: SLF001
        else:
            window.library.select_document(window.workspace.document_id)
    show_report(window, outcomes, paths)
    return outcomes


def show_report(
    window: MainWindow, outcomes: Sequence[MergeOutcome], paths: Sequence[Path] = ()
) -> QMessageBox:
    merged = [o for o in outcomes if isinstance(o, ColleagueMergeReport)]
    refused = [o for o in outcomes if isinstance(o, str)]
    skipped = sum(len(o.not_merged) for o in merged)
    icon = QMessageBox.Icon.Warning if refused or skipped else QMessageBox.Icon.Information
    added = sum(o.merge.annotations_added for o in merged)
    box = QMessageBox(icon, "Merge colleague's work",
                      f"{added} annotation(s) added from {len(merged)} file(s)"
                      + (f"; {len(refused)} file(s) refused" if refused else "")
                      + (f"; {skipped} document(s) not merged (text differs)" if skipped else ""),
                      parent=window)
    box.setObjectName("mergeReport")
    box.setInformativeText("\n".join([*(o.summary() for o in merged), *refused]))
    differing = [
        path for path, outcome in zip(paths, outcomes, strict=False)
        if isinstance(outcome, ColleagueMergeReport) and outcome.not_merged
    ]
    if differing:
        # A corrected version of a briefing is a new document: the analyst may want it anyway.
        button = box.addButton("Add Them as New Documents", QMessageBox.ButtonRole.ActionRole)
        button.setObjectName("addDiffering")
        button.setToolTip("Merge the briefings whose text differs as documents of their own")
        button.clicked.connect(lambda: merge_files(window, differing, add_differing=True))
        box.addButton(QMessageBox.StandardButton.Close)
    box.open()
    window.statusBar().showMessage("; ".join(o.summary() for o in merged), 10_000)
    return box


def merge_dialog(window: MainWindow) -> list[MergeOutcome]:
    files, _ = QFileDialog.getOpenFileNames(
        window, "Merge a colleague's database or annotation export",
        str(window.ctx.store.path.parent), FILE_FILTER,
    )
    return merge_files(window, [Path(f) for f in files]) if files else []
