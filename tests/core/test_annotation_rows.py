"""The key-press edits (tag toggle, create, delete) written with SQLAlchemy Core: what they hand
back and what they record is exactly what was committed, though nothing is read after the write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.core import ops
from annotator.core.errors import InvalidValue, NotFound, NotYourAnnotation
from annotator.core.history import annotation_history, snapshot_to_json
from annotator.core.store import Store
from tests.backends import Backend
from tests.documents import add_text_document

TEXT = "Title\n\nThe first claim happened. 🙂 An assessment is likely. A figure of 12%."
UNITS = [(0, 5, "title"), (7, 33, "sentence"), (34, 62, "sentence"), (63, len(TEXT), "sentence")]


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("rows") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    return add_text_document(store, TEXT, UNITS)


def _last_history(store: Store, annotation_id: int) -> tuple[str, object, object]:
    entry = annotation_history(store, annotation_id)[-1]
    return (
        entry.action,
        snapshot_to_json(entry.before) if entry.before else None,
        snapshot_to_json(entry.after) if entry.after else None,
    )


def test_toggles_hand_back_and_record_what_was_committed(store: Store, doc: int) -> None:
    created = ops.create_annotation(
        store,
        doc,
        63,
        len(TEXT),
        "ana",
        ["figure", "claim"],
        fields={"figure": {"value": 12, "unit": "%"}},
        suggested={"figure": ["value", "nope"]},
    )
    annotation_id = created.created_id
    assert annotation_id is not None and created.snapshot is not None
    stored = ops.snapshot_annotation(store, annotation_id)  # read back through the ORM
    assert created.snapshot == stored
    assert stored.tag_names == ("claim", "figure")  # display order, not the order given
    assert stored.tags[1].suggested == ("value",)
    assert _last_history(store, annotation_id) == ("create", None, snapshot_to_json(stored))

    previous = stored
    for tag, present, action in (
        ("assessment", True, "tag_add"),
        ("claim", False, "tag_remove"),
        ("claim", False, "tag_remove"),  # not there: only the time changes, as before
        ("claim", True, "tag_add"),
    ):
        changes = ops.set_tag(
            store,
            annotation_id,
            tag,
            present,
            fields={"x": [1, "é"]} if present else None,
            suggested=["x"] if present else (),
            actor="rev",
        )
        stored = ops.snapshot_annotation(store, annotation_id)
        assert changes.snapshot == stored
        assert changes.previous == previous
        assert changes.documents == {doc} and changes.annotations == {annotation_id}
        assert _last_history(store, annotation_id) == (
            action,
            snapshot_to_json(previous),
            snapshot_to_json(stored),
        )
        assert annotation_history(store, annotation_id)[-1].actor == "rev"
        assert stored.modified > previous.modified
        previous = stored
    assert stored.tag_names == ("claim", "assessment", "figure")
    assert stored.tags[0].fields == {"x": [1, "é"]} and stored.tags[0].suggested == ("x",)

    deleted = ops.delete_annotation(store, annotation_id, actor="ana", owner="ana")
    assert deleted.previous == stored and deleted.annotations == {annotation_id}
    assert _last_history(store, annotation_id) == ("delete", snapshot_to_json(stored), None)
    with pytest.raises(NotFound):
        ops.snapshot_annotation(store, annotation_id)
    # Its tags went with it; undo puts it back under the same id, tags and all.
    ops.restore_annotation(store, stored)
    assert ops.snapshot_annotation(store, annotation_id) == stored


def test_refusals_write_nothing(store: Store, doc: int) -> None:
    annotation_id = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
    assert annotation_id is not None
    before = ops.snapshot_annotation(store, annotation_id)
    with pytest.raises(InvalidValue, match="unknown tag 'nope'"):
        ops.set_tag(store, annotation_id, "nope", True)
    with pytest.raises(NotYourAnnotation):
        ops.set_tag(store, annotation_id, "figure", True, owner="bob")
    with pytest.raises(NotYourAnnotation):
        ops.delete_annotation(store, annotation_id, owner="bob")
    with pytest.raises(NotFound):
        ops.set_tag(store, annotation_id + 1, "claim", True)
    with pytest.raises(InvalidValue, match="unknown tag"):
        ops.create_annotation(store, doc, 34, 62, "ana", ["claim", "nope"])
    with pytest.raises(NotFound):
        ops.create_annotation(store, doc + 1, 0, 3, "ana", ["claim"])
    assert ops.snapshot_annotation(store, annotation_id) == before
    assert [e.action for e in annotation_history(store, annotation_id)] == ["create"]
    # The failed create left no row behind: the next one is the only other annotation.
    other = ops.create_annotation(store, doc, 34, 62, "ana", ["claim"]).created_id
    assert other == annotation_id + 1
