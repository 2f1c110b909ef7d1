"""Annotation operations: each one committed, each returning what changed."""

from __future__ import annotations

import datetime as dt

import pytest

from annotator.core import ops
from annotator.core.errors import InvalidValue, NotFound, NotYourAnnotation
from annotator.core.history import annotation_history
from annotator.core.queries import (
    annotations_by_id,
    document_annotations,
    tagged_unit_counts,
    unit_tags,
    view_of,
)
from annotator.core.store import Store
from tests.backends import Backend

TEXT = "Title\n\nThe first claim happened. 🙂 An assessment is likely. A figure of 12%."
UNITS = [(0, 5, "title"), (7, 33, "sentence"), (34, 62, "sentence"), (63, len(TEXT), "sentence")]


@pytest.fixture
def store(backend: Backend) -> Store:
    with backend.open("ops") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    changes = ops.add_document(
        store,
        ops.NewDocument(
            text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name="t.txt", source_format="txt", units=UNITS,
        ),
    )
    assert changes.created_id is not None and changes.library
    return changes.created_id


def test_create_toggle_fields_note_span_delete(store: Store, doc: int) -> None:
    changes = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"])
    annotation_id = changes.created_id
    assert annotation_id is not None and changes.annotations == {annotation_id}
    ops.set_tag(store, annotation_id, "figure", True, fields={"value": 12}, suggested=["value"])
    ops.set_fields(store, annotation_id, "claim", {"attributed_to": "DIA"})
    ops.set_note(store, annotation_id, "check the source")
    ops.set_span(store, annotation_id, 7, 32)
    view = annotations_by_id(store, {annotation_id})[annotation_id]
    assert view.tag_names == ("claim", "figure")
    assert view.tags[0].fields == {"attributed_to": "DIA"}
    assert view.tags[1].suggested == ("value",)
    assert (view.start, view.end, view.note) == (7, 32, "check the source")
    assert view.modified >= view.created and view.created.tzinfo is dt.UTC
    ops.set_tag(store, annotation_id, "figure", False)
    assert annotations_by_id(store, {annotation_id})[annotation_id].tag_names == ("claim",)
    ops.delete_annotation(store, annotation_id)
    assert annotations_by_id(store, {annotation_id}) == {}
    with pytest.raises(NotFound):
        ops.set_note(store, annotation_id, "gone")


def test_snapshot_restore_keeps_the_id_and_everything(store: Store, doc: int) -> None:
    annotation_id = ops.create_annotation(
        store, doc, 34, 62, "ana", ["assessment"], note="n",
        fields={"assessment": {"likelihood": "likely"}},
    ).created_id
    assert annotation_id is not None
    snapshot = ops.snapshot_annotation(store, annotation_id)
    ops.delete_annotation(store, annotation_id)
    newer = ops.create_annotation(store, doc, 7, 33, "bob", ["claim"]).created_id
    assert newer != annotation_id, "ids are never reused"
    ops.restore_annotation(store, snapshot)
    (view,) = [v for v in document_annotations(store, doc) if v.id == annotation_id]
    assert view.tags[0].fields == {"likelihood": "likely"}
    assert (view.author, view.note, view.created) == ("ana", "n", snapshot.created)


def test_bad_input_is_refused_and_nothing_written(store: Store, doc: int) -> None:
    with pytest.raises(InvalidValue):
        ops.create_annotation(store, doc, 5, 5, "ana", ["claim"])
    with pytest.raises(InvalidValue):
        ops.create_annotation(store, doc, 0, 3, "  ", ["claim"])
    with pytest.raises(NotFound):
        ops.create_annotation(store, 999, 0, 3, "ana", ["claim"])
    with pytest.raises(InvalidValue):
        ops.bulk_add_annotations(
            store, doc, [ops.NewAnnotation(0, 5, "a", ["claim"]), ops.NewAnnotation(0, 999, "a")]
        )
    assert document_annotations(store, doc) == []


def test_bulk_add_and_coverage_counts(store: Store, doc: int) -> None:
    added = ops.bulk_add_annotations(
        store, doc,
        [
            ops.NewAnnotation(7, 33, "ana", ["claim", "figure"]),
            ops.NewAnnotation(30, 62, "bob", ["assessment"]),  # covers the third unit only
            ops.NewAnnotation(63, 70, "bob", ["figure"]),  # partial: covers nothing
        ],
    )
    assert added == 3
    assert tagged_unit_counts(store) == {doc: 2}
    views = document_annotations(store, doc)
    assert [(v.start, v.author) for v in views] == [(7, "ana"), (30, "bob"), (63, "bob")]
    covering = unit_tags(
        [(s, e) for s, e, _ in UNITS], [(v.start, v.end, t) for v in views for t in v.tag_names]
    )
    assert covering == [(), ("claim", "figure"), ("assessment",), ()]


