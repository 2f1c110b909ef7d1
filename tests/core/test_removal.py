"""Removing a document from the library and putting it back: nothing lost, ids never reused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.core import ops
from annotator.core.dataset import load_dataset
from annotator.core.errors import InvalidValue, NotFound
from annotator.core.exporters.registry import export_store
from annotator.core.queries import document_annotations, list_documents
from annotator.core.removal import remove_document, restore_document
from annotator.core.store import Store, open_store
from tests.backends import Backend

TEXT = "مرحبا بالعالم. The first claim 🙂 happened. Figures rose 12% in Q3.\n\nA second paragraph."
UNITS = [
    (0, 14, "sentence"), (15, 42, "sentence"), (43, 67, "sentence"), (69, len(TEXT), "sentence")
]


def new_document(text: str = TEXT, title: str = "Brief") -> ops.NewDocument:
    units = UNITS if text == TEXT else [(0, len(text), "sentence")]
    return ops.NewDocument(
        text=text, title=title, issuer="Unit", published=dt.date(2025, 3, 4),
        date_certainty="exact", date_note=None, language="en", source_name="b.txt",
        source_format="txt", units=units,
    )


@pytest.fixture
def store(backend: Backend) -> Store:
    with backend.open("removal", daily_backup=False) as opened:
        yield opened


def add(store: Store, text: str = TEXT, title: str = "Brief") -> int:
    document_id = ops.add_document(store, new_document(text, title)).created_id
    assert document_id is not None
    return document_id


def annotate(store: Store, document_id: int) -> list[int]:
    first = ops.create_annotation(store, document_id, 15, 42, "Ana", ["claim"]).created_id
    second = ops.create_annotation(store, document_id, 0, 14, "ليلى", ["assessment"]).created_id
    assert first is not None and second is not None
    ops.set_tag(store, first, "figure", True, fields={"value": 12, "unit": "%"})
    ops.set_fields(store, first, "claim", {"attributed_to": "Ministère"})
    ops.set_note(store, second, "vérifier 🙂")
    return [first, second]


def rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows as stored, without the row ids nothing refers to."""
    if store.on_server:
        return _rows_on_server(store)
    connection = sqlite3.connect(store.file)
    try:
        return {
            "documents": connection.execute("SELECT * FROM documents ORDER BY id").fetchall(),
            "units": connection.execute(
                "SELECT document_id, ordinal, start, \"end\", kind FROM units "
                "ORDER BY document_id, ordinal"
            ).fetchall(),
            "annotations": connection.execute("SELECT * FROM annotations ORDER BY id").fetchall(),
            "annotation_tags": connection.execute(
                "SELECT * FROM annotation_tags ORDER BY annotation_id, tag_id"
            ).fetchall(),
            "history": connection.execute(
                "SELECT annotation_id, document_id, action, actor, at, before, after, comment "
                "FROM annotation_history ORDER BY annotation_id, id"
            ).fetchall(),
        }
    finally:
        connection.close()


