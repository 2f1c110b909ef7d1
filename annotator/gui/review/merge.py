"""File > Merge Colleague's Work…: their database or export into the open database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from annotator.core.colleague import ColleagueMergeReport, merge_colleague
from annotator.core.errors import AnnotatorError
from annotator.core.store import Store
from annotator.gui import dialogs
from annotator.gui.databases import database_folder
from annotator.gui.tasks import run_batch

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

    def merge_one(store: Store, path: Path) -> MergeOutcome:
        try:
            return merge_colleague(store, path, add_differing=add_differing)
        except AnnotatorError as exc:
            return str(exc)

    with window.own_batch():
        batch = run_batch(window, ctx.store.location, "Merging", paths, merge_one)
    outcomes: list[MergeOutcome] = list(batch.results)
    if batch.error is not None:
        untried = (
            f" Not tried: {', '.join(p.name for p in batch.not_tried)}." if batch.not_tried else ""
        )
        outcomes.append(f"Nothing more was merged: {batch.error}.{untried}")
    for outcome in outcomes:
        if isinstance(outcome, ColleagueMergeReport):
            window.apply_merged(outcome.changes)
    if any(isinstance(o, ColleagueMergeReport) for o in outcomes):
        window.library.reload(ctx.store)
        if window.workspace.document_id is None:
            window.restore_last_document()
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
    box = dialogs.plain_box(
        icon, "Merge colleague's work",
        f"{added} annotation(s) added from {len(merged)} file(s)"
        + (f"; {len(refused)} file(s) refused" if refused else "")
        + (f"; {skipped} document(s) not merged (text differs)" if skipped else ""),
        window,
    )
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
        str(database_folder(window.ctx.store)), FILE_FILTER,
    )
    return merge_files(window, [Path(f) for f in files]) if files else []