def test_edits_hand_back_what_they_committed(store: Store, doc: int) -> None:
    """Create and every one-annotation edit return the annotation as committed (undo keeps it
    without reading it back): the same snapshot a fresh read gives."""
    created = ops.create_annotation(store, doc, 0, 4, "Ana", ["claim"])
    annotation_id = created.created_id
    assert annotation_id is not None
    assert created.snapshot == ops.snapshot_annotation(store, annotation_id)
    edits = [
        lambda: ops.set_tag(store, annotation_id, "figure", True, fields={"value": 3}),
        lambda: ops.set_fields(store, annotation_id, "figure", {"value": 4, "unit": "%"}),
        lambda: ops.set_note(store, annotation_id, "checked"),
        lambda: ops.set_span(store, annotation_id, 1, 4),
        lambda: ops.set_tag(store, annotation_id, "claim", False),
    ]
    for edit in edits:
        changes = edit()
        assert changes.snapshot is not None
        assert changes.snapshot == ops.snapshot_annotation(store, annotation_id)
        # The reader's view built from it is the one a query gives.
        assert view_of(changes.snapshot) == annotations_by_id(store, {annotation_id})[
            annotation_id
        ]
    assert (created | changes).snapshot is None  # a union speaks of several changes


def test_each_change_of_one_annotation_gives_it_as_it_was(store: Store, doc: int) -> None:
    """`Changes.previous` is what a read just before the change returns (undo relies on it
    instead of reading first), and `snapshot` what a read just after returns."""
    created = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"])
    annotation_id = created.created_id
    assert annotation_id is not None and created.previous is None
    edits = [
        lambda: ops.set_tag(store, annotation_id, "figure", True, fields={"value": 12}),
        lambda: ops.set_fields(store, annotation_id, "figure", {"value": 13}),
        lambda: ops.set_note(store, annotation_id, "check"),
        lambda: ops.set_span(store, annotation_id, 7, 30),
        lambda: ops.set_tag(store, annotation_id, "claim", False),
        lambda: ops.delete_annotation(store, annotation_id),
    ]
    for edit in edits:
        before = ops.snapshot_annotation(store, annotation_id)
        changes = edit()
        assert changes.previous == before
        if changes.snapshot is not None:
            assert changes.snapshot == ops.snapshot_annotation(store, annotation_id)
    with pytest.raises(NotFound):
        ops.snapshot_annotation(store, annotation_id)


def test_an_owner_changes_only_their_own_layer(store: Store, doc: int) -> None:
    """With `owner`, the edits refuse another author's annotation and write nothing; the
    owner's own annotation and their adjudicated layer stay editable; without `owner` (the
    CLI, merges, undo's restore) nothing changes."""
    bens = ops.create_annotation(store, doc, 7, 33, "Ben", ["claim"], note="Ben's").created_id
    anas = ops.create_annotation(store, doc, 7, 33, "Ana", ["claim"]).created_id
    layer = ops.create_annotation(store, doc, 34, 62, "adjudicated by Ana", ["claim"]).created_id
    others = ops.create_annotation(store, doc, 63, 70, "adjudicated by Ben", ["claim"]).created_id
    assert bens and anas and layer and others
    before = ops.snapshot_annotation(store, bens)
    edits = [
        lambda target: ops.set_tag(store, target, "figure", True, owner="Ana"),
        lambda target: ops.set_tag(store, target, "claim", False, owner="Ana"),
        lambda target: ops.set_fields(store, target, "claim", {"attributed_to": "x"},
                                      owner="Ana"),
        lambda target: ops.set_note(store, target, "mine now", owner="Ana"),
        lambda target: ops.set_span(store, target, 8, 30, owner="Ana"),
        lambda target: ops.delete_annotation(store, target, owner="Ana"),
    ]
    for edit in edits:
        for target in (bens, others):
            with pytest.raises(NotYourAnnotation) as refused:
                edit(target)
            assert "you can change only your own" in str(refused.value)
    assert str(NotYourAnnotation("Ben")) == (
        "That annotation is Ben's; you can change only your own. Use Review Mode to adjudicate."
    )
    assert ops.snapshot_annotation(store, bens) == before
    assert [entry.action for entry in annotation_history(store, bens)] == ["create"]
    for target in (anas, layer):
        ops.set_tag(store, target, "figure", True, owner="Ana")
        ops.set_fields(store, target, "claim", {"attributed_to": "x"}, owner="Ana")
        ops.set_note(store, target, "checked", owner="Ana")
        ops.set_span(store, target, 40, 50, owner="Ana")
        view = annotations_by_id(store, {target})[target]
        assert (view.tag_names, view.note, view.start) == (("claim", "figure"), "checked", 40)
    ops.delete_annotation(store, anas, owner="Ana")
    # Without an owner (the CLI, a merge) and for undo's restore, any layer can be written.
    ops.set_note(store, bens, "edited by the CLI")
    snapshot = ops.snapshot_annotation(store, bens)
    ops.delete_annotation(store, bens, actor="Ana")
    ops.restore_annotation(store, snapshot, actor="Ana")
    assert annotations_by_id(store, {bens})[bens].note == "edited by the CLI"
