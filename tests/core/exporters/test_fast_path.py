"""`export_store`: CSV and JSON Lines written straight from the stored rows.

These formats skip the typed `Dataset` (see `dataset.load_rows`), so every test here compares the
fast path with `export(load_dataset(...))` byte for byte, on the sample database and on data
the sample does not have: tags whose display order is not their id order, times stored in
another form, filters, no caveat, an empty database.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from annotator.core import ops
from annotator.core.bulk import gc_paused
from annotator.core.dataset import (
    AnnotationRow,
    DatasetFilter,
    dataset_from_rows,
    load_dataset,
    load_rows,
    rows_from_dataset,
    set_caveat,
)
from annotator.core.errors import InvalidValue
from annotator.core.exporters import csv_export
from annotator.core.exporters.registry import FORMATS, ExportOptions, export, export_store
from annotator.core.files import ExportFailed
from annotator.core.model import Annotation, AnnotationHistory, Tag
from annotator.core.store import Store, bulk_select, open_store
from annotator.core.times import iso_utc, iso_z
from tests.core.exporters.sample import DOCUMENT_1, build_store

FAST = [name for name, fmt in FORMATS.items() if fmt.write_rows is not None]
# Every fast output: each fast format, and those that can carry the history, with it.
VARIANTS = FAST + [f"{name}+history" for name in FAST if FORMATS[name].carries_history]

FILTERS = {
    "everything": None,
    "document 2": DatasetFilter(document_ids=frozenset({2})),
    "author Ana": DatasetFilter(authors=frozenset({"Ana"})),
    "figure tags": DatasetFilter(tags=frozenset({"figure"})),
    "all three": DatasetFilter(
        document_ids=frozenset({1, 2}), authors=frozenset({"Ana", "ليلى"}),
        tags=frozenset({"claim", "assessment"}),
    ),
}


@pytest.fixture(autouse=True)
def fixed_export_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both paths record the same export time (the XLSX and HTML exports write it)."""
    from annotator.core import dataset

    monkeypatch.setattr(dataset, "utcnow", lambda: dt.datetime(2025, 2, 1, 12, 0, tzinfo=dt.UTC))


def test_the_fast_formats() -> None:
    assert set(FAST) == {"csv", "xlsx", "jsonl", "jsonl-spans", "html"}
    assert VARIANTS[-1] == "jsonl-spans+history"


def _both_paths(store: Store, variant: str, folder: Path, wanted: DatasetFilter | None) -> bytes:
    """The fast output of `variant` (a format, "+history" for its history option); fails
    unless the typed path wrote the same bytes."""
    fmt, _plus, history = variant.partition("+")
    options = ExportOptions(history=bool(history))
    fast = export_store(store, fmt, folder / f"fast-{fmt}", wanted, options)
    dataset = load_dataset(store, wanted, with_history=options.history)
    typed = export(dataset, fmt, folder / f"typed-{fmt}", options)
    assert fast.items == typed.items
    data = (folder / f"fast-{fmt}").read_bytes()
    assert data == (folder / f"typed-{fmt}").read_bytes()
    return data


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("which", list(FILTERS))
def test_fast_path_writes_what_the_typed_path_writes(
    sample_store: Store, out_dir: Path, variant: str, which: str
) -> None:
    data = _both_paths(sample_store, variant, out_dir, FILTERS[which])
    assert data  # a header at least
    if variant.startswith("jsonl-spans"):
        # The history is written when asked for, and only then.
        assert (b'"history": [{"action": "create"' in data) == variant.endswith("+history")


def test_filters_select_what_they_say(sample_store: Store, out_dir: Path) -> None:
    rows = load_rows(sample_store, FILTERS["all three"])
    assert rows.annotations
    for row in rows.annotations:
        assert row.author in {"Ana", "ليلى"}
        assert row.tags and {name for name, _f, _s in row.tags} <= {"claim", "assessment"}
    assert [d.id for d in rows.documents] == [1, 2]
    only_two = load_rows(sample_store, FILTERS["document 2"])
    assert [d.id for d in only_two.documents] == [2]
    assert {r.document_id for r in only_two.annotations} == {2}