def _rows_on_server(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """`rows` of a server database, read through the store."""
    queries = {
        "documents": "SELECT * FROM documents ORDER BY id",
        "units": 'SELECT document_id, ordinal, start, "end", kind FROM units '
        "ORDER BY document_id, ordinal",
        "annotations": "SELECT * FROM annotations ORDER BY id",
        "annotation_tags": "SELECT * FROM annotation_tags ORDER BY annotation_id, tag_id",
        "history": "SELECT annotation_id, document_id, action, actor, at, before, after, "
        "comment FROM annotation_history ORDER BY annotation_id, id",
    }
    with store.read() as session:
        return {
            name: [tuple(row) for row in session.execute(text(query))]
            for name, query in queries.items()
        }


def test_remove_takes_everything_about_the_document_and_nothing_else(store: Store) -> None:
    kept = add(store, "Another briefing. It stays.", "Kept")
    kept_annotation = ops.create_annotation(store, kept, 0, 17, "Ben", ["claim"]).created_id
    removed_id = add(store)
    annotate(store, removed_id)
    removed = remove_document(store, removed_id)
    assert removed.title == "Brief" and len(removed.annotation_ids) == 2
    assert removed.changes.library and removed.changes.documents == {removed_id}
    assert [d.id for d in list_documents(store)] == [kept]
    left = rows(store)
    assert {r[1] for r in left["annotations"]} == {kept}
    assert {r[0] for r in left["units"]} == {kept}
    assert {r[1] for r in left["history"]} == {kept}
    assert {r[0] for r in left["annotation_tags"]} == {kept_annotation}


def test_restore_puts_back_every_row_byte_for_byte(store: Store, tmp_path: Path) -> None:
    add(store, "Another briefing. It stays.", "Kept")
    document_id = add(store)
    ids = annotate(store, document_id)
    before = rows(store)
    spans_before = tmp_path / "before.jsonl"
    export_store(store, "jsonl-spans", spans_before)
    removed = remove_document(store, document_id)
    changes = restore_document(store, removed)
    assert changes.documents == {document_id} and changes.library
    assert rows(store) == before
    spans_after = tmp_path / "after.jsonl"
    export_store(store, "jsonl-spans", spans_after)
    assert spans_after.read_bytes() == spans_before.read_bytes()
    assert {v.id for v in document_annotations(store, document_id)} == set(ids)
    # Editing goes on as before, and the history continues where it stopped.
    ops.set_note(store, ids[0], "after the undo")
    restored = {a.id: a for a in load_dataset(store, with_history=True).annotations}[ids[0]]
    assert restored.history is not None
    assert [h.action for h in restored.history] == [
        "create", "tag_add", "fields", "note"
    ]


def test_remove_restore_remove_again(store: Store) -> None:
    document_id = add(store)
    annotate(store, document_id)
    removed = remove_document(store, document_id)
    restore_document(store, removed)
    again = remove_document(store, document_id)
    assert again.tables == removed.tables
    assert list_documents(store) == []


def test_ids_of_a_removed_document_are_never_given_again(store: Store) -> None:
    add(store, "First briefing here.", "First")
    document_id = add(store)  # the highest document id
    ids = annotate(store, document_id)  # the highest annotation ids
    removed = remove_document(store, document_id)
    newer = add(store, "A third briefing arrives.", "Third")
    assert newer > document_id
    created = ops.create_annotation(store, newer, 0, 7, "Ana", ["claim"]).created_id
    assert created is not None and created > max(ids)
    ops.bulk_add_annotations(store, newer, [ops.NewAnnotation(0, 5, "Ana", ["claim"])])
    assert all(v.id > max(ids) for v in document_annotations(store, newer))
    restore_document(store, removed)
    assert {d.id for d in list_documents(store)} >= {document_id, newer}
    assert {v.id for v in document_annotations(store, document_id)} == set(ids)


def test_the_id_counter_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reopen.sqlite3"
    with open_store(path, daily_backup=False) as store:
        document_id = add(store)
        remove_document(store, document_id)
    with open_store(path, daily_backup=False) as store:
        assert add(store, "Fresh text.", "Fresh") == document_id + 1


def test_bulk_adds_do_not_reuse_a_deleted_annotations_id(store: Store) -> None:
    document_id = add(store)
    ids = annotate(store, document_id)
    ops.delete_annotation(store, max(ids))
    ops.bulk_add_annotations(store, document_id, [ops.NewAnnotation(0, 5, "Ana", ["claim"])])
    newest = max(v.id for v in document_annotations(store, document_id))
    assert newest == max(ids) + 1


def test_removing_a_missing_document_says_so(store: Store) -> None:
    with pytest.raises(NotFound):
        remove_document(store, 42)


def test_restore_refuses_when_the_ids_are_taken_and_writes_nothing(store: Store) -> None:
    document_id = add(store)
    annotate(store, document_id)
    removed = remove_document(store, document_id)
    # Another program wrote a document under that id (Annotator never reuses it).
    with store.write() as session:
        session.execute(
            text(
                "INSERT INTO documents (id, title, date_certainty, source_name, source_format, "
                "text, sha256, imported_at) VALUES (:id, 'x', 'none', 'x', 'txt', 'x', 'x', "
                "'2025-01-01T00:00:00.000000+00:00')"
            ),
            {"id": document_id},
        )
    before = rows(store)
    with pytest.raises(InvalidValue, match="cannot be put back"):
        restore_document(store, removed)
    assert rows(store) == before
