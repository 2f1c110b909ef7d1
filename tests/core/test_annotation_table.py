"""The annotations table's query layer (issue 16): each filter and sort against a small
hand-built library with known answers, and `page` against a Python reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from annotator.core import annotation_table as table
from annotator.core import ops
from annotator.core.annotation_table import AnnotationFilter, Op, SortKey, condition
from annotator.core.errors import InvalidValue
from annotator.core.fields import TAG_FIELDS, FieldKind
from annotator.core.store import Store, open_store
from tests.backends import BACKENDS

DOCUMENTS = (
    # title, issuer, published, text
    (
        "Alpha report",
        "MoD",
        dt.date(2023, 3, 1),
        "The Café owners said exports rose. Officials expect 1,200 troops.",
    ),
    (
        "beta brief",
        None,
        dt.date(2024, 7, 15),
        "قال المسؤولون إنَّ الصادرات ارتفعت 🙂 ثم انخفضت. We assess it is likely.",
    ),
    ("Gamma notes", "UN", None, "Naïve forecasts: 10 million USD, maybe 50 million."),
)
# document index, start, end, author, tags, fields, note, status
ANNOTATIONS: tuple[tuple[Any, ...], ...] = (
    (
        0,
        0,
        34,
        "ana",
        ["claim"],
        {"claim": {"source_reliability": "B", "information_credibility": "2"}},
        "",
        "draft",
    ),
    (
        0,
        35,
        65,
        "bob",
        ["claim", "figure"],
        {
            "claim": {"source_reliability": "A"},
            "figure": {"value": 1200, "unit": "troops", "figure_kind": "count"},
        },
        "check the CAFE",
        "accepted",
    ),
    (
        0,
        4,
        8,
        "ليلى",
        ["assessment"],
        {"assessment": {"likelihood": "likely", "confidence": "low"}},
        "",
        "submitted",
    ),
    (
        1,
        0,
        14,
        "ana",
        ["assessment"],
        {"assessment": {"likelihood": "very_likely", "confidence": "high"}},
        "",
        "rejected",
    ),
    (
        1,
        14,
        34,
        "Bob",
        ["claim"],
        {"claim": {"source_reliability": "E", "event_date": "2023-05"}},
        "",
        "draft",
    ),
    (1, 35, 36, "ana", ["figure"], {}, "🙂 emoji", "draft"),
    (
        1,
        48,
        71,
        "adjudicated by rev",
        ["assessment"],
        {"assessment": {"likelihood": "almost_no_chance"}},
        "",
        "accepted",
    ),
    (2, 0, 5, "ana", ["figure"], {"figure": {"value": 10_000_000, "unit": "USD"}}, "", "draft"),
    (
        2,
        17,
        32,
        "bob",
        ["figure", "assessment"],
        {"figure": {"value": 50_000_000, "unit": "USD"}, "assessment": {"likelihood": "unlikely"}},
        "",
        "submitted",
    ),
    (2, 39, 50, "ana", ["claim"], {"claim": {"event_date": "2024"}}, "naïve", "draft"),
)


@pytest.fixture(scope="module", params=BACKENDS)
def library(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, list[dict[str, Any]]]]:
    path: Path | str = tmp_path_factory.mktemp("table") / "table.sqlite3"
    if request.param == "postgresql":  # the same library on the test cluster (backends.py)
        path = request.getfixturevalue("pg_cluster").create_database(migrated=True)
    reference: list[dict[str, Any]] = []
    with open_store(path, create=True) as store:
        document_ids = []
        for title, issuer, published, body in DOCUMENTS:
            new = ops.NewDocument(
                text=body,
                title=title,
                issuer=issuer,
                published=published,
                date_certainty="exact" if published else "none",
                date_note=None,
                language=None,
                source_name="",
                source_format="txt",
                units=[(0, len(body), "sentence")],
            )
            changes = ops.add_document(store, new)
            assert changes.created_id is not None
            document_ids.append(changes.created_id)
        for index, (doc, start, end, author, tags, fields, note, status) in enumerate(ANNOTATIONS):
            ops.bulk_add_annotations(
                store,
                document_ids[doc],
                [ops.NewAnnotation(start, end, author, tags, note, fields)],
            )
            title, issuer, published, body = DOCUMENTS[doc]
            values = {
                column.key: fields.get(column.tag, {}).get(column.spec.name)
                for column in table.FIELD_COLUMNS
            }
            reference.append(
                {
                    "id": index + 1,
                    "document_id": document_ids[doc],
                    "document": title,
                    "date": published,
                    "issuer": issuer,
                    "start": start,
                    "end": end,
                    "text": body[start:end],
                    "note": note,
                    # in display order (the seed tags' positions), as the table shows them
                    "tags": tuple(t for t in ("claim", "assessment", "figure") if t in tags),
                    "author": author,
                    "status": status,
                    "fields": values,
                }
            )
        with store.write() as session:
            for row in reference:
                session.execute(
                    text("UPDATE annotations SET status = :s WHERE id = :i"),
                    {"s": row["status"], "i": row["id"]},
                )
        yield store, reference


def _ids(store: Store, wanted: AnnotationFilter, *sort: SortKey) -> list[int]:
    found = table.ids(store, wanted, sort or None)
    assert table.count(store, wanted) == len(found)
    assert [r.id for r in table.page(store, wanted, sort or None, 0, 100)] == found
    return found


def test_rows_carry_every_column(library: tuple[Store, list[dict[str, Any]]]) -> None:
    store, reference = library
    rows = table.page(store, AnnotationFilter(), None, 0, 100)
    assert [r.id for r in rows] == [1, 3, 2, 4, 5, 6, 7, 8, 9, 10]  # document, start order
    second = next(r for r in rows if r.id == 2)
    assert second.document == "Alpha report" and second.issuer == "MoD"
    assert second.date == dt.date(2023, 3, 1)
    assert second.text == DOCUMENTS[0][3][35:65] and second.note == "check the CAFE"
    assert second.tags == ("claim", "figure") and second.status == "accepted"
    assert second.field("source_reliability") == "A" and second.field("value") == 1200
    assert second.field("likelihood") is None
    arabic = next(r for r in rows if r.id == 5)
    assert arabic.text == DOCUMENTS[1][3][14:34] and arabic.author == "Bob"
    assert table.page(store, AnnotationFilter(), None, 8, 100)[0].id == 9


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (AnnotationFilter(tags=frozenset({"figure"})), {2, 6, 8, 9}),
        (AnnotationFilter(tags=frozenset({"claim", "assessment"})), {1, 2, 3, 4, 5, 7, 9, 10}),
        (AnnotationFilter(authors=frozenset({"ana", "ليلى"})), {1, 3, 4, 6, 8, 10}),
        (AnnotationFilter(authors=frozenset({"adjudicated by rev"})), {7}),
        (AnnotationFilter(statuses=frozenset({"accepted", "submitted"})), {2, 3, 7, 9}),
        (AnnotationFilter(date_from=dt.date(2024, 1, 1)), {4, 5, 6, 7}),
        (AnnotationFilter(date_to=dt.date(2023, 3, 1)), {1, 2, 3}),
        (AnnotationFilter(tags=frozenset({"claim"}), authors=frozenset({"ana"})), {1, 10}),
        # Free text: case- and accent-insensitive, in the text or the note; Arabic and emoji.
        (AnnotationFilter(text="cafe"), {1, 2, 3}),
        (AnnotationFilter(text="NAIVE"), {8, 10}),
        (AnnotationFilter(text="الصادرات"), {5}),
        (AnnotationFilter(text="ان"), {5}),  # "إنَّ": hamza and shadda folded away
        (AnnotationFilter(text="إنَّ الصادرات"), {5}),
        (AnnotationFilter(text="🙂"), {6}),
    ],
)
def test_filters(
    library: tuple[Store, list[dict[str, Any]]], wanted: AnnotationFilter, expected: set[int]
) -> None:
    store, _ = library
    assert set(_ids(store, wanted)) == expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (("likelihood>=likely",), {3, 4}),
        (("likelihood<=unlikely",), {7, 9}),
        (("likelihood=likely,almost_no_chance",), {3, 7}),
        (("likelihood=very likely",), {4}),  # by label
        (("source_reliability<=B",), {1, 2}),  # "B or better": A or B
        (("source_reliability>=E",), {5}),
        (("information_credibility=1..3",), {1}),
        (("value=1..10000000",), {2, 8}),
        (("value>=10,000,001",), {9}),
        (("unit=USD",), {8, 9}),
        (("unit=usd",), {8, 9}),  # text equals whatever its case and accents (issue 16)
        (("unit=ÜSD",), {8, 9}),
        (("unit=US",), set()),
        (("figure_kind=count",), {2}),
        (("event_date>=2023-06",), {10}),
        (("event_date<=2023",), {5}),  # the upper bound takes in the whole year
        (("event_date=2023..2024",), {5, 10}),
        (("event_date=2023",), {5}),  # a date equals the periods it lies in
        (("event_date=2023-05",), {5}),
        (("event_date=2023-05-02",), set()),
        (("likelihood>=roughly_even_chance", "confidence=low"), {3}),
    ],
)
def test_field_conditions(
    library: tuple[Store, list[dict[str, Any]]], conditions: tuple[str, ...], expected: set[int]
) -> None:
    store, _ = library
    wanted = AnnotationFilter(conditions=tuple(table.parse_condition(c) for c in conditions))
    assert set(_ids(store, wanted)) == expected


def test_ordinal_sort_follows_the_scale_missing_last(
    library: tuple[Store, list[dict[str, Any]]],
) -> None:
    store, _ = library
    empty = AnnotationFilter()
    missing = [1, 2, 5, 6, 8, 10]
    assert _ids(store, empty, SortKey("likelihood")) == [7, 9, 3, 4, *missing]
    assert _ids(store, empty, SortKey("likelihood", True)) == [4, 3, 9, 7, *missing]
    assert _ids(store, empty, SortKey("source_reliability"))[:3] == [2, 1, 5]
    assert _ids(store, empty, SortKey("value", True))[:3] == [9, 8, 2]
    assert _ids(store, empty, SortKey("status"))[:5] == [1, 5, 6, 8, 10]  # draft first
    assert _ids(store, empty, SortKey("date", True))[:4] == [4, 5, 6, 7]
    assert _ids(store, empty, SortKey("date", True))[-3:] == [8, 9, 10]  # no date: last
    assert _ids(store, empty, SortKey("author"), SortKey("id", True))[:6] == [7, 10, 8, 6, 4, 1]


def test_bad_conditions_say_what_is_wrong() -> None:
    cases = {
        "colour=red": "no field 'colour'",
        "likelihood>=probable": "'probable' is not one of",
        "value=1..": "a range is LOW..HIGH",
        "value=abc": "'abc' is not a number",
        "unit>=USD": "has no order",
        "likelihood": "write FIELD=VALUE",
        "value>5": "write FIELD=VALUE",
        "value=10..1": "is empty",
        "event_date=2023-02-30": "not a real date",
        "likelihood=": "no value",
    }
    for text_, message in cases.items():
        with pytest.raises(InvalidValue, match=message.replace("(", r"\(").replace(".", r"\.")):
            table.parse_condition(text_)
    with pytest.raises(InvalidValue, match="cannot sort by 'colour'"):
        table.parse_sort("colour")
    with pytest.raises(InvalidValue, match="no review status 'done'"):
        table.check_statuses(["done"])
    assert condition("likelihood", Op.AT_LEAST, "Likely").values == ("likely",)
    assert table.parse_sort("likelihood:desc,date:asc") == table.parse_sort("-likelihood, date")
    assert table.parse_sort("-likelihood, date") == (
        SortKey("likelihood", True),
        SortKey("date"),
    )


# --- page over every offset against a Python reference ---------------------------------------

_SCALE = {c.key: [ch.code for ch in c.spec.choices] for c in table.FIELD_COLUMNS}


def _ascii_lower(value: str) -> str:
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in value)


def _sort_value(row: dict[str, Any], column: str) -> Any:
    if column == "document":
        return _ascii_lower(row["document"])
    if column == "date":
        return row["date"]
    if column == "issuer":
        return _ascii_lower(row["issuer"]) if row["issuer"] else None
    if column in ("text", "id"):
        return row[column]
    if column == "author":
        return _ascii_lower(row["author"])
    if column == "status":
        return ("draft", "submitted", "accepted", "rejected").index(row["status"])
    if column == "tags":
        return ", ".join(row["tags"]) or None
    value = row["fields"][column]
    spec = next(c.spec for c in table.FIELD_COLUMNS if c.key == column)
    if value is not None and spec.kind is FieldKind.ORDINAL:
        return _SCALE[column].index(value)
    return value


def _reference(
    rows: list[dict[str, Any]], wanted: AnnotationFilter, sort: tuple[SortKey, ...]
) -> list[int]:
    def keep(row: dict[str, Any]) -> bool:
        if wanted.tags and not set(row["tags"]) & wanted.tags:
            return False
        if wanted.authors and row["author"] not in wanted.authors:
            return False
        for cond in wanted.conditions:
            value = _sort_value(row, cond.key)
            scale = _SCALE[cond.key]
            bounds = [scale.index(v) if scale else v for v in cond.values]
            if value is None:
                return False
            if cond.op is Op.AT_LEAST and not value >= bounds[0]:
                return False
            if cond.op is Op.AT_MOST and not value <= bounds[0]:
                return False
            if cond.op is Op.ONE_OF and value not in bounds:
                return False
        return True

    kept = sorted((r for r in rows if keep(r)), key=lambda r: r["id"])
    for key in reversed(sort):
        if key.column == "position":
            kept.sort(
                key=lambda r: (r["document_id"], r["start"], r["end"]), reverse=key.descending
            )
            continue
        present = [r for r in kept if _sort_value(r, key.column) is not None]
        absent = [r for r in kept if _sort_value(r, key.column) is None]
        present.sort(key=lambda r, c=key.column: _sort_value(r, c), reverse=key.descending)
        kept = present + absent
    return [r["id"] for r in kept]


_ORDINALS = [c.key for c in table.FIELD_COLUMNS if c.spec.kind is FieldKind.ORDINAL]
_SORTABLE = [c for c in table.BASE_COLUMNS] + [c.key for c in table.FIELD_COLUMNS]


@st.composite
def _conditions(draw: st.DrawFn) -> table.Condition:
    key = draw(st.sampled_from(_ORDINALS))
    op = draw(st.sampled_from([Op.AT_LEAST, Op.AT_MOST, Op.ONE_OF]))
    codes = _SCALE[key]
    if op is Op.ONE_OF:
        return condition(key, op, *draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3)))
    return condition(key, op, draw(st.sampled_from(codes)))


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tags=st.frozensets(st.sampled_from(list(TAG_FIELDS))),
    authors=st.frozensets(st.sampled_from(["ana", "bob", "Bob", "ليلى"])),
    conditions=st.lists(_conditions(), max_size=2),
    sort=st.lists(st.tuples(st.sampled_from(_SORTABLE), st.booleans()), max_size=3),
    limit=st.integers(1, 4),
)
def test_page_over_all_offsets_equals_a_python_reference(
    library: tuple[Store, list[dict[str, Any]]],
    tags: frozenset[str],
    authors: frozenset[str],
    conditions: list[table.Condition],
    sort: list[tuple[str, bool]],
    limit: int,
) -> None:
    store, reference = library
    wanted = AnnotationFilter(tags=tags, authors=authors, conditions=tuple(conditions))
    keys = tuple(SortKey(c, d) for c, d in sort) or table.DEFAULT_SORT
    expected = _reference(reference, wanted, keys)
    assert table.count(store, wanted) == len(expected)
    paged: list[int] = []
    for offset in range(0, len(expected) + limit, limit):
        paged.extend(r.id for r in table.page(store, wanted, keys, offset, limit))
    assert paged == expected
    assert table.ids(store, wanted, keys) == expected


def test_a_merged_colleague_layer_is_in_the_table(tmp_path: Path) -> None:
    from annotator.core.colleague import merge_colleague

    body = "Officials said 40 trucks crossed. We assess a reopening is likely."

    def library(path: Path, author: str, likelihood: str) -> None:
        with open_store(path, create=True) as store:
            new = ops.NewDocument(
                text=body, title="Crossings", issuer="UN", published=dt.date(2024, 2, 2),
                date_certainty="exact", date_note=None, language="en", source_name="c.txt",
                source_format="txt", units=[(0, len(body), "sentence")],
            )
            document_id = ops.add_document(store, new).created_id
            assert document_id is not None
            ops.bulk_add_annotations(store, document_id, [
                ops.NewAnnotation(34, 66, author, ["assessment"], "",
                                  {"assessment": {"likelihood": likelihood}}),
            ])

    mine, theirs = tmp_path / "mine.sqlite3", tmp_path / "theirs.sqlite3"
    library(mine, "ana", "likely")
    library(theirs, "carol", "very_unlikely")
    with open_store(mine) as store:
        merge_colleague(store, theirs)
        rows = table.page(store, AnnotationFilter(), table.parse_sort("likelihood"), 0, 10)
        assert [(r.author, r.field("likelihood")) for r in rows] == [
            ("carol", "very_unlikely"), ("ana", "likely"),
        ]
        assert rows[0].document_id == rows[1].document_id  # one document, two layers
        carol = AnnotationFilter(authors=frozenset({"carol"}))
        assert [r.text for r in table.page(store, carol)] == [body[34:66]]
        wanted = AnnotationFilter(conditions=(table.parse_condition("likelihood>=likely"),))
        assert [r.author for r in table.page(store, wanted)] == ["ana"]


def test_export_store_takes_the_table_filter_and_sort(
    library: tuple[Store, list[dict[str, Any]]], tmp_path: Path
) -> None:
    import json

    from annotator.core.dataset import DatasetFilter, load_rows
    from annotator.core.exporters.registry import export_store

    store, _ = library
    wanted = AnnotationFilter(conditions=(table.parse_condition("likelihood>=unlikely"),))
    sort = table.parse_sort("likelihood:desc")
    assert [r.id for r in load_rows(store, DatasetFilter(table=wanted)).annotations] == [3, 4, 9]
    assert [r.id for r in load_rows(store, DatasetFilter(table=wanted, sort=sort)).annotations] \
        == table.ids(store, wanted, sort) == [4, 3, 9]
    out = tmp_path / "spans.jsonl"
    export_store(store, "jsonl-spans", out, DatasetFilter(table=wanted, sort=sort))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["annotation_id"] for line in lines] == [4, 3, 9]
    with pytest.raises(InvalidValue, match="a sort applies only to csv, xlsx, jsonl-spans"):
        export_store(store, "brat", tmp_path / "brat", DatasetFilter(sort=sort))
    assert not (tmp_path / "brat").exists()


def test_an_unchecked_condition_off_the_scale_is_refused(
    library: tuple[Store, list[dict[str, Any]]],
) -> None:
    store, _ = library
    unchecked = table.Condition("likelihood", Op.AT_LEAST, ("probable",))
    with pytest.raises(InvalidValue, match="'probable' is not one of"):
        table.count(store, AnnotationFilter(conditions=(unchecked,)))
