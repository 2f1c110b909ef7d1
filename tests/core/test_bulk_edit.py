"""Bulk edit of the annotations table's selected rows: one transaction, one history row per
changed annotation, only the analyst's own layer, and an exact undo/redo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from annotator.core import ops
from annotator.core.bulk_edit import (
    AddTag,
    Edit,
    RemoveTag,
    SetField,
    SetStatus,
    bulk_edit,
    describe,
    read_snapshots,
    restore_snapshots,
)
from annotator.core.errors import InvalidValue, NotFound
from annotator.core.facts import AnnotationSnapshot, adjudicated_author
from annotator.core.history import annotation_history
from annotator.core.model import AnnotationHistory
from annotator.core.store import Store, open_store
from tests.backends import Backend
from tests.documents import add_text_document

TEXT = "One claim here. Another claim there. A figure of 12 percent. The end."
UNITS = [(0, 15, "sentence"), (16, 36, "sentence"), (37, 60, "sentence"), (61, 69, "sentence")]


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("bulk") as opened:
        yield opened


def _document(store: Store) -> int:
    return add_text_document(store, TEXT, UNITS, allow_duplicate=True)


@pytest.fixture
def doc(store: Store) -> int:
    return _document(store)


def _create(store: Store, doc: int, author: str, tags: list[str], **kw: Any) -> int:
    created = ops.create_annotation(store, doc, 0, 15, author, tags, **kw).created_id
    assert created is not None
    return created


def _state(store: Store) -> dict[int, AnnotationSnapshot]:
    with store.read() as session:
        connection = session.connection()
        ids = list(connection.execute(select(ops.Annotation.id)).scalars())
        return read_snapshots(connection, ids)


def _history_count(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count(AnnotationHistory.id))) or 0)


def test_set_field_on_own_annotations_carrying_the_tag(store: Store, doc: int) -> None:
    a = _create(
        store,
        doc,
        "ana",
        ["assessment"],
        fields={"assessment": {"likelihood": "likely"}},
        suggested={"assessment": ["likelihood"]},
    )
    b = _create(store, doc, "ana", ["assessment"])
    untagged = _create(store, doc, "ana", ["claim"])
    theirs = _create(store, doc, "ben", ["assessment"])
    history = _history_count(store)
    result = bulk_edit(
        store, [a, b, untagged, theirs], "ana", SetField("assessment", "likelihood", "very likely")
    )
    state = _state(store)
    for annotation_id in (a, b):
        (tag,) = state[annotation_id].tags
        assert tag.fields == {"likelihood": "very_likely"}  # label normalised to its code
        assert tag.suggested == ()  # confirmed, no longer a suggestion
    assert state[untagged].tags[0].fields == {}
    assert state[theirs].tags[0].fields == {}
    assert (result.changed, result.colleagues, result.unchanged, result.missing) == (2, 1, 1, 0)
    assert result.changes.annotations == {a, b} and result.changes.documents == {doc}
    assert _history_count(store) == history + 2
    assert describe(SetField("assessment", "likelihood", "x")) == "Set likelihood"
    assert describe(SetField("assessment", "confidence", "x")) == "Set analytic confidence"


def test_empty_value_clears_the_field(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["figure"], fields={"figure": {"value": 12, "unit": "%"}})
    bulk_edit(store, [a], "ana", SetField("figure", "unit", ""))
    assert _state(store)[a].tags[0].fields == {"value": 12}


def test_add_and_remove_tag(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["figure"], fields={"figure": {"value": 3}})
    b = _create(store, doc, "ana", ["claim", "figure"])
    added = bulk_edit(store, [a, b], "ana", AddTag("claim"))
    assert (added.changed, added.unchanged) == (1, 1)
    assert _state(store)[a].tag_names == ("claim", "figure")  # in display order
    removed = bulk_edit(store, [a, b], "ana", RemoveTag("figure"))
    assert removed.changed == 2
    assert {i: s.tag_names for i, s in _state(store).items()} == {a: ("claim",), b: ("claim",)}
    assert [e.action for e in annotation_history(store, a)] == ["create", "tag_add", "tag_remove"]


def test_set_status_records_reviewer_and_keeps_content(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["claim"])
    before = _state(store)[a]
    result = bulk_edit(store, [a], "ana", SetStatus("submitted", "ready"))
    after = _state(store)[a]
    assert (after.status, after.reviewer, after.review_comment) == ("submitted", "ana", "ready")
    assert after.reviewed_at is not None and after.modified == before.modified
    assert result.after == (after,)
    again = bulk_edit(store, [a], "ana", SetStatus("submitted", "ready"))
    assert (again.changed, again.unchanged) == (0, 1)
    entry = annotation_history(store, a)[-1]
    assert (entry.action, entry.actor, entry.comment) == ("review", "ana", "ready")


def test_colleagues_annotations_are_never_changed(store: Store, doc: int) -> None:
    mine = _create(store, doc, "ana", ["claim"])
    layer = _create(store, doc, adjudicated_author("ana"), ["claim"])
    ben = _create(store, doc, "ben", ["claim"])
    other_layer = _create(store, doc, adjudicated_author("ben"), ["claim"])
    before = _state(store)
    edits: list[Edit] = [
        AddTag("figure"),
        RemoveTag("claim"),
        SetField("claim", "event_date", "2023"),
        SetStatus("rejected"),
    ]
    for edit in edits:
        result = bulk_edit(store, [mine, layer, ben, other_layer], "ana", edit)
        assert result.colleagues == 2
        assert result.changes.annotations <= {mine, layer}
    after = _state(store)
    assert after[ben] == before[ben] and after[other_layer] == before[other_layer]
    assert after[mine] != before[mine] and after[layer] != before[layer]
    assert len(annotation_history(store, ben)) == 1  # its creation only


def test_history_row_per_changed_annotation_with_snapshots(store: Store, doc: int) -> None:
    ids = [_create(store, doc, "ana", ["claim"]) for _ in range(3)]
    before = _state(store)
    result = bulk_edit(store, ids, "ana", SetField("claim", "source_reliability", "B"))
    after = _state(store)
    for annotation_id in ids:
        entry = annotation_history(store, annotation_id)[-1]
        assert (entry.action, entry.actor) == ("fields", "ana")
        assert entry.before == before[annotation_id]
        assert entry.after == after[annotation_id]
    assert result.before == tuple(before[i] for i in ids)


def test_invalid_value_writes_nothing(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["assessment"])
    low = _create(store, doc, "ana", ["figure"], fields={"figure": {"range_high": 5}})
    ok = _create(store, doc, "ana", ["figure"])
    state, history = _state(store), _history_count(store)
    for edit in (
        SetField("assessment", "likelihood", "maybe"),
        SetField("assessment", "colour", "red"),
        SetField("nope", "x", 1),
        AddTag("nope"),
        SetStatus("done"),
    ):
        with pytest.raises(InvalidValue):
            bulk_edit(store, [a], "ana", edit)
    # Valid alone, but not for one of the annotations (its range high is below): all or nothing.
    with pytest.raises(InvalidValue, match="Range high"):
        bulk_edit(store, [ok, low], "ana", SetField("figure", "range_low", 10))
    assert _state(store) == state and _history_count(store) == history


def test_a_value_stored_wrong_before_does_not_block_another_field(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["figure"], fields={"figure": {"value": "lots"}})  # imported
    result = bulk_edit(store, [a], "ana", SetField("figure", "unit", "USD"))
    assert result.changed == 1
    assert _state(store)[a].tags[0].fields == {"value": "lots", "unit": "USD"}


def test_missing_ids_are_counted(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["claim"])
    result = bulk_edit(store, [a, a, 999_999], "ana", AddTag("figure"))
    assert (result.changed, result.missing) == (1, 1)


def test_undo_and_redo_are_exact(store: Store, doc: int) -> None:
    a = _create(
        store,
        doc,
        "ana",
        ["figure"],
        fields={"figure": {"value": 1, "unit": "USD"}},
        suggested={"figure": ["unit"]},
    )
    b = _create(store, doc, "ana", ["figure"])
    original = _state(store)
    result = bulk_edit(store, [a, b], "ana", SetField("figure", "unit", "EUR"))
    edited = _state(store)
    undone = restore_snapshots(store, result.before, actor="ana")
    assert _state(store) == original and undone.annotations == {a, b}
    restore_snapshots(store, result.after, actor="ana")
    assert _state(store) == edited
    assert annotation_history(store, a)[-1].action == "restore"


def test_undo_puts_back_an_annotation_deleted_meanwhile(store: Store, doc: int) -> None:
    a = _create(store, doc, "ana", ["claim"])
    original = _state(store)
    result = bulk_edit(store, [a], "ana", AddTag("figure"))
    ops.delete_annotation(store, a)
    restore_snapshots(store, result.before, actor="ana")
    assert _state(store) == original


def test_undo_refused_when_the_document_is_gone(store: Store, doc: int) -> None:
    from annotator.core.removal import remove_document

    a = _create(store, doc, "ana", ["claim"])
    result = bulk_edit(store, [a], "ana", AddTag("figure"))
    remove_document(store, doc)
    with pytest.raises(NotFound):
        restore_snapshots(store, result.before, actor="ana")


_EDITS = st.one_of(
    st.builds(AddTag, st.sampled_from(["claim", "assessment", "figure"])),
    st.builds(RemoveTag, st.sampled_from(["claim", "assessment", "figure"])),
    st.builds(
        SetStatus, st.sampled_from(["draft", "submitted", "accepted"]), st.sampled_from(["", "ok"])
    ),
    st.builds(
        SetField,
        st.just("assessment"),
        st.just("likelihood"),
        st.sampled_from([None, "likely", "unlikely"]),
    ),
    st.builds(
        SetField,
        st.just("figure"),
        st.sampled_from(["value", "range_low"]),
        st.sampled_from([None, 1, 7, "2,000"]),
    ),
    st.builds(
        SetField, st.just("claim"), st.just("attributed_to"), st.sampled_from(["", "DIA", "x"])
    ),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(_EDITS, st.sets(st.integers(0, 5))), min_size=1, max_size=6))
def test_undo_redo_property(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Edit, set[int]]]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "bulk.sqlite3"
    with open_store(path) as store:
        doc = _document(store)
        ids = [
            _create(
                store,
                doc,
                "ana" if i % 3 else "ben",
                tags,
                fields={"figure": {"range_high": 5}} if "figure" in tags else None,
                suggested={"figure": ["range_high"]} if "figure" in tags else None,
            )
            for i, tags in enumerate(
                [
                    ["claim"],
                    ["figure"],
                    ["assessment", "figure"],
                    [],
                    ["claim", "figure"],
                    ["assessment"],
                ]
            )
        ]
        states = [_state(store)]
        done = []
        for edit, chosen in steps:
            try:
                result = bulk_edit(store, [ids[i] for i in sorted(chosen)], "ana", edit)
            except InvalidValue:
                assert _state(store) == states[-1]
                continue
            assert all(s.author == "ana" for s in result.after)
            done.append(result)
            states.append(_state(store))
        for result, state in zip(reversed(done), reversed(states[:-1]), strict=True):
            restore_snapshots(store, result.before, actor="ana")
            assert _state(store) == state
        for result, state in zip(done, states[1:], strict=True):
            restore_snapshots(store, result.after, actor="ana")
            assert _state(store) == state


def test_ten_thousand_ids_in_one_transaction(store: Store, doc: int) -> None:
    count = 10_000
    ops.bulk_add_annotations(
        store,
        doc,
        (
            ops.NewAnnotation(0, 15, "ana" if i % 10 else "ben", ["assessment"])
            for i in range(count)
        ),
    )
    with store.read() as session:
        ids = list(session.scalars(select(ops.Annotation.id)))
    history = _history_count(store)
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(store.engine, "commit", committed)
    try:
        result = bulk_edit(store, ids, "ana", SetField("assessment", "confidence", "high"))
        assert len(commits) == 1
        undone = restore_snapshots(store, result.before, actor="ana")
        assert len(commits) == 2
    finally:
        event.remove(store.engine, "commit", committed)
    assert (result.changed, result.colleagues) == (9_000, 1_000)
    assert len(undone.annotations) == 9_000
    assert _history_count(store) == history + 18_000


def test_a_claim_source_set_in_bulk_is_registered(store: Store, doc: int) -> None:
    from annotator.core.sources import find_source

    claims = [_create(store, doc, "ana", ["claim"]) for _ in range(3)]
    assert find_source(store, "Reuters") is None
    bulk_edit(store, claims, "ana", SetField("claim", "attributed_to", "Reuters"))
    found = find_source(store, "reuters")
    assert found is not None and found.registered and found.claims == 3
