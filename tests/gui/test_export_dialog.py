"""File > Export: the dialog runs the export off the GUI thread, with progress and cancel."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.core import ops
from annotator.core.backup import list_backups
from annotator.core.dataset import get_caveat
from annotator.core.exporters import registry
from annotator.core.importing import import_file
from annotator.core.settings import Settings, load_settings, save_settings
from annotator.core.store import Store, open_store
from annotator.gui.export_dialog import ExportDialog, file_stem
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "gui-export.sqlite3") as opened:
        doc_id = import_file(opened, SAMPLE).document_id
        assert doc_id is not None
        ops.bulk_add_annotations(
            opened,
            doc_id,
            [ops.NewAnnotation(0, 34, "ana" if i % 2 else "bob", ["claim"]) for i in range(3000)],
        )
        yield opened


def test_export_runs_with_progress_filters_and_caveat(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    out = tmp_path / "from-dialog.csv"
    dialog.path.setText(str(out))
    bob = dialog.authors.findItems("bob", Qt.MatchFlag.MatchExactly)[0]
    bob.setCheckState(Qt.CheckState.Unchecked)
    dialog.caveat.setText("OFFICIAL-SENSITIVE")
    seen: list[tuple[int, int]] = []
    dialog.start()
    assert dialog.task is not None
    dialog.task.progressed.connect(lambda done, total: seen.append((done, total)))
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.task.wait(20_000)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 1500 and {r["author"] for r in rows} == {"ana"}
    assert {r["handling_caveat"] for r in rows} == {"OFFICIAL-SENSITIVE"}
    assert get_caveat(store) == "OFFICIAL-SENSITIVE"
    assert "Exported 1500" in dialog.status.text()
    assert dialog.progress.value() == dialog.progress.maximum()


def test_cancel_leaves_no_file(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = ExportDialog(None, store, document_id=None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    out = tmp_path / "cancelled.jsonl"
    dialog.format.setCurrentIndex(dialog.format.findData("jsonl-spans"))
    dialog.path.setText(str(out))
    original = registry.FORMATS["jsonl-spans"].write

    def slow_write(dataset: object, path: Path, options: registry.ExportOptions) -> object:
        dialog.task.cancel()  # type: ignore[union-attr]  # the analyst presses Cancel
        return original(dataset, path, options)  # type: ignore[arg-type]

    monkeypatch.setitem(
        registry.FORMATS,
        "jsonl-spans",
        registry.ExportFormat("jsonl-spans", "spans", ".jsonl", False, slow_write),
    )
    dialog.start()
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text(), timeout=20_000)
    assert dialog.task is not None and dialog.task.wait(20_000)
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".cancelled")] == []


def test_failed_export_is_reported(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    dialog = ExportDialog(None, store, document_id=None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "missing-folder" / "x.csv"))
    dialog.start()
    qtbot.waitUntil(lambda: "nothing written" in dialog.status.text(), timeout=20_000)
    assert dialog.task is not None and dialog.task.wait(20_000)
    assert dialog.export_button.isEnabled()


def test_an_existing_file_is_replaced_only_when_the_analyst_agrees(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    out = tmp_path / "earlier.csv"
    out.write_text("an earlier export\n", encoding="utf-8")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.path.setText(str(out))
    dialog.start()
    assert dialog.task is None and "Not exported" in dialog.status.text()
    assert out.read_text(encoding="utf-8") == "an earlier export\n"
    assert asked == [f"earlier.csv already exists in {tmp_path}. Replace the file?"]
    dialog.start()  # asked again: this time the analyst agrees
    assert dialog.task is not None
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.task.wait(20_000)
    assert out.read_text(encoding="utf-8").startswith("document_id")
    assert len(asked) == 2
    dialog.start()  # the same file again: already agreed, no new question
    qtbot.waitUntil(lambda: dialog.task is not None and dialog.task.isFinished(), timeout=20_000)
    assert len(asked) == 2


def test_the_history_option_is_offered_for_spans_only(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    offered = {}
    for index in range(dialog.format.count()):
        dialog.format.setCurrentIndex(index)
        offered[dialog.fmt_name()] = dialog.history.isEnabled()
    assert {name for name, enabled in offered.items() if enabled} == {"jsonl-spans"}
    dialog.format.setCurrentIndex(dialog.format.findData("jsonl-spans"))
    dialog.history.setChecked(True)
    out = tmp_path / "spans.jsonl"
    dialog.path.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.task is not None and dialog.task.wait(20_000)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert [h["action"] for h in first["history"]] == ["create"]
    # Another format greys it out; it stays checked for the next spans export.
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.history.isChecked() and not dialog.history.isEnabled()


def test_the_dialog_starts_from_the_last_successful_export(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    settings = Settings()
    saved: list[Settings] = []
    first = ExportDialog(None, store, 1, settings, lambda: saved.append(settings))  # type: ignore[arg-type]
    qtbot.addWidget(first)
    assert first.fmt_name() == "csv" and Path(first.path.text()).parent == Path.home()
    folder = tmp_path / "exports"
    folder.mkdir()
    first.format.setCurrentIndex(first.format.findData("jsonl-spans"))
    first.history.setChecked(True)
    first.path.setText(str(folder / "spans.jsonl"))
    first.start()
    qtbot.waitUntil(lambda: first.result is not None, timeout=20_000)
    assert first.task is not None and first.task.wait(20_000)
    assert saved and (settings.export_format, settings.export_folder) == (
        "jsonl-spans", str(folder)
    )
    # The next dialog (a new window session reads the same settings) starts from there.
    again = ExportDialog(None, store, 1, load_settings_round_trip(settings))  # type: ignore[arg-type]
    qtbot.addWidget(again)
    assert again.fmt_name() == "jsonl-spans"
    assert again.history.isChecked() and again.history.isEnabled()
    stem = "northern-corridor-security-outlook-annotations"
    assert Path(again.path.text()) == folder / f"{stem}.jsonl"
    # A remembered folder that is gone is not proposed.
    folder.rename(tmp_path / "moved")
    gone = ExportDialog(None, store, 1, settings)  # type: ignore[arg-type]
    qtbot.addWidget(gone)
    assert Path(gone.path.text()).parent == Path.home()


def load_settings_round_trip(settings: Settings) -> Settings:
    path = Path.home() / "settings-copy.json"
    save_settings(settings, path)
    return load_settings(path)


def test_the_proposed_name_follows_the_document_until_the_analyst_names_the_file(
    qtbot: QtBot, store: Store
) -> None:
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    proposed = Path.home() / "northern-corridor-security-outlook-annotations.csv"
    assert Path(dialog.path.text()) == proposed
    dialog.all_documents.setChecked(True)
    assert Path(dialog.path.text()) == Path.home() / "annotations-export.csv"
    dialog.this_document.setChecked(True)
    dialog.format.setCurrentIndex(dialog.format.findData("brat"))
    assert Path(dialog.path.text()) == proposed.with_suffix("")  # a folder
    # Once the analyst types a name, only its suffix follows the format.
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(Path.home() / "mine.csv"))
    dialog.all_documents.setChecked(True)
    dialog.format.setCurrentIndex(dialog.format.findData("w3c"))
    assert Path(dialog.path.text()) == Path.home() / "mine.jsonld"


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Northern Corridor: Security Outlook (2025)", "northern-corridor-security-outlook-2025"),
        ("تقييم التهديدات — الربع الثالث", "تقييم-التهديدات-الربع-الثالث"),
        ("Évaluation: l’état de la menace", "évaluation-l-état-de-la-menace"),
        ("../../etc/passwd", "etc-passwd"),
        ("???", ""),
        ("x" * 80, "x" * 60),
    ],
)
def test_file_stems_keep_the_words_of_the_title(title: str, stem: str) -> None:
    assert file_stem(title) == (f"{stem}-annotations" if stem else "annotations-export")


def test_an_export_makes_no_backup(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    """The dialog reads through its own connection; opening it must not back up (and prune)
    the database the window has open."""
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "x.csv"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.task is not None and dialog.task.wait(20_000)
    assert list_backups(store.path) == []


def test_no_ticked_author_or_tag_is_asked_to_be_fixed(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    out = tmp_path / "nothing.csv"
    dialog.path.setText(str(out))
    for index in range(dialog.authors.count()):
        dialog.authors.item(index).setCheckState(Qt.CheckState.Unchecked)
    dialog.start()
    assert dialog.task is None and not out.exists()
    assert "Tick at least one author" in dialog.status.text()
    dialog.authors.item(0).setCheckState(Qt.CheckState.Checked)
    for index in range(dialog.tags.count()):
        dialog.tags.item(index).setCheckState(Qt.CheckState.Unchecked)
    dialog.start()
    assert dialog.task is None and "Tick at least one tag" in dialog.status.text()


def test_chosen_documents_are_exported_and_only_they(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    for name in ("second", "third"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"The {name} brief.\n\nOfficials reported {name} attacks.\n", "utf-8")
        document_id = import_file(store, path).document_id
        assert document_id is not None
        ops.create_annotation(store, document_id, 0, 10, "ana", ["claim"])
    dialog = ExportDialog(None, store, document_id=1)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.documents.isVisible()
    dialog.chosen_documents.setChecked(True)
    assert dialog.documents.isVisible() and dialog.documents.count() == 3
    checked = {
        dialog.documents.item(r).text()
        for r in range(dialog.documents.count())
        if dialog.documents.item(r).checkState() == Qt.CheckState.Checked
    }
    assert checked == {"Northern Corridor Security Outlook"}  # the open one, to start from
    assert Path(dialog.path.text()).name.startswith("northern-corridor")
    for row in range(dialog.documents.count()):
        item = dialog.documents.item(row)
        wanted = item.text() != "Northern Corridor Security Outlook"
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
    assert Path(dialog.path.text()).name == "annotations-export.csv"  # two documents
    out = tmp_path / "chosen.csv"
    dialog.path.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.task is not None and dialog.task.wait(20_000)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 2 and {r["document_id"] for r in rows} == {"2", "3"}
    # None ticked: asked for one, nothing written.
    for row in range(dialog.documents.count()):
        dialog.documents.item(row).setCheckState(Qt.CheckState.Unchecked)
    out.unlink()
    dialog.start()
    assert "Tick at least one document" in dialog.status.text() and not out.exists()
