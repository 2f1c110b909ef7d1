"""Annotation files with form field values to judge, for the import tests (core and CLI).

One briefing (`TEXT`, three sentences); JSON Lines spans and W3C files whose third annotation
carries the values under test; the invalid values with the field and reason a refusal names.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from annotator.core import ops
from annotator.core.store import open_store
from annotator.core.text import text_sha256

TEXT = (
    "The ministry said exports rose 4% in Q3.\n"
    "We assess that growth will likely slow.\n"
    "Officials expect 1,000 new jobs by 2026.\n"
)
SHA = text_sha256(TEXT)
SENTENCES = [line + "\n" for line in TEXT.split("\n")[:3]]

# (tag, fields, the field named, the reason given): the four kinds the issue names, then more.
INVALID = [
    ("claim", {"attributed_to": "ministry", "information_credibility": "9"},
     "information_credibility", "'9' is not one of 1, 2, 3, 4, 5, 6"),
    ("claim", {"event_date": "2023-02-30"}, "event_date", "'2023-02-30' is not a real date"),
    ("figure", {"value": "twelve", "unit": "jobs"}, "value", "'twelve' is not a number"),
    ("figure", {"value": 4, "colour": "red"}, "colour",
     "no such field (figure has value, unit, figure_kind, qualifier, range_low, range_high, "
     "as_of)"),
    ("claim", {"source_reliability": "G"}, "source_reliability",
     "'G' is not one of A, B, C, D, E, F"),
    ("claim", {"event_date": "2024-13"}, "event_date", "'2024-13' is not a real date"),
    ("assessment", {"likelihood": "probable-ish"}, "likelihood",
     "'probable-ish' is not one of almost_no_chance, very_unlikely, unlikely, "
     "roughly_even_chance, likely, very_likely, almost_certain"),
    ("figure", {"value": True}, "value", "expected a number, not true/false"),
    ("figure", {"range_low": 10, "range_high": 5}, "range_high",
     "Range high must not be below range low"),
]
IDS = ["grading", "impossible-date", "not-a-number", "unknown-field", "reliability", "month-13",
       "likelihood", "true-as-number", "range"]
# Valid values as the form takes them: labels for codes, numbers written as text, partial dates.
VALID = [
    ("claim", {"attributed_to": " the ministry ", "source_reliability": "B",
               "information_credibility": "2", "event_date": "2024-09"}),
    ("assessment", {"likelihood": "very likely", "confidence": "moderate"}),
    ("figure", {"value": "1,000", "unit": "jobs", "range_low": 900, "range_high": 1100.5}),
]


def span(index: int) -> tuple[int, int]:
    start = TEXT.index(SENTENCES[index].strip())
    return start, start + len(SENTENCES[index].strip())


def new_database(path: Path) -> Path:
    with open_store(path, daily_backup=False) as store:
        ops.add_document(store, ops.NewDocument(
            text=TEXT, title="Exports brief", issuer=None, published=None,
            date_certainty="none", date_note=None, language="en", source_name="brief.txt",
            source_format="txt", units=[(*span(i), "sentence") for i in range(3)],
        ))
    return path


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def spans_line(number: int, index: int, tag: str, fields: dict[str, Any]) -> str:
    start, end = span(index)
    return json.dumps({
        "format": "annotator-spans/1", "annotation_id": number,
        "document": {"id": 1, "sha256": SHA, "title": "Exports brief", "source_name": "b.txt"},
        "start": start, "end": end, "text": TEXT[start:end], "author": "Ana",
        "created": f"2025-01-15T10:0{number}:00Z", "tags": [{"name": tag, "fields": fields}],
    }, ensure_ascii=False)


def w3c_annotation(number: int, index: int, tag: str, fields: dict[str, Any]) -> dict[str, Any]:
    start, end = span(index)
    return {
        "@context": ["http://www.w3.org/ns/anno.jsonld", {"annotator": "urn:annotator:"}],
        "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
        "type": "Annotation", "motivation": "tagging", "creator": {"name": "Ana"},
        "created": f"2025-01-15T10:0{number}:00Z",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": tag,
                  "annotator:fields": fields}],
        "target": {"source": f"urn:sha256:{SHA}", "selector": [
            {"type": "TextPositionSelector", "start": start, "end": end},
            {"type": "TextQuoteSelector", "exact": TEXT[start:end]},
        ]},
    }


def spans_file(folder: Path, tag: str, fields: dict[str, Any]) -> Path:
    """Two valid lines, a blank line, then the annotation to judge (annotation 3, line 4)."""
    lines = [spans_line(1, 0, *VALID[0]), spans_line(2, 1, *VALID[1]), "",
             spans_line(3, 2, tag, fields)]
    path = folder / "notes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def w3c_file(folder: Path, tag: str, fields: dict[str, Any]) -> Path:
    """Two valid annotations, then the one to judge (annotation 3)."""
    items = [w3c_annotation(1, 0, *VALID[0]), w3c_annotation(2, 1, *VALID[1]),
             w3c_annotation(3, 2, tag, fields)]
    path = folder / "notes.jsonld"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


WRITERS = {
    "jsonl-spans": (spans_file, "notes.jsonl: annotation 3 (line 4)"),
    "w3c": (w3c_file, "notes.jsonld: annotation 3 (urn:uuid:00000000-0000-4000-8000-000000000003)"),
}


def expected_line(fmt: str, tag: str, field: str, reason: str) -> str:
    return f'{WRITERS[fmt][1]}, {tag} field "{field}": {reason}; nothing imported'