def test_rows_are_in_export_order_and_round_trip(sample_store: Store) -> None:
    rows = load_rows(sample_store, with_history=True)
    keys = [(r.document_id, r.start, r.end, r.id) for r in rows.annotations]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(isinstance(r, AnnotationRow) and r.history for r in rows.annotations)
    dataset = dataset_from_rows(rows)
    again = rows_from_dataset(dataset)
    assert again.annotations == rows.annotations


@pytest.fixture
def own_store(tmp_path: Path) -> Iterator[Store]:
    """A copy of the sample database that a test may change."""
    store = build_store(tmp_path / "own.sqlite3")
    yield store
    store.close()


def test_tags_follow_the_display_order_not_their_ids(own_store: Store, out_dir: Path) -> None:
    # Put "figure" first and "claim" last in the display order.
    with own_store.write() as session:
        positions = {name: position for position, name in enumerate(
            ["figure", "assessment", "claim"])}
        for name, position in positions.items():
            session.execute(update(Tag).where(Tag.name == name).values(position=position))
        names = session.scalars(select(Tag.name).order_by(Tag.id)).all()
    assert names[:3] != ["figure", "assessment", "claim"]  # ids are in another order
    dataset = load_dataset(own_store)
    several = [a for a in dataset.annotations if len(a.tags) > 1]
    assert several
    for annotation in several:
        order = [positions[t.name] for t in annotation.tags]
        assert order == sorted(order)
    for variant in VARIANTS:
        _both_paths(own_store, variant, out_dir, None)


def test_times_stored_in_another_form_are_converted(own_store: Store, out_dir: Path) -> None:
    """Rows written by hand or by an older tool: no microseconds, another offset."""
    with own_store.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE annotations SET created = '2025-03-01T12:30:00+02:00', "
            "modified = '2025-03-01 10:30:00.5' WHERE id = 1"
        )
        session.connection().exec_driver_sql(
            "UPDATE annotation_history SET at = '2025-03-01T10:30:00Z' WHERE annotation_id = 1"
        )
    lines = _both_paths(own_store, "csv", out_dir, None).decode("utf-8").splitlines()
    first = next(line for line in lines if line.split(",")[-2] == "1")
    assert ",2025-03-01T10:30:00Z,2025-03-01T10:30:00.500000Z," in first
    spans = _both_paths(own_store, "jsonl-spans+history", out_dir, None).decode("utf-8")
    assert '"at": "2025-03-01T10:30:00Z"' in spans


@pytest.mark.parametrize(
    "stored",
    [
        "2025-01-15T10:00:00.000000+00:00",
        "2025-01-15T10:00:00.123456+00:00",
        "2025-01-15 10:00:00.123456+00:00",  # 32 characters, but a space for the "T"
        "2025-01-15T10:00:00.000001+00:00",
        "0001-01-01T00:00:00.000000+00:00",
        "2025-01-15T12:00:00+02:00",
        "2025-01-15T10:00:00",
        "2025-01-15T10:00:00Z",
        "2025-01-15T05:00:00.250000-05:00",
    ],
)
def test_iso_z_agrees_with_iso_utc(stored: str) -> None:
    parsed = dt.datetime.fromisoformat(stored)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    assert iso_z(stored) == iso_utc(parsed)


def test_no_caveat_and_an_empty_database(tmp_path: Path) -> None:
    store = open_store(tmp_path / "empty.sqlite3")
    try:
        for variant in VARIANTS:
            _both_paths(store, variant, tmp_path, None)
        ops.add_document(store, DOCUMENT_1)
        set_caveat(store, None)
        for variant in VARIANTS:
            _both_paths(store, variant, tmp_path, None)
        assert (tmp_path / "fast-csv").read_bytes().count(b"\r\n") == 1  # the header only
        read = sum(1 for _start, _end, kind in DOCUMENT_1.units if kind != "skipped")
        assert (tmp_path / "fast-jsonl").read_text(encoding="utf-8").count("\n") == read == 4
    finally:
        store.close()


def test_history_only_when_the_format_wants_it(sample_store: Store) -> None:
    assert all(r.history is None for r in load_rows(sample_store).annotations)
    with_history = load_rows(sample_store, with_history=True).annotations
    with sample_store.read() as session:
        stored = session.scalar(select(AnnotationHistory).limit(1))
        count = session.query(AnnotationHistory).count()
    assert stored is not None
    assert sum(len(r.history or ()) for r in with_history) == count


