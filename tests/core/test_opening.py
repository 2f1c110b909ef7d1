"""What opening a document reads (core.opening) is what the full queries give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.errors import NotFound
from annotator.core.opening import annotation_views, document_outline, outline_spans
from annotator.core.queries import annotations_by_id, document_annotations, document_detail
from annotator.core.review import review_info, set_review_status
from annotator.core.store import Store, open_store
from tests.documents import add_text_document

TEXT = "Title\n\nThe first claim happened. 🙂 An assessment is likely. A figure of 12%."
UNITS = [(0, 5, "title"), (7, 33, "sentence"), (34, 62, "sentence"), (63, len(TEXT), "skipped")]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "opening.sqlite3") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    return add_text_document(store, TEXT, UNITS)


def annotate(store: Store, doc: int) -> list[int]:
    """Annotations with several tags, fields, suggestions, notes, authors and statuses."""
    first = ops.create_annotation(
        store,
        doc,
        7,
        33,
        "ana",
        ["figure", "claim"],
        note="checked",
        fields={"claim": {"attributed_to": "DIA"}},
        suggested={"claim": ["attributed_to"]},
    ).created_id
    second = ops.create_annotation(store, doc, 34, 62, "ben", ["assessment"]).created_id
    third = ops.create_annotation(store, doc, 7, 62, "ana", []).created_id
    fourth = ops.create_annotation(store, doc, 34, 62, "ana", ["claim"]).created_id
    ids = [first, second, third, fourth]
    assert None not in ids
    set_review_status(store, second, "accepted", "chloe")  # type: ignore[arg-type]
    return ids  # type: ignore[return-value]


def test_outline_is_the_text_units_and_spans_of_the_full_queries(store: Store, doc: int) -> None:
    annotate(store, doc)
    outline = document_outline(store, doc)
    detail = document_detail(store, doc)
    views = document_annotations(store, doc)
    statuses = review_info(store, document_id=doc)
    assert outline.text == detail.text
    assert outline.units == [(u.start, u.end, u.kind) for u in detail.units]
    assert outline.spans == [
        (v.id, v.start, v.end, v.author, statuses[v.id].status, v.tag_names) for v in views
    ]


def test_outline_in_two_parts_is_the_whole(store: Store, doc: int) -> None:
    annotate(store, doc)
    whole = document_outline(store, doc)
    for limit in (0, 7, 8, 34, 35, len(TEXT)):
        first = document_outline(store, doc, spans_before=limit)
        assert (first.text, first.units) == (whole.text, whole.units)
        assert all(span[1] < limit for span in first.spans)
        assert first.spans + outline_spans(store, doc, start_from=limit) == whole.spans


def test_full_views_read_in_slices_are_the_views_of_the_full_query(store: Store, doc: int) -> None:
    ids = annotate(store, doc)
    expected = annotations_by_id(store, set(ids))
    assert annotation_views(store, ids) == expected
    assert annotation_views(store, ids[1:3]) == {i: expected[i] for i in ids[1:3]}
    assert annotation_views(store, [ids[0], 10_000]) == {ids[0]: expected[ids[0]]}
    assert annotation_views(store, []) == {}
    assert annotation_views(store, document_id=doc) == expected
    other = add_text_document(store, TEXT + " More.", UNITS, title="U", source="u.txt")
    assert other is not None
    ops.create_annotation(store, other, 7, 33, "ana", ["claim"])
    assert annotation_views(store, document_id=doc) == expected  # none of the other's


def test_tags_without_fields_are_shared_and_read_only(store: Store, doc: int) -> None:
    ids = [
        ops.create_annotation(store, doc, start, end, "ana", ["claim"]).created_id
        for start, end in ((7, 33), (34, 62), (7, 62))
    ]
    views = annotation_views(store, ids)  # type: ignore[arg-type]
    first, second, third = (views[i].tags for i in ids)  # type: ignore[index]
    assert first is second is third  # one tuple, one tag view for all three
    assert first[0].fields == {} and first[0].suggested == ()
    with pytest.raises(TypeError):
        first[0].fields["attributed_to"] = "DIA"
    assert dict(first[0].fields) == {}


def test_outline_of_a_missing_document_says_so(store: Store) -> None:
    with pytest.raises(NotFound):
        document_outline(store, 42)
