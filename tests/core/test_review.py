"""Comparing two authors unit by unit, and adjudicating into a layer of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.core import ops
from annotator.core.dataset import DatasetFilter, load_dataset
from annotator.core.errors import InvalidValue, NotFound
from annotator.core.history import annotation_history, snapshot_of
from annotator.core.model import Annotation
from annotator.core.queries import document_annotations
from annotator.core.review import (
    AGREE,
    DIFFER,
    FIELD,
    PARTIAL,
    UNTAGGED,
    accept_agreed,
    adjudicate,
    adjudicated_author,
    document_authors,
    documents_matching,
    review_info,
    set_review_status,
    unit_states,
)
from annotator.core.store import Store
from tests.backends import Backend

SENTENCES = (
    "The convoy was attacked at dawn.",  # 0: both claim -> agree
    "We assess attacks will likely continue.",  # 1: both assessment, likelihood differs -> field
    "Menu | Home | Contact",  # 2: skipped boilerplate
    "Officials counted 14 trucks.",  # 3: claim vs figure -> differ
    "Insurers raised premiums by 20 percent.",  # 4: only Ana -> partial
    "Nothing to see here.",  # 5: untagged
)
TEXT = " ".join(SENTENCES)
ORDER = ("claim", "assessment", "figure")


def _units() -> list[tuple[int, int, str]]:
    units, position = [], 0
    for index, sentence in enumerate(SENTENCES):
        units.append((position, position + len(sentence), "skipped" if index == 2 else "sentence"))
        position += len(sentence) + 1
    return units


UNITS = _units()


def span(index: int) -> tuple[int, int]:
    return UNITS[index][0], UNITS[index][1]


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("review") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    new = ops.NewDocument(
        text=TEXT, title="Review", issuer=None, published=None, date_certainty="none",
        date_note=None, language="en", source_name="review.txt", source_format="txt",
        units=UNITS,
    )
    created = ops.add_document(store, new).created_id
    assert created is not None
    return created


def tag(store: Store, doc: int, index: int, author: str, tags: list[str], **fields: dict) -> int:
    created = ops.create_annotation(store, doc, *span(index), author, tags, fields=fields)
    assert created.created_id is not None
    return created.created_id


@pytest.fixture
def tagged(store: Store, doc: int) -> dict[str, int]:
    return {
        "ana0": tag(store, doc, 0, "Ana", ["claim"]),
        "ben0": tag(store, doc, 0, "Ben", ["claim"]),
        "ana1": tag(store, doc, 1, "Ana", ["assessment"],
                    assessment={"likelihood": "likely", "confidence": "high"}),
        "ben1": tag(store, doc, 1, "Ben", ["assessment"],
                    assessment={"likelihood": "unlikely", "confidence": "high"}),
        "ana3": tag(store, doc, 3, "Ana", ["claim"]),
        "ben3": tag(store, doc, 3, "Ben", ["figure"], figure={"value": 14, "unit": "trucks"}),
        "ana4": tag(store, doc, 4, "Ana", ["figure", "claim"]),
    }


def states(store: Store, doc: int, authors: tuple[str, ...] = ("Ana", "Ben")) -> dict:
    reviews = unit_states(UNITS, document_annotations(store, doc), authors, ORDER)
    return {review.index: review for review in reviews}


def originals(store: Store, ids: dict[str, int]) -> dict[int, object]:
    with store.read() as session:
        return {i: snapshot_of(session.get(Annotation, i)) for i in ids.values()}


def test_unit_states(store: Store, doc: int, tagged: dict[str, int]) -> None:
    found = states(store, doc)
    assert sorted(found) == [0, 1, 3, 4, 5]  # the skipped unit is left out
    assert {i: r.state for i, r in found.items()} == {
        0: AGREE, 1: FIELD, 3: DIFFER, 4: PARTIAL, 5: UNTAGGED
    }
    assert found[4].tags == {"Ana": ("claim", "figure"), "Ben": ()}  # database tag order
    assert found[3].annotation_ids == {"Ana": (tagged["ana3"],), "Ben": (tagged["ben3"],)}
    (difference,) = found[1].field_differences
    assert (difference.tag, difference.field) == ("assessment", "likelihood")
    assert difference.values == {"Ana": "likely", "Ben": "unlikely"}
    assert [r.is_disagreement for r in found.values()] == [False, True, True, True, False]


def test_states_use_covering_and_innermost_annotations(store: Store, doc: int) -> None:
    # Ben's one annotation covers units 0 and 1; his inner one on unit 1 sets the likelihood.
    ops.create_annotation(store, doc, span(0)[0], span(1)[1], "Ben", ["assessment"],
                          fields={"assessment": {"likelihood": "unlikely"}})
    tag(store, doc, 1, "Ben", ["assessment"], assessment={"likelihood": "likely"})
    tag(store, doc, 1, "Ana", ["assessment"], assessment={"likelihood": "likely"})
    tag(store, doc, 0, "Ana", ["assessment"])  # no likelihood: no opinion, not a difference
    found = states(store, doc)
    assert found[0].state == AGREE
    assert found[1].state == AGREE
    assert found[1].fields["Ben"]["assessment"] == {"likelihood": "likely"}


def test_accept_author_creates_the_adjudicated_layer(
    store: Store, doc: int, tagged: dict[str, int]
) -> None:
    before = originals(store, tagged)
    changes = adjudicate(store, doc, span(3), "accept_author", "Rev", "figure is right",
                         author_choice="Ben")
    new_id = changes.created_id
    assert new_id is not None and changes.annotations == {new_id}
    with store.read() as session:
        made = session.get(Annotation, new_id)
        assert made is not None
        assert made.author == adjudicated_author("Rev") == "adjudicated by Rev"
        assert (made.start, made.end) == span(3)
        assert [(t.tag.name, t.fields) for t in made.tags] == [
            ("figure", {"value": 14, "unit": "trucks"})
        ]
        assert made.status == "accepted" and made.reviewer == "Rev"
        assert made.reviewed_at is not None and made.review_comment == "figure is right"
        assert made.note == "Adjudicated: accepted Ben's tags — figure is right"
    (entry,) = annotation_history(store, new_id)
    assert (entry.action, entry.actor, entry.comment) == ("create", "Rev", "figure is right")
    assert originals(store, tagged) == before  # the colleagues' work is untouched


def test_a_second_decision_replaces_the_first(
    store: Store, doc: int, tagged: dict[str, int]
) -> None:
    first = adjudicate(store, doc, span(3), "accept_author", "Rev", author_choice="Ana")
    second = adjudicate(store, doc, span(3), "union", "Rev", "both")
    assert first.created_id == second.created_id
    rows = [a for a in document_annotations(store, doc) if a.author == "adjudicated by Rev"]
    assert [a.tag_names for a in rows] == [("claim", "figure")]
    history = annotation_history(store, second.created_id or 0)
    assert [(h.action, h.actor) for h in history] == [("create", "Rev"), ("review", "Rev")]
    assert history[-1].before is not None and history[-1].before.tag_names == ("claim",)


def test_union_merges_fields_preferring_agreement(store: Store, doc: int) -> None:
    for author, likelihood in (("Ana", "likely"), ("Ben", "unlikely"), ("Cai", "unlikely")):
        tag(store, doc, 1, author, ["assessment"],
            assessment={"likelihood": likelihood, "judgment_holder": author})
    changes = adjudicate(store, doc, span(1), "union", "Rev", authors=["Ana", "Ben", "Cai"])
    (made,) = [a for a in document_annotations(store, doc) if a.id == changes.created_id]
    # two of three said unlikely; the free-text tie goes to the first author
    assert made.tags[0].fields == {"likelihood": "unlikely", "judgment_holder": "Ana"}


def test_reject_all_is_a_tagless_rejected_decision(
    store: Store, doc: int, tagged: dict[str, int]
) -> None:
    before = originals(store, tagged)
    changes = adjudicate(store, doc, span(4), "reject_all", "Rev", "not a figure")
    assert changes.created_id is not None
    info = review_info(store, ids={changes.created_id})[changes.created_id]
    assert (info.status, info.reviewer, info.comment) == ("rejected", "Rev", "not a figure")
    dataset = load_dataset(store, DatasetFilter(authors=frozenset({"adjudicated by Rev"})))
    (exported,) = dataset.annotations
    assert exported.tags == () and exported.note.startswith("Adjudicated: rejected all tags")
    assert originals(store, tagged) == before


def test_edit_validates_and_writes_nothing_on_error(
    store: Store, doc: int, tagged: dict[str, int]
) -> None:
    with pytest.raises(InvalidValue):
        adjudicate(store, doc, span(1), "edit", "Rev", tags=["assessment"],
                   fields={"assessment": {"likelihood": "certainly"}})
    with pytest.raises(InvalidValue):
        adjudicate(store, doc, span(1), "accept_author", "Rev")
    with pytest.raises(InvalidValue):
        adjudicate(store, doc, span(1), "toss_a_coin", "Rev")
    with pytest.raises(InvalidValue):
        adjudicate(store, doc, (5, 1_000_000), "union", "Rev")
    with pytest.raises(NotFound):
        adjudicate(store, doc + 99, span(1), "union", "Rev")
    assert "adjudicated by Rev" not in document_authors(store, doc)
    changes = adjudicate(store, doc, span(1), "edit", "Rev", tags=["assessment"],
                         fields={"assessment": {"likelihood": "roughly_even_chance"}})
    (made,) = [a for a in document_annotations(store, doc) if a.id == changes.created_id]
    assert made.tags[0].fields == {"likelihood": "roughly_even_chance"}


def test_accept_agreed_decides_only_agreed_undecided_units(
    store: Store, doc: int, tagged: dict[str, int]
) -> None:
    reviews = list(states(store, doc).values())
    changes = accept_agreed(store, doc, reviews, "Rev")
    layer = [a for a in document_annotations(store, doc) if a.author == "adjudicated by Rev"]
    assert [(a.start, a.end, a.tag_names) for a in layer] == [(*span(0), ("claim",))]
    assert changes.annotations == {layer[0].id}
    assert accept_agreed(store, doc, reviews, "Rev").annotations == frozenset()


def test_set_review_status(store: Store, doc: int, tagged: dict[str, int]) -> None:
    annotation_id = tagged["ana0"]
    set_review_status(store, annotation_id, "submitted", "Ana")
    set_review_status(store, annotation_id, "rejected", "Rev", "too broad")
    info = review_info(store, document_id=doc)[annotation_id]
    assert (info.status, info.reviewer, info.comment) == ("rejected", "Rev", "too broad")
    history = annotation_history(store, annotation_id)
    assert [(h.action, h.actor, h.comment) for h in history[1:]] == [
        ("review", "Ana", ""), ("review", "Rev", "too broad")
    ]
    assert history[-1].after is not None and history[-1].after.status == "rejected"
    with pytest.raises(InvalidValue):
        set_review_status(store, annotation_id, "approved", "Rev")
    with pytest.raises(NotFound):
        set_review_status(store, 999_999, "accepted", "Rev")
    assert documents_matching(store, status="rejected") == {doc}
    assert documents_matching(store, status="accepted") == set()
    assert documents_matching(store, author="Ben") == {doc}
    assert documents_matching(store, author="Zed") == set()
    assert document_authors(store, doc) == ["Ana", "Ben"]


def test_cli_review_lists_disagreements(
    store: Store, doc: int, tagged: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from annotator.cli import main

    db = store.key  # the file's path, or the server's URL
    store.close()
    assert main(["review", str(doc), "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("authors: Ana, Ben   units: 5   all agree: 1")
    assert [line.split()[:2] for line in lines[1:]] == [["1", "field"], ["3", "differ"],
                                                         ["4", "partial"]]
    # people read labels, not storage codes (--json keeps the codes)
    assert "assessment, Likelihood: Ana=likely (55-80%) / Ben=unlikely (20-45%)" in lines[1]
    assert main(["review", str(doc), "--db", str(db), "--all", "--json"]) == 0
    units = json.loads(capsys.readouterr().out)
    assert [u["state"] for u in units] == ["agree", "field", "differ", "partial", "untagged"]
    assert main(["review", str(doc), "--db", str(db), "--authors", "Ana"]) == 1
    assert "two or more authors" in capsys.readouterr().err
