"""JSON Lines exports: per unit (covering annotations) and per annotation (spans), and doccano."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetTag
from annotator.core.exporters.jsonl import _covering
from annotator.core.exporters.registry import ExportOptions, export
from annotator.core.queries import unit_tags
from annotator.core.text import text_sha256
from tests.core.exporters.sample import BASE_TIME, CAVEAT, TEXT_1, TEXT_2, synthetic_dataset


def lines(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    return [json.loads(line) for line in data.decode("utf-8").split("\n")[:-1]]


def test_units_with_covering_annotations(dataset: Dataset, out_dir: Path) -> None:
    result = export(dataset, "jsonl", out_dir / "u.jsonl")
    units = lines(out_dir / "u.jsonl")
    # Document 1 has 5 lines of text, one of them boilerplate ("skipped"); document 2 has 3.
    assert result.items == len(units) == 7
    assert [(u["document_id"], u["unit"]) for u in units] == [
        (1, 0), (1, 2), (1, 3), (1, 4), (2, 0), (2, 1), (2, 2),
    ]
    by_key = {(u["document_id"], u["unit"]): u for u in units}
    assessed = by_key[1, 3]
    assert assessed["text"] == "We assess that growth will likely slow; output fell by -5 units."
    assert assessed["text"] == TEXT_1[assessed["start"] : assessed["end"]]
    assert assessed["kind"] == "sentence"
    assert assessed["document_sha256"] == text_sha256(TEXT_1)
    # Annotation 3 covers the unit exactly and annotation 9 spans it and the next one;
    # annotation 4 ("rose 4% in Q3.\nWe assess") covers only part of it.
    assert assessed["tags"] == ["assessment", "figure"]
    assert [a["id"] for a in assessed["annotations"]] == [3, 9]
    assert assessed["annotations"][0] == {
        "id": 3,
        "author": "Ana",
        "tags": {
            "assessment": {"judgment_holder": "we", "likelihood": "likely",
                           "confidence": "moderate"},
            "figure": {"value": -5, "unit": "units", "range_low": -7.5, "range_high": -2,
                       "as_of": "2024-12-31"},
        },
    }
    assert by_key[1, 4]["tags"] == ["assessment", "claim"]
    assert by_key[1, 2]["tags"] == [] and by_key[1, 2]["annotations"] == []
    assert by_key[2, 1]["tags"] == ["claim"]
    assert by_key[2, 1]["text"] == TEXT_2[by_key[2, 1]["start"] : by_key[2, 1]["end"]]
    assert all(u["caveat"] == CAVEAT for u in units)
    assert "قالت".encode() in (out_dir / "u.jsonl").read_bytes()  # not \\u escapes


def test_units_without_caveat_have_no_caveat_key(dataset: Dataset, out_dir: Path) -> None:
    dataset.caveat = None
    export(dataset, "jsonl", out_dir / "u.jsonl")
    assert all("caveat" not in u for u in lines(out_dir / "u.jsonl"))


def test_spans_are_full_fidelity(dataset: Dataset, out_dir: Path) -> None:
    result = export(dataset, "jsonl-spans", out_dir / "s.jsonl", ExportOptions(history=True))
    spans = lines(out_dir / "s.jsonl")
    assert result.items == len(spans) == len(dataset.annotations) == 9
    first = spans[0]
    assert list(first) == [
        "format", "annotation_id", "document", "start", "end", "text", "author", "created",
        "modified", "note", "tags", "review", "history", "caveat",
    ]
    assert first["format"] == "annotator-spans/1"
    assert first["document"] == {
        "id": 1, "sha256": text_sha256(TEXT_1), "title": "Quarterly brief: exports",
        "source_name": "quarterly-brief.txt",
    }
    assert first["tags"] == [
        {
            "name": "claim",
            "fields": {"attributed_to": "=cmd|' /C calc'!A0", "source_reliability": "B",
                       "information_credibility": "2", "event_date": "2024-09"},
            "suggested": ["source_reliability"],
        }
    ]
    assert first["created"] == "2025-01-15T10:00:00Z"
    assert first["review"] == {
        "status": "draft", "reviewer": None, "reviewed_at": None, "comment": ""
    }
    # created ("create"), then given its fixed times ("restore")
    assert [h["action"] for h in first["history"]] == ["create", "restore"]
    assert first["history"][0]["before"] is None
    assert first["history"][-1]["after"]["created"] == "2025-01-15T10:00:00.000000+00:00"
    texts = {1: TEXT_1, 2: TEXT_2}
    for span in spans:
        assert span["text"] == texts[span["document"]["id"]][span["start"] : span["end"]]
        assert span["caveat"] == CAVEAT
    untagged = next(s for s in spans if s["annotation_id"] == 8)
    assert untagged["tags"] == [] and untagged["note"] == "No tag yet: a note only."
    # Without the option (the default), the same lines without their history.
    export(dataset, "jsonl-spans", out_dir / "plain.jsonl")
    plain = lines(out_dir / "plain.jsonl")
    assert plain == [{k: v for k, v in s.items() if k != "history"} for s in spans]


def test_spans_progress(out_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    export(
        synthetic_dataset(2100), "jsonl-spans", out_dir / "s.jsonl",
        ExportOptions(progress=lambda done, total: calls.append((done, total))),
    )
    assert calls == [(1000, 2100), (2000, 2100), (2100, 2100)]
    assert len(lines(out_dir / "s.jsonl")) == 2100


def test_doccano_one_line_per_document(dataset: Dataset, out_dir: Path) -> None:
    result = export(dataset, "doccano", out_dir / "d.jsonl")
    documents = lines(out_dir / "d.jsonl")
    assert result.items == len(documents) == 2
    first = documents[0]
    assert list(first) == ["text", "label", "document_id", "title", "sha256", "caveat"]
    assert first["text"] == TEXT_1 and first["sha256"] == text_sha256(TEXT_1)
    assert first["label"] == sorted(first["label"])
    assert [62, 102, "claim"] in first["label"]
    assert [103, 167, "assessment"] in first["label"] and [103, 167, "figure"] in first["label"]
    for start, end, _tag in first["label"]:
        assert 0 <= start < end <= len(TEXT_1)
    # The annotation without a tag has no label.
    assert documents[1]["label"] == [[12, 55, "claim"], [67, 84, "figure"]]
    assert documents[1]["caveat"] == CAVEAT


@given(
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=12),
    spans=st.lists(st.tuples(st.integers(0, 80), st.integers(1, 40)), max_size=15),
    skipped=st.sets(st.integers(0, 11)),
)
def test_covering_matches_unit_tags(
    lengths: list[int], spans: list[tuple[int, int]], skipped: set[int]
) -> None:
    """The sweep that finds covering annotations agrees with the reader's unit_tags."""
    units, position = [], 0
    for index, length in enumerate(lengths):
        units.append((position, position + length, "skipped" if index in skipped else "s"))
        position += length + 1
    text = "x" * position
    document = dataclasses.replace(synthetic_dataset(0).documents[0], text=text,
                                   units=tuple(units))
    annotations = [
        DatasetAnnotation(
            id=i, document_id=1, start=min(start, position - 1),
            end=min(start, position - 1) + width, author="a", created=BASE_TIME,
            modified=BASE_TIME, note="", tags=(DatasetTag(f"t{i % 3}"),),
        )
        for i, (start, width) in enumerate(spans)
    ]
    expected = unit_tags(
        [(s, e) for s, e, _k in units], [(a.start, a.end, a.tags[0].name) for a in annotations]
    )
    found = {
        ordinal: tuple(sorted({a.tags[0].name for a in covering}))
        for ordinal, _s, _e, _k, covering in _covering(document, annotations)
    }
    assert found == {i: expected[i] for i, unit in enumerate(units) if unit[2] != "skipped"}
