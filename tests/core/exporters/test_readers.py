"""Reading annotation files: recognising them, other programs' W3C shapes, refusing anything bad.

The readers must raise ImportRefused ("<file>: <reason>; nothing imported") for any malformed
input and never another exception: wrong JSON types, missing keys, huge numbers, deep nesting.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportRefused
from annotator.core.interchange.jsonl import looks_like_spans_jsonl, read_spans_jsonl
from annotator.core.interchange.records import IncomingSet
from annotator.core.interchange.w3c import looks_like_w3c, read_w3c
from annotator.core.text import text_sha256
from tests.conftest import FORMATS, require_shared
from tests.core.exporters.sample import TEXT_1

SHA = text_sha256(TEXT_1)
START = TEXT_1.index("The ministry")
END = START + len("The ministry said exports rose 4% in Q3.")


def spans_record() -> dict[str, Any]:
    return {
        "format": "annotator-spans/1", "annotation_id": 1,
        "document": {"id": 1, "sha256": SHA, "title": "T", "source_name": "t.txt"},
        "start": START, "end": END, "text": TEXT_1[START:END], "author": "Ana",
        "created": "2025-01-15T10:00:00Z", "modified": "2025-01-15T10:00:00.5Z", "note": "n",
        "tags": [{"name": "claim", "fields": {"attributed_to": "x"}, "suggested": []}],
    }


def w3c_annotation() -> dict[str, Any]:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://example.org/anno/1",
        "type": "Annotation",
        "motivation": "tagging",
        "creator": {"type": "Person", "name": "Analyst A"},
        "created": "2025-01-15T10:00:00",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "claim"},
        "target": {
            "source": f"urn:sha256:{SHA.upper()}",
            "selector": [
                {"type": "TextPositionSelector", "start": START, "end": END},
                {"type": "TextQuoteSelector", "exact": TEXT_1[START:END]},
            ],
        },
    }


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_recognising_files() -> None:
    line = json.dumps(spans_record()).encode()
    assert looks_like_spans_jsonl(line + b"\n")
    assert looks_like_spans_jsonl(b"\xef\xbb\xbf\n" + line)
    assert not looks_like_spans_jsonl(b'{"text": "a", "label": []}\n')
    assert not looks_like_w3c(line)
    assert looks_like_w3c(json.dumps(w3c_annotation()).encode())
    assert looks_like_w3c(b'[{"type": "Annotation", "target": "x"}]')
    assert looks_like_w3c(b'{\n "type" : ["AnnotationCollection"]}')
    assert not looks_like_w3c(b"type Annotation, not JSON")
    assert not looks_like_w3c(b'{"text": "a", "label": [[0, 1, "Annotation"]]}')


def test_spans_line_read(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(spans_record()) + "\r\n\n", encoding="utf-8")
    incoming = read_spans_jsonl(path)
    assert incoming.format == "jsonl-spans" and incoming.source == "s.jsonl"
    (annotation,) = incoming.annotations
    assert (annotation.start, annotation.end, annotation.quote) == (START, END, TEXT_1[START:END])
    assert annotation.modified == dt.datetime(2025, 1, 15, 10, 0, 0, 500000, tzinfo=dt.UTC)
    assert annotation.tags[0].fields == {"attributed_to": "x"}
    assert incoming.documents[0].title == "T"


def test_a_newer_spans_format_is_named(tmp_path: Path) -> None:
    record = {**spans_record(), "format": "annotator-spans/2"}
    with pytest.raises(ImportRefused, match="newer than this version"):
        read_spans_jsonl(write(tmp_path / "s.jsonl", record))


def test_other_programs_single_annotation(tmp_path: Path) -> None:
    incoming = read_w3c(write(tmp_path / "a.jsonld", w3c_annotation()))
    (annotation,) = incoming.annotations
    assert annotation.document_sha256 == SHA  # hex case does not matter
    assert annotation.author == "Analyst A"
    assert [t.name for t in annotation.tags] == ["claim"]
    assert annotation.created == dt.datetime(2025, 1, 15, 10, 0, tzinfo=dt.UTC)  # naive = UTC
    assert annotation.quote == TEXT_1[START:END] and annotation.prefix is None


def test_arrays_pages_and_collections(tmp_path: Path) -> None:
    one = w3c_annotation()
    two = {**w3c_annotation(), "creator": "https://example.org/users/ben"}
    assert len(read_w3c(write(tmp_path / "a.json", [one, two])).annotations) == 2
    page = {"type": "AnnotationPage", "items": [one],
            "next": {"type": "AnnotationPage", "items": [two]}}
    assert len(read_w3c(write(tmp_path / "p.json", page)).annotations) == 2
    collection = {"@context": "http://www.w3.org/ns/anno.jsonld",
                  "type": "AnnotationCollection", "total": 1, "first": page}
    read = read_w3c(write(tmp_path / "c.json", collection))
    assert [a.author for a in read.annotations] == ["Analyst A", "https://example.org/users/ben"]
    linked = {**collection, "first": "https://example.org/page1"}
    with pytest.raises(ImportRefused, match="nothing is fetched from the network"):
        read_w3c(write(tmp_path / "l.json", linked))


@pytest.mark.parametrize(
    ("change", "author", "tags", "note"),
    [
        ({"creator": {"nickname": "ana_k"}}, "ana_k", ["claim"], ""),
        ({"creator": None}, "unknown", ["claim"], ""),
        ({"creator": [{"name": ["First", "Second"]}]}, "First", ["claim"], ""),
        # A body without purpose is a tag, unless the annotation is a comment.
        ({"body": {"type": "TextualBody", "value": "figure"}}, "Analyst A", ["figure"], ""),
        ({"motivation": "commenting", "body": {"value": "Looks off"}}, "Analyst A", [],
         "Looks off"),
        ({"body": [{"value": "claim", "purpose": "classifying"},
                   {"value": "one", "purpose": "commenting"},
                   {"value": "two", "purpose": ["describing"]},
                   {"id": "https://example.org/link", "purpose": "linking"},
                   "https://example.org/other"]},
         "Analyst A", ["claim"], "one\n\ntwo"),
        ({"body": None, "bodyValue": "assessment"}, "Analyst A", ["assessment"], ""),
    ],
)
def test_authors_tags_and_notes_of_other_programs(
    tmp_path: Path, change: dict[str, Any], author: str, tags: list[str], note: str
) -> None:
    record = {**w3c_annotation(), **change}
    (annotation,) = read_w3c(write(tmp_path / "a.jsonld", record)).annotations
    assert (annotation.author, [t.name for t in annotation.tags], annotation.note) == (
        author, tags, note,
    )


def test_shared_example_is_refused_for_its_source(tmp_path: Path) -> None:
    example = require_shared(FORMATS / "examples" / "web-annotation-tagging.jsonld")
    with pytest.raises(ImportRefused) as refused:
        read_w3c(example)
    message = str(refused.value)
    assert message.startswith("web-annotation-tagging.jsonld: ")
    assert "urn:uuid:1d2c3b4a" in message and "urn:sha256:<64 hex digits>" in message
    assert message.endswith("; nothing imported")
    # The same annotation pointing at a document by its hash, with positions, is read.
    record = json.loads(example.read_text(encoding="utf-8"))
    record["target"]["source"] = f"urn:sha256:{SHA}"
    (annotation,) = read_w3c(write(tmp_path / "fixed.jsonld", record)).annotations
    assert (annotation.start, annotation.end, annotation.author) == (11, 34, "Analyst A")


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda record: record.pop(key)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["target"].update(source="https://example.org/doc"), "urn:sha256"),
        (lambda r: r["target"].update(source=f"urn:sha256:{SHA[:-1]}"), "urn:sha256"),
        (lambda r: r["target"].update(selector=r["target"]["selector"][1:]),
         "only a TextQuoteSelector"),
        (lambda r: r["target"].update(selector=[]), "no TextPositionSelector"),
        (lambda r: r.update(target=[r["target"], r["target"]]), "2 targets"),
        (lambda r: r.update(target="https://example.org/doc"), "has no selector"),
        (_drop("target"), "no target"),
        (lambda r: r["target"]["selector"][0].update(start="5"), "whole numbers"),
        (lambda r: r["target"]["selector"][0].update(end=1.5), "whole numbers"),
        (lambda r: r.update(created="last Tuesday"), "not an ISO 8601 time"),
        (lambda r: r.update(type="Note"), "not a W3C Web Annotation file"),
        (lambda r: r.update(body={"value": "", "purpose": "tagging"}), "tag name"),
        (lambda r: r.update(body={"value": "x" * 65, "purpose": "tagging"}), "over 64"),
        (lambda r: r.update(body={"value": "claim", "purpose": "tagging",
                                  "annotator:fields": [1]}), "must be a JSON object"),
        (lambda r: r.update(body={"value": "claim", "purpose": "tagging",
                                  "annotator:fields": {"v": {"deep": 1}}}), "text or a number"),
    ],
)
def test_w3c_refusals(tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str) -> None:
    record = w3c_annotation()
    edit(record)
    with pytest.raises(ImportRefused, match=message):
        read_w3c(write(tmp_path / "a.jsonld", record))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_drop("document"), '"document"'),
        (lambda r: r["document"].update(sha256="xyz"), "64 hexadecimal"),
        (_drop("start"), '"start" must be a whole number, found nothing'),
        (lambda r: r.update(start=True), "found true/false"),
        (lambda r: r.update(end=None), '"end" must be a whole number, found null'),
        (lambda r: r.update(author=7), '"author" must be text'),
        (lambda r: r.update(tags={"claim": {}}), '"tags" must be a list'),
        (lambda r: r.update(tags=["claim"]), "expected a JSON object"),
        (lambda r: r.update(tags=r["tags"] * 2), "given twice"),
        (lambda r: r["tags"][0].update(suggested="value"), "list of field names"),
        (lambda r: r.update(modified=12), "must be an ISO 8601 time"),
        (lambda r: r.update(created="0001-01-01T00:00:00+01:00"), "not an ISO 8601 time"),
        (_drop("format"), "not an Annotator spans line"),
    ],
)
def test_spans_refusals(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    record = spans_record()
    edit(record)
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(spans_record()) + "\n" + json.dumps(record) + "\n", "utf-8")
    with pytest.raises(ImportRefused, match=message) as refused:
        read_spans_jsonl(path)
    assert str(refused.value).startswith("s.jsonl: line 2")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"format": "annotator-spans/1", "start": NaN}', "not valid JSON"),
        (b'{"format": "annotator-spans/1", "document": {"sha256": "%s"}, "start": 1e400}'
         % SHA.encode(), "whole number"),
        (b'{"format": "annotator-spans/1", "start": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not valid JSON"),
        (b'{"format": "annotator-spans/1"', "not valid JSON"),
        (b'"just a string"', "expected a JSON object"),
        (b"[]", "expected a JSON object"),
    ],
)
def test_hostile_bytes_are_refused_by_both(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=message):
        read_spans_jsonl(path)
    try:
        read_w3c(path)
    except ImportRefused as refused:
        assert str(refused).startswith("bad.json: ")
    # (a JSON array is a valid, empty list of annotations for the W3C reader)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    for reader in (read_spans_jsonl, read_w3c):
        with pytest.raises(ImportRefused, match="cannot be read"):
            reader(tmp_path / "gone.json")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    holder = value
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = new
    return value


def _must_refuse_or_read(reader: Callable[[Path], IncomingSet], path: Path) -> None:
    with contextlib.suppress(ImportRefused):
        reader(path)


# Examples: the profile's (100 in the suite, thousands with --hypothesis-profile=long).
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), junk=_JSON)
def test_any_mutation_is_read_or_refused_never_crashes(
    tmp_path: Path, data: st.DataObject, junk: Any
) -> None:
    for reader, original in ((read_spans_jsonl, spans_record()), (read_w3c, w3c_annotation())):
        where = data.draw(st.sampled_from(_paths(original)))
        mutated = _replace(original, where, junk)
        path = tmp_path / "fuzz.json"
        path.write_text(json.dumps(mutated, allow_nan=True), encoding="utf-8")
        _must_refuse_or_read(reader, path)
