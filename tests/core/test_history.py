"""Every change to an annotation is recorded with who, when, before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from annotator.core import ops
from annotator.core.history import annotation_history, creation_row, deleted_annotations
from annotator.core.model import AnnotationHistory
from annotator.core.queries import annotations_by_id
from annotator.core.store import Store
from tests.backends import Backend

TEXT = "One claim here. Another sentence with 12 ships."


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("history") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    new = ops.NewDocument(
        text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
        date_note=None, language="en", source_name="t.txt", source_format="txt",
        units=[(0, 15, "sentence"), (16, len(TEXT), "sentence")],
    )
    doc_id = ops.add_document(store, new).created_id
    assert doc_id is not None
    return doc_id


def test_each_change_is_recorded_with_before_and_after(store: Store, doc: int) -> None:
    annotation_id = ops.create_annotation(store, doc, 0, 15, "ana", ["claim"]).created_id
    assert annotation_id is not None
    ops.set_tag(store, annotation_id, "figure", True, fields={"value": 12}, actor="bob")
    ops.set_fields(store, annotation_id, "claim", {"attributed_to": "DIA"}, actor="bob")
    ops.set_note(store, annotation_id, "check")
    ops.set_span(store, annotation_id, 0, 14)
    ops.set_tag(store, annotation_id, "figure", False)
    ops.delete_annotation(store, annotation_id, actor="carol")
    history = annotation_history(store, annotation_id)
    assert [(h.action, h.actor) for h in history] == [
        ("create", "ana"), ("tag_add", "bob"), ("fields", "bob"), ("note", "ana"),
        ("span", "ana"), ("tag_remove", "ana"), ("delete", "carol"),
    ]
    assert history[0].before is None and history[0].after is not None
    assert history[1].after is not None and history[1].after.tag_names == ("claim", "figure")
    assert history[2].before is not None and history[2].before.tags[0].fields == {}
    assert history[2].after is not None and history[2].after.tags[0].fields == {
        "attributed_to": "DIA"
    }
    assert history[4].before is not None and history[4].before.end == 15
    assert history[4].after is not None and history[4].after.end == 14
    assert history[-1].after is None and history[-1].before is not None
    assert all(h.at.tzinfo is not None for h in history)


def test_a_deleted_annotation_is_restored_from_its_history(store: Store, doc: int) -> None:
    annotation_id = ops.create_annotation(
        store, doc, 16, len(TEXT), "ana", ["figure"], note="n",
        fields={"figure": {"value": 12, "unit": "ships"}},
    ).created_id
    assert annotation_id is not None
    ops.delete_annotation(store, annotation_id)
    (gone,) = deleted_annotations(store, doc)
    assert gone.annotation_id == annotation_id and gone.before is not None
    ops.restore_annotation(store, gone.before, actor="ana")
    view = annotations_by_id(store, {annotation_id})[annotation_id]
    assert view.tags[0].fields == {"value": 12, "unit": "ships"} and view.note == "n"
    assert deleted_annotations(store, doc) == []
    assert annotation_history(store, annotation_id)[-1].action == "restore"


def test_history_is_written_in_the_same_transaction(store: Store, doc: int) -> None:
    with pytest.raises(Exception, match="not tagged"):
        annotation_id = ops.create_annotation(store, doc, 0, 15, "ana", ["claim"]).created_id
        assert annotation_id is not None
        ops.set_fields(store, annotation_id, "figure", {"value": 1})
    with store.read() as session:
        actions = session.scalars(select(AnnotationHistory.action)).all()
    assert actions == ["create"]  # the failed edit left no history row


def test_bulk_adds_are_recorded(store: Store, doc: int) -> None:
    ops.bulk_add_annotations(
        store, doc, [ops.NewAnnotation(0, 15, "ana", ["claim"]) for _ in range(3)]
    )
    with store.read() as session:
        rows = session.execute(select(AnnotationHistory.action, AnnotationHistory.after)).all()
    assert [r[0] for r in rows] == ["create"] * 3
    assert all(r[1]["tags"][0]["name"] == "claim" for r in rows)


_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False), _texts,
)


@settings(max_examples=200, deadline=None)
@given(
    ints=st.tuples(*(st.integers(0, 10**9) for _ in range(4))),
    strings=st.tuples(_texts, _texts, _texts, _texts, _texts, _texts),
    tags=st.lists(
        st.tuples(
            _texts, st.dictionaries(_texts, _values, max_size=3), st.lists(_texts, max_size=2)
        ),
        max_size=3,
    ),
    reviewer=st.none() | _texts,
    reviewed_at=st.none() | _texts,
)
def test_creation_row_is_the_json_of_the_snapshot(
    ints: tuple[int, int, int, int],
    strings: tuple[str, str, str, str, str, str],
    tags: list[tuple[str, dict[str, Any], list[str]]],
    reviewer: str | None,
    reviewed_at: str | None,
) -> None:
    """The snapshot text assembled by creation_row is exactly json.dumps of the snapshot."""
    author, created, modified, note, status, comment = strings
    annotation = (*ints, author, created, modified, note)
    encoded = [(n, json.dumps(f), s) for n, f, s in tags]
    row = creation_row("create", "Ana", "2025-01-01T00:00:00.000000+00:00", annotation, encoded,
                       (status, reviewer, reviewed_at, comment))
    expected = {
        "id": ints[0], "document_id": ints[1], "start": ints[2], "end": ints[3],
        "author": author, "created": created, "modified": modified, "note": note,
        "tags": [{"name": n, "fields": f, "suggested": s} for n, f, s in tags],
        "status": status, "reviewer": reviewer, "reviewed_at": reviewed_at,
        "review_comment": comment,
    }
    assert row[6] == json.dumps(expected)
    assert row[:6] == (ints[0], ints[1], "create", "Ana", "2025-01-01T00:00:00.000000+00:00",
                       None)
