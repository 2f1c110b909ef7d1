"""Export, read back, merge into a fresh database: the same annotations; bad files refused whole."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import ops
from annotator.core.dataset import Dataset, load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.exporters.registry import export
from annotator.core.interchange.detect import annotation_format
from annotator.core.interchange.jsonl import read_spans_jsonl
from annotator.core.interchange.merge import merge_incoming
from annotator.core.interchange.records import IncomingSet
from annotator.core.interchange.w3c import read_w3c
from annotator.core.queries import list_documents, list_tags
from annotator.core.store import Store, open_store
from tests.core.exporters.sample import (
    EXPORTED_AT,
    TEXT_1,
    add_documents_only,
    comparable,
    dataset_of,
)

Reader = Callable[[Path], IncomingSet]
READERS: list[tuple[str, Reader]] = [("jsonl-spans", read_spans_jsonl), ("w3c", read_w3c)]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    """A database with the sample's two documents and no annotation."""
    store = add_documents_only(tmp_path / "fresh.sqlite3")
    yield store
    store.close()


def counts(store: Store) -> tuple[int, int, int, int]:
    dataset = load_dataset(store)
    return (
        len(list_documents(store)),
        len(dataset.annotations),
        sum(len(a.tags) for a in dataset.annotations),
        len(list_tags(store)),
    )


@pytest.mark.parametrize(("fmt", "reader"), READERS)
def test_round_trip_is_identical_and_idempotent(
    fmt: str, reader: Reader, dataset: Dataset, fresh: Store, out_dir: Path
) -> None:
    out = out_dir / "export"
    export(dataset, fmt, out)
    assert annotation_format(out) == fmt
    report = merge_incoming(fresh, reader(out))
    assert (report.annotations_added, report.documents_added) == (9, 0)
    assert comparable(dataset_of(fresh)) == comparable(dataset)
    before = counts(fresh)
    again = merge_incoming(fresh, reader(out))
    assert (again.annotations_added, again.annotations_present) == (0, 9)
    assert counts(fresh) == before
    assert comparable(dataset_of(fresh)) == comparable(dataset)


def _edit_spans(path: Path, edit: Callable[[dict[str, Any]], None], line: int = -1) -> None:
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    edit(records[line])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


def _edit_w3c(path: Path, edit: Callable[[dict[str, Any]], None], line: int = -1) -> None:
    collection = json.loads(path.read_text(encoding="utf-8"))
    edit(collection["first"]["items"][line])
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")


def _set_hash(fmt: str) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        if fmt == "w3c":
            record["target"]["source"] = "urn:sha256:" + "ab" * 32
        else:
            record["document"]["sha256"] = "ab" * 32

    return edit


def _set_end(fmt: str) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        (record["target"]["selector"][0] if fmt == "w3c" else record)["end"] = 10**6

    return edit


def _set_quote(fmt: str) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        if fmt == "w3c":
            record["target"]["selector"][1]["exact"] = "something else"
        else:
            record["text"] = "something else"

    return edit


@pytest.mark.parametrize(("fmt", "reader"), READERS)
@pytest.mark.parametrize(
    ("make_edit", "message"),
    [
        (_set_hash, "is not in this database"),
        (_set_end, "outside its document"),
        (_set_quote, "is not what the document has"),
    ],
)
def test_a_bad_annotation_refuses_the_whole_file(
    fmt: str, reader: Reader, make_edit: Callable[[str], Callable[[dict[str, Any]], None]],
    message: str, dataset: Dataset, fresh: Store, out_dir: Path,
) -> None:
    out = out_dir / "export"
    export(dataset, fmt, out)
    (_edit_w3c if fmt == "w3c" else _edit_spans)(out, make_edit(fmt))
    before = counts(fresh)
    with pytest.raises(ImportRefused, match=message) as refused:
        merge_incoming(fresh, reader(out))
    assert str(refused.value).startswith("export: ")
    assert str(refused.value).endswith("; nothing imported")
    assert counts(fresh) == before


