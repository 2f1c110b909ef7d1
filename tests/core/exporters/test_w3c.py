"""W3C Web Annotation export: the W3C test suite's MUST assertions, content, stable ids."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from annotator.core.dataset import Dataset
from annotator.core.exporters.registry import export
from annotator.core.interchange.w3c import ANNO_CONTEXT, annotation_urn
from annotator.core.text import text_sha256
from tests.conftest import FORMATS, require_shared
from tests.core.exporters.sample import CAVEAT, TEXT_1, TEXT_2

W3C = FORMATS / "w3c-web-annotation"
XSD_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


@cache
def schema_registry() -> Registry:
    resources = []
    for path in sorted((require_shared(W3C) / "definitions").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["id"], Resource.from_contents(schema, DRAFT4)))
    return Registry().with_resources(resources)


def assertions(manifest: str) -> list[dict[str, Any]]:
    listed = json.loads((require_shared(W3C) / manifest).read_text(encoding="utf-8"))
    return [
        json.loads((W3C / name).read_text(encoding="utf-8")) for name in listed["assertions"]
    ]


def failed_assertions(document: Any, manifest: str) -> list[str]:
    """The ids of the manifest's assertions `document` does not meet (the suite's own rule)."""
    failures = []
    for assertion in assertions(manifest):
        validator = Draft4Validator(
            assertion, registry=schema_registry(), format_checker=Draft4Validator.FORMAT_CHECKER
        )
        if validator.is_valid(document) != (assertion["expectedResult"] == "valid"):
            failures.append(assertion["id"])
    return failures


@pytest.fixture
def collection(dataset: Dataset, out_dir: Path) -> dict[str, Any]:
    export(dataset, "w3c", out_dir / "a.jsonld")
    loaded: dict[str, Any] = json.loads((out_dir / "a.jsonld").read_text(encoding="utf-8"))
    return loaded


def test_every_annotation_meets_every_must(collection: dict[str, Any]) -> None:
    items = collection["first"]["items"]
    assert len(assertions("annotations/annotationMusts.test")) == 54
    assert len(items) == 9
    for item in items:
        assert failed_assertions(item, "annotations/annotationMusts.test") == [], item["id"]


def test_collection_and_page_meet_their_musts(collection: dict[str, Any]) -> None:
    assert failed_assertions(collection, "collections/collectionMusts.test") == []
    assert failed_assertions(collection, "collections/pages/pageMusts.test") == []


def test_the_assertions_do_catch_broken_annotations(collection: dict[str, Any]) -> None:
    item = collection["first"]["items"][0]
    assert failed_assertions({**item, "id": "not a uri"}, "annotations/annotationMusts.test")
    no_target = {k: v for k, v in item.items() if k != "target"}
    assert failed_assertions(no_target, "annotations/annotationMusts.test")
    assert failed_assertions({**item, "body": [{"type": "TextualBody"}]},
                             "annotations/annotationMusts.test")
    assert failed_assertions({**collection, "total": -1}, "collections/collectionMusts.test")


def test_collection_content(collection: dict[str, Any]) -> None:
    assert collection["@context"][0] == ANNO_CONTEXT
    assert collection["@context"][1]["annotator"] == "urn:annotator:"
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"].startswith("urn:uuid:")
    assert collection["label"] == f"{CAVEAT} — Annotator export"
    assert collection["annotator:handlingCaveat"] == CAVEAT
    assert collection["total"] == 9
    assert collection["created"] == "2025-02-01T12:00:00Z"
    page = collection["first"]
    assert page["type"] == "AnnotationPage" and page["id"].startswith("urn:uuid:")


def test_annotation_content(collection: dict[str, Any], dataset: Dataset) -> None:
    items = collection["first"]["items"]
    texts = {text_sha256(TEXT_1): TEXT_1, text_sha256(TEXT_2): TEXT_2}
    for item, annotation in zip(items, dataset.annotations, strict=True):
        sha = text_sha256(texts[dataset.document(annotation.document_id).sha256])
        assert item["id"] == annotation_urn(sha, annotation.id)
        target = item["target"]
        assert target["source"] == f"urn:sha256:{sha}"
        position, quote = target["selector"]
        text = texts[sha]
        assert position == {
            "type": "TextPositionSelector", "start": annotation.start, "end": annotation.end
        }
        assert quote["exact"] == text[annotation.start : annotation.end]
        assert quote.get("prefix", "") == text[max(0, annotation.start - 32) : annotation.start]
        assert quote.get("suffix", "") == text[annotation.end : annotation.end + 32]
        assert item["creator"] == {"type": "Person", "name": annotation.author}
        # jsonschema checks "date-time" only when rfc3339-validator is installed (it is not a
        # dependency), so the xsd:dateTime form is checked here.
        assert XSD_UTC.match(item["created"]) and XSD_UTC.match(item["modified"])
        tags = [b for b in item.get("body", []) if b["purpose"] == "tagging"]
        assert [b["value"] for b in tags] == list(annotation.tag_names)
        notes = [b["value"] for b in item.get("body", []) if b["purpose"] == "commenting"]
        assert notes == ([annotation.note] if annotation.note else [])
    first = items[0]
    assert first["motivation"] == "tagging"
    assert first["body"][0] == {
        "type": "TextualBody", "value": "claim", "purpose": "tagging",
        "annotator:fields": {"attributed_to": "=cmd|' /C calc'!A0", "source_reliability": "B",
                             "information_credibility": "2", "event_date": "2024-09"},
        "annotator:suggested": ["source_reliability"],
    }
    # Code points: the emoji and the Arabic before the span count one each.
    assert first["target"]["selector"][0]["start"] == TEXT_1.index("The ministry")
    untagged = next(i for i in items if "body" in i and len(i["body"]) == 1
                    and i["body"][0]["purpose"] == "commenting")
    assert untagged["motivation"] == "commenting"


def test_ids_are_stable(dataset: Dataset, out_dir: Path) -> None:
    export(dataset, "w3c", out_dir / "a.jsonld")
    export(dataset, "w3c", out_dir / "b.jsonld")
    assert (out_dir / "a.jsonld").read_bytes() == (out_dir / "b.jsonld").read_bytes()


def test_empty_export_is_valid(dataset: Dataset, out_dir: Path) -> None:
    dataset.annotations = []
    export(dataset, "w3c", out_dir / "a.jsonld")
    collection = json.loads((out_dir / "a.jsonld").read_text(encoding="utf-8"))
    assert collection["total"] == 0 and collection["first"]["items"] == []
    assert failed_assertions(collection, "collections/collectionMusts.test") == []