def test_bulk_select_gives_plain_tuples_with_bound_lists(sample_store: Store) -> None:
    query = (
        select(Annotation.id, Annotation.author)
        .where(Annotation.author.in_(["Ana", "ليلى"]), Annotation.document_id.in_([1, 2]))
        .order_by(Annotation.id)
    )
    with sample_store.read() as session:
        connection = session.connection()
        fast = bulk_select(connection, query)
        usual = [tuple(row) for row in connection.execute(query)]
    assert fast == usual and fast
    assert all(type(row) is tuple for row in fast)


def test_export_store_errors_and_atomicity(
    sample_store: Store, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidValue, match="unknown export format"):
        export_store(sample_store, "pdf", out_dir / "a.pdf")
    with pytest.raises(ExportFailed, match="is a folder"):
        export_store(sample_store, "csv", out_dir)
    target = out_dir / "old.csv"
    target.write_bytes(b"old export")
    calls = 0
    original = csv_export._text

    def failing(value: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 30:
            raise RuntimeError("boom in the middle")
        return original(value)

    monkeypatch.setattr(csv_export, "_text", failing)
    with pytest.raises(RuntimeError, match="boom"):
        export_store(sample_store, "csv", target)
    assert target.read_bytes() == b"old export"
    assert [p.name for p in out_dir.iterdir()] == ["old.csv"]
    assert gc.isenabled()


def test_progress_and_bom_on_the_fast_path(sample_store: Store, out_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    options = ExportOptions(excel_bom=True, progress=lambda d, t: calls.append((d, t)))
    result = export_store(sample_store, "csv", out_dir / "a.csv", None, options)
    assert (out_dir / "a.csv").read_bytes().startswith(b"\xef\xbb\xbfdocument_id,")
    assert calls[-1] == (9, 9) and result.items == 10


def test_export_store_when_the_output_folder_goes(sample_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    shutil.rmtree(folder)
    with pytest.raises(ExportFailed, match="no such folder"):
        export_store(sample_store, "jsonl", folder / "a.jsonl")


def test_gc_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("an error inside")
    assert gc.isenabled()


def test_gc_pause_across_threads() -> None:
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    with gc_paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the worker's pause is still on
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_exports_read_one_consistent_state_while_tags_are_added(own_store: Store) -> None:
    """Another connection keeps adding tags and annotations that use them while exports run:
    every export sees the tags and annotations of one moment (no unknown tag, no error)."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with open_store(own_store.path) as other:
                for number in range(200):
                    if stop.is_set():
                        return
                    with other.write() as session:
                        session.add(Tag(name=f"extra-{number}", colour="#123456", position=-1))
                    ops.create_annotation(other, 1, 0, 10, "Writer", [f"extra-{number}"])
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(30):
            rows = load_rows(own_store)
            names = {t.name for t in rows.tags}
            for row in rows.annotations:
                assert {name for name, _f, _s in row.tags} <= names
    finally:
        stop.set()
        thread.join(30)
    assert not errors


def test_rows_come_from_one_read_transaction(
    own_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tags, caveat, documents and annotations are read in one transaction: a tag added by
    another connection between two reads cannot leave an annotation with an unknown tag."""
    opened = 0
    original = own_store.read

    def counting() -> Any:
        nonlocal opened
        opened += 1
        return original()

    monkeypatch.setattr(own_store, "read", counting)
    load_rows(own_store, with_history=True)
    assert opened == 1


def test_the_fast_formats_never_build_the_typed_dataset(
    sample_store: Store, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CSV, JSON Lines, XLSX and HTML stay on the stored rows (what keeps CSV and JSON Lines at
    100,000 annotations/s); the other formats still get the typed dataset."""
    from annotator.core.exporters import registry

    def typed(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the typed dataset was built")

    monkeypatch.setattr(registry, "load_dataset", typed)
    for fmt in FAST:
        assert export_store(sample_store, fmt, out_dir / f"x-{fmt}").items > 0
    with pytest.raises(AssertionError, match="typed dataset"):
        export_store(sample_store, "w3c", out_dir / "x.jsonld")