@pytest.mark.parametrize(("fmt", "reader"), READERS)
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "not valid JSON"),
        (lambda data: data.replace(b"Ana", b"\xff\xfe\xfd"), "not UTF-8"),
    ],
)
def test_malformed_files_are_refused(
    fmt: str, reader: Reader, damage: Callable[[bytes], bytes], message: str,
    dataset: Dataset, fresh: Store, out_dir: Path,
) -> None:
    out = out_dir / "export"
    export(dataset, fmt, out)
    out.write_bytes(damage(out.read_bytes()))
    before = counts(fresh)
    with pytest.raises(ImportRefused, match=message):
        merge_incoming(fresh, reader(out))
    assert counts(fresh) == before


# --- property: random documents and annotations survive both formats -------------------------

_CHARS = st.one_of(
    st.sampled_from(list("abc xyz.,;-=+@\n\t'\"\\")),
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # Arabic
    st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA),  # Hebrew
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji (outside the BMP)
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
)
_TEXT = st.text(_CHARS, min_size=1, max_size=12)
_NUMBER = st.integers(-(10**12), 10**12) | st.floats(
    allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15
)
_FIELDS: dict[str, Any] = {
    "claim": st.fixed_dictionaries(
        {}, optional={"attributed_to": _TEXT, "source_reliability": st.sampled_from("ABCDEF"),
                      "event_date": st.sampled_from(["2024", "2024-03", "2024-03-31"])}
    ),
    "assessment": st.fixed_dictionaries(
        {}, optional={"likelihood": st.sampled_from(["likely", "unlikely"]),
                      "judgment_holder": _TEXT}
    ),
    "figure": st.fixed_dictionaries(
        {}, optional={"value": _NUMBER, "unit": _TEXT, "range_low": _NUMBER}
    ),
}


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, list[ops.NewAnnotation]]:
    text = draw(st.text(_CHARS, min_size=1, max_size=120))
    annotations = []
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for index in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        tags = draw(st.lists(st.sampled_from(list(_FIELDS)), unique=True, max_size=3))
        created = base + dt.timedelta(
            days=index, microseconds=draw(st.integers(0, 999_999))
        )
        annotations.append(
            ops.NewAnnotation(
                start=start, end=end,
                author=draw(st.sampled_from(["Ana", "ليلى", "José 🙂", "אבי"])),
                tags=tags,
                note=draw(st.text(_CHARS, max_size=20)),
                fields={tag: draw(_FIELDS[tag]) for tag in tags},
                created=created,
                modified=created + dt.timedelta(seconds=draw(st.integers(0, 10**6))),
            )
        )
    return text, annotations


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    open_store(path).close()
    assert not Path(f"{path}-wal").exists()
    return path


def _document(text: str) -> ops.NewDocument:
    return ops.NewDocument(
        text=text, title="Random", issuer=None, published=None, date_certainty="none",
        date_note=None, language=None, source_name="random.txt", source_format="txt", units=[],
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_documents())
def test_random_annotations_survive_both_formats(
    case: tuple[str, list[ops.NewAnnotation]],
    empty_database: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text, annotations = case
    folder = tmp_path_factory.mktemp("case")
    shutil.copyfile(empty_database, folder / "source.sqlite3")
    with open_store(folder / "source.sqlite3") as source:
        document_id = ops.add_document(source, _document(text)).created_id
        assert document_id is not None
        ops.bulk_add_annotations(source, document_id, annotations)
        dataset = load_dataset(source)
    dataset.exported_at = EXPORTED_AT
    expected = comparable(dataset)
    assert len(expected) == len(annotations)
    for fmt, reader in READERS:
        shutil.copyfile(empty_database, folder / f"{fmt}.sqlite3")
        with open_store(folder / f"{fmt}.sqlite3") as target:
            ops.add_document(target, _document(text))
            export(dataset, fmt, folder / f"export.{fmt}")
            report = merge_incoming(target, reader(folder / f"export.{fmt}"))
            assert report.annotations_added == len(annotations)
            assert comparable(load_dataset(target)) == expected, fmt


def test_emoji_and_arabic_offsets_are_code_points(dataset: Dataset) -> None:
    first = dataset.annotations[0]
    assert TEXT_1[first.start : first.end] == "The ministry said exports rose 4% in Q3."
    # UTF-16 would count the emoji before the span twice; UTF-8 bytes would count far more.
    assert first.start == len("Quarterly brief: exports 📈\n15 January 2025\n\nمرحبا بالعالم 🙂 — ")
