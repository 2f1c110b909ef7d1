"""An annotation's history and review state survive jsonl-spans export/import and a merge of
another Annotator database: original actions in order (ids remapped), then "import"."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.colleague import merge_colleague
from annotator.core.dataset import load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.exporters.registry import FORMATS, ExportOptions, export, export_store
from annotator.core.history import HistoryEntry, annotation_history
from annotator.core.interchange.jsonl import read_spans_jsonl
from annotator.core.interchange.merge import merge_incoming
from annotator.core.model import Annotation
from annotator.core.review import review_info, set_review_status
from annotator.core.segment import segment
from annotator.core.store import Store, open_store

TEXT = (
    "The ministry said exports rose 4% in Q3. We assess that growth will likely slow. "
    "Output fell by five units.\n"
)
OTHER = "An unrelated briefing that takes the first document id.\n"


def add(store: Store, text: str, name: str) -> int:
    new = ops.NewDocument(
        text=text, title=name, issuer=None, published=None, date_certainty="none",
        date_note=None, language="en", source_name=name, source_format="txt",
        units=[(u.start, u.end, str(u.kind)) for u in segment(text)],
    )
    created = ops.add_document(store, new).created_id
    assert created is not None
    return created


def build_source(path: Path) -> tuple[Store, int]:
    """A database with one annotation created, edited (fields, tag, span) and reviewed."""
    store = open_store(path)
    document_id = add(store, TEXT, "brief.txt")
    start = TEXT.index("exports rose")
    created = ops.create_annotation(
        store, document_id, start, start + len("exports rose 4%"), "Ana", ["claim"],
        fields={"claim": {"attributed_to": "ministry"}},
    ).created_id
    assert created is not None
    ops.set_fields(store, created, "claim", {"attributed_to": "the ministry"}, actor="Ana")
    ops.set_tag(store, created, "figure", True, fields={"value": 4, "unit": "%"}, actor="Ben")
    ops.set_span(store, created, start, start + len("exports rose 4% in Q3"), actor="Ana")
    set_review_status(store, created, "accepted", "Rev", "solid sourcing")
    return store, created


@pytest.fixture
def source(tmp_path: Path) -> tuple[Store, int]:
    store, annotation_id = build_source(tmp_path / "source.sqlite3")
    yield store, annotation_id  # type: ignore[misc]
    store.close()


@pytest.fixture
def target(tmp_path: Path) -> Store:
    """A fresh database with the same document, under another id, and one annotation."""
    store = open_store(tmp_path / "target.sqlite3")
    other = add(store, OTHER, "other.txt")
    ops.create_annotation(store, other, 0, 10, "Cai", ["claim"])
    add(store, TEXT, "brief.txt")
    yield store  # type: ignore[misc]
    store.close()


def only_annotation(store: Store, document_sha_text: str) -> Annotation:
    with store.read() as session:
        rows = session.query(Annotation).join(Annotation.document).all()
        found = [a for a in rows if a.document.text == document_sha_text]
        assert len(found) == 1
        session.expunge_all()
        return found[0]


def history_count(store: Store) -> int:
    with sqlite3.connect(store.path) as conn:
        return int(conn.execute("SELECT count(*) FROM annotation_history").fetchone()[0])


def check_carried(source: Store, source_id: int, target: Store) -> None:
    imported = only_annotation(target, TEXT)
    assert imported.id != source_id
    original = annotation_history(source, source_id)
    assert [e.action for e in original] == ["create", "fields", "tag_add", "span", "review"]
    carried = annotation_history(target, imported.id)
    assert [e.action for e in carried] == [e.action for e in original] + ["import"]

    def local(entry: HistoryEntry) -> tuple[object, ...]:
        def remap(snapshot: object) -> object:
            if snapshot is None:
                return None
            return dataclasses.replace(  # type: ignore[type-var]
                snapshot, id=imported.id, document_id=imported.document_id
            )

        return (entry.action, entry.actor, entry.at, remap(entry.before), remap(entry.after),
                entry.comment)

    for old, new in zip(original, carried, strict=False):
        assert new.annotation_id == imported.id and new.document_id == imported.document_id
        assert (new.action, new.actor, new.at, new.before, new.after, new.comment) == local(old)
    assert [e.actor for e in carried[:-1]] == ["Ana", "Ana", "Ben", "Ana", "Rev"]
    assert carried[-2].comment == "solid sourcing"
    last = carried[-1]
    assert last.before is None and last.after is not None
    assert last.after.status == "accepted" and last.after.reviewer == "Rev"
    assert last.after.tag_names == ("claim", "figure")
    mine = review_info(source, ids=[source_id])[source_id]
    theirs = review_info(target, ids=[imported.id])[imported.id]
    assert theirs == mine
    assert (theirs.status, theirs.reviewer, theirs.comment) == ("accepted", "Rev", "solid sourcing")


HISTORY = ExportOptions(history=True)


def via_jsonl(source: Store, target: Store, tmp_path: Path) -> Callable[[], int]:
    assert FORMATS["jsonl-spans"].carries_history and not FORMATS["csv"].carries_history
    out = tmp_path / "spans.jsonl"
    # what `annotator export --format jsonl-spans --history` runs
    export_store(source, "jsonl-spans", out, options=HISTORY)

    def merge() -> int:
        return merge_incoming(target, read_spans_jsonl(out)).annotations_added

    return merge


def via_database(source: Store, target: Store, tmp_path: Path) -> Callable[[], int]:
    copy = tmp_path / "colleague.sqlite3"
    src, dst = sqlite3.connect(source.path), sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()

    def merge() -> int:
        return merge_colleague(target, copy).merge.annotations_added

    return merge


@pytest.mark.parametrize("route", [via_jsonl, via_database], ids=["jsonl-spans", "database"])
def test_history_and_review_survive(
    route: Callable[[Store, Store, Path], Callable[[], int]],
    source: tuple[Store, int],
    target: Store,
    tmp_path: Path,
) -> None:
    store, annotation_id = source
    merge = route(store, target, tmp_path)
    before = history_count(target)
    assert merge() == 1
    assert history_count(target) == before + 6
    check_carried(store, annotation_id, target)
    # Importing again adds nothing: no annotation, no duplicate history.
    assert merge() == 0
    assert history_count(target) == before + 6


def test_spans_export_carries_the_history_only_when_asked(
    source: tuple[Store, int], target: Store, tmp_path: Path
) -> None:
    """By default a spans line has the review state but no history (an ML dataset does not
    want every snapshot); imported, the annotation starts its history with an "import"."""
    store, annotation_id = source
    plain, full = tmp_path / "plain.jsonl", tmp_path / "full.jsonl"
    export_store(store, "jsonl-spans", plain)
    export_store(store, "jsonl-spans", full, options=HISTORY)
    (line,) = _lines(plain)
    assert "history" not in line
    assert line["review"] == {
        "status": "accepted", "reviewer": "Rev", "reviewed_at": line["review"]["reviewed_at"],  # type: ignore[index]
        "comment": "solid sourcing",
    }
    (with_history,) = _lines(full)
    assert {k: v for k, v in with_history.items() if k != "history"} == line
    assert [h["action"] for h in with_history["history"]] == [  # type: ignore[union-attr]
        "create", "fields", "tag_add", "span", "review"
    ]
    assert merge_incoming(target, read_spans_jsonl(plain)).annotations_added == 1
    (imported,) = [a for a in load_dataset(target).annotations if a.author == "Ana"]
    assert [h.action for h in annotation_history(target, imported.id)] == ["import"]
    mine = review_info(store, ids=[annotation_id])[annotation_id]
    assert review_info(target, ids=[imported.id])[imported.id] == mine


def test_default_load_has_review_but_no_history(source: tuple[Store, int]) -> None:
    store, annotation_id = source
    (annotation,) = load_dataset(store).annotations
    assert annotation.history is None
    assert (annotation.status, annotation.reviewer, annotation.review_comment) == (
        "accepted", "Rev", "solid sourcing"
    )
    assert annotation.reviewed_at is not None
    (full,) = load_dataset(store, with_history=True).annotations
    assert full.history is not None
    assert [h.action for h in full.history] == ["create", "fields", "tag_add", "span", "review"]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


BAD_HISTORY: list[tuple[str, Callable[[list[dict[str, object]]], object]]] = [
    ("not a list", lambda h: {"action": "create"}),
    ("unknown action", lambda h: [{**h[0], "action": "teleport"}]),
    ("no time", lambda h: [{k: v for k, v in h[0].items() if k != "at"}]),
    ("bad time", lambda h: [{**h[0], "at": "yesterday"}]),
    ("empty actor", lambda h: [{**h[0], "actor": " "}]),
    ("no snapshots", lambda h: [{**h[0], "before": None, "after": None}]),
    ("snapshot not an object", lambda h: [{**h[0], "after": [1, 2]}]),
    ("snapshot without id", lambda h: [
        {**h[0], "after": {k: v for k, v in h[0]["after"].items() if k != "id"}}  # type: ignore[union-attr]
    ]),
    ("snapshot bad status", lambda h: [{**h[0], "after": {**h[0]["after"], "status": "x"}}]),  # type: ignore[dict-item]
    ("entry not an object", lambda h: ["create"]),
]


@pytest.mark.parametrize(("label", "spoil"), BAD_HISTORY, ids=[b[0] for b in BAD_HISTORY])
def test_malformed_history_is_refused_with_nothing_written(
    label: str,
    spoil: Callable[[list[dict[str, object]]], object],
    source: tuple[Store, int],
    target: Store,
    tmp_path: Path,
) -> None:
    store, _annotation_id = source
    good = tmp_path / "good.jsonl"
    export(load_dataset(store, with_history=True), "jsonl-spans", good, HISTORY)
    (line,) = _lines(good)
    line["history"] = spoil(line["history"])  # type: ignore[arg-type]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    counts = history_count(target), len(load_dataset(target).annotations)
    with pytest.raises(ImportRefused, match="nothing imported"):
        merge_incoming(target, read_spans_jsonl(bad))
    assert (history_count(target), len(load_dataset(target).annotations)) == counts


def test_malformed_review_is_refused(source: tuple[Store, int], tmp_path: Path) -> None:
    store, _annotation_id = source
    out = tmp_path / "spans.jsonl"
    export(load_dataset(store, with_history=True), "jsonl-spans", out, HISTORY)
    (line,) = _lines(out)
    for review in ({"status": "approved"}, ["accepted"], {"status": "accepted", "reviewer": 3}):
        line["review"] = review
        out.write_text(json.dumps(line) + "\n", encoding="utf-8")
        with pytest.raises(ImportRefused, match="nothing imported"):
            read_spans_jsonl(out)
