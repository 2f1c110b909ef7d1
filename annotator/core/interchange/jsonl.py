"""Reading our JSON Lines spans export ("annotator-spans/1") back, and strict JSON helpers.

Every problem in a file (not UTF-8, not JSON, a wrong type, a missing key, a non-finite or
oversized number, nesting too deep) is an ImportRefused "<file>: <reason>; nothing imported";
no other exception leaves these readers. The W3C reader uses the same helpers.
Offsets are Python `str` code-point indices into the document text, end exclusive.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

from annotator.core.bulk import gc_paused
from annotator.core.dataset import DatasetTag
from annotator.core.errors import ImportRefused
from annotator.core.history import ACTIONS
from annotator.core.interchange.records import (
    IncomingAnnotation,
    IncomingDocument,
    IncomingHistory,
    IncomingSet,
)
from annotator.core.review import STATUSES

SPANS_FORMAT = "annotator-spans/1"
MAX_TAG_NAME = 64
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_SPANS_HEAD = re.compile(rb'"format"\s*:\s*"annotator-spans/')
_BOM = b"\xef\xbb\xbf"


def refusal(source: str, reason: str) -> ImportRefused:
    return ImportRefused(f"{source}: {reason}; nothing imported")


def read_text(path: Path) -> str:
    """The file's text (UTF-8, a BOM dropped); ImportRefused if unreadable or not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refusal(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refusal(path.name, f"is not UTF-8 text (bad byte at offset {exc.start})") from exc


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# One decoder for every line (json.loads with arguments would build one per call).
_decode = json.JSONDecoder(parse_constant=_no_constants).decode


def load_json(text: str, source: str, where: str = "") -> Any:
    """Parse standard JSON (no NaN/Infinity); ImportRefused naming the place when it is not."""
    prefix = f"{where}: " if where else ""
    try:
        return _decode(text)
    except json.JSONDecodeError as exc:
        raise refusal(
            source, f"{prefix}not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from exc
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        raise refusal(source, f"{prefix}not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise refusal(source, f"{prefix}JSON nested too deeply") from exc


def want_dict(value: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise refusal(source, f"{where}: expected a JSON object, found {_kind(value)}")
    return value


def want_str(
    record: dict[str, Any], key: str, source: str, where: str, *, required: bool = True
) -> str | None:
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        found = "nothing" if key not in record else _kind(value)
        raise refusal(source, f'{where}: "{key}" must be text, found {found}')
    return value


def want_int(record: dict[str, Any], key: str, source: str, where: str) -> int:
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        found = "nothing" if key not in record else _kind(value)
        raise refusal(source, f'{where}: "{key}" must be a whole number, found {found}')
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def parse_sha256(value: Any, source: str, where: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise refusal(source, f"{where}: the document hash must be 64 hexadecimal digits")
    return value.lower()


def parse_time(value: Any, source: str, where: str, key: str) -> dt.datetime | None:
    """An ISO 8601 time (None when absent); a time without offset is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise refusal(source, f'{where}: "{key}" must be an ISO 8601 time, found {_kind(value)}')
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is dt.UTC:
            return parsed
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise refusal(source, f'{where}: "{key}" is not an ISO 8601 time ({value[:40]!r})') from exc


def parse_tag_name(value: Any, source: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refusal(source, f"{where}: a tag name must be non-empty text")
    name = value.strip()
    if len(name) > MAX_TAG_NAME:
        raise refusal(source, f"{where}: tag name {name[:20]!r}… is over {MAX_TAG_NAME} characters")
    return name


def parse_fields(value: Any, source: str, where: str) -> dict[str, Any]:
    """Form field values: an object of text, numbers (finite) or true/false; nulls are dropped."""
    if value is None:
        return {}
    if type(value) is not dict:
        raise refusal(source, f"{where}: the fields must be a JSON object, found {_kind(value)}")
    has_null = False
    for name, field_value in value.items():
        kind = type(field_value)
        if kind is str or kind is int or kind is bool:
            continue
        if kind is float:
            if not math.isfinite(field_value):
                raise refusal(source, f"{where}: field {name!r} is not a finite number")
        elif field_value is None:
            has_null = True
        else:
            raise refusal(
                source,
                f"{where}: field {name!r} must be text or a number, found {_kind(field_value)}",
            )
    if has_null:
        return {name: v for name, v in value.items() if v is not None}
    return value  # a fresh object from the parser: nobody else holds it


def parse_suggested(value: Any, source: str, where: str) -> tuple[str, ...]:
    if value is None or value == []:
        return ()
    if type(value) is not list or not all(type(name) is str for name in value):
        raise refusal(source, f'{where}: "suggested" must be a list of field names')
    return tuple(value)


def unique_tags(tags: list[DatasetTag], source: str, where: str) -> tuple[DatasetTag, ...]:
    if len(tags) < 2:
        return tuple(tags)
    names = [t.name for t in tags]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise refusal(source, f"{where}: tag {duplicated[0]!r} is given twice")
    return tuple(tags)


def looks_like_spans_jsonl(head: bytes) -> bool:
    """True when the file starts like our spans export (its first line names the format)."""
    stripped = head.removeprefix(_BOM).lstrip()
    first_line = stripped.split(b"\n", 1)[0]
    return first_line.startswith(b"{") and _SPANS_HEAD.search(first_line) is not None


def _tags(value: Any, source: str, where: str) -> tuple[DatasetTag, ...]:
    if not isinstance(value, list):
        raise refusal(source, f'{where}: "tags" must be a list, found {_kind(value)}')
    tags = []
    for tag in value:
        record = want_dict(tag, source, f"{where}, tag")
        name = parse_tag_name(record.get("name"), source, where)
        tags.append(
            DatasetTag(
                name,
                parse_fields(record.get("fields"), source, f"{where}, tag {name!r}"),
                parse_suggested(record.get("suggested"), source, f"{where}, tag {name!r}"),
            )
        )
    return unique_tags(tags, source, where)


def _status(value: Any, source: str, where: str) -> str:
    if value not in STATUSES:
        found = str(value)[:40]
        raise refusal(
            source, f'{where}: review status must be one of {", ".join(STATUSES)}, found {found!r}'
        )
    return str(value)


def _optional_str(record: dict[str, Any], key: str, source: str, where: str) -> str | None:
    return want_str(record, key, source, where, required=False)


def _review(
    value: Any, source: str, where: str
) -> tuple[str, str | None, dt.datetime | None, str]:
    """(status, reviewer, reviewed_at, comment) from a line's "review" (absent: a draft)."""
    if value is None:
        return "draft", None, None, ""
    where = f'{where}, "review"'
    review = want_dict(value, source, where)
    return (
        _status(review.get("status"), source, where),
        _optional_str(review, "reviewer", source, where),
        parse_time(review.get("reviewed_at"), source, where, "reviewed_at"),
        _optional_str(review, "comment", source, where) or "",
    )


def _snapshot(value: Any, source: str, where: str) -> dict[str, Any] | None:
    """A history snapshot (as `history.snapshot_to_json` writes it), checked key by key."""
    if value is None:
        return None
    snapshot = want_dict(value, source, where)
    for key in ("id", "document_id", "start", "end"):
        want_int(snapshot, key, source, where)
    want_str(snapshot, "author", source, where)
    for key in ("note", "reviewer", "review_comment"):
        _optional_str(snapshot, key, source, where)
    for key in ("created", "modified", "reviewed_at"):
        parse_time(snapshot.get(key), source, where, key)
    if "status" in snapshot:
        _status(snapshot["status"], source, where)
    _tags(snapshot.get("tags", []), source, where)
    return snapshot


def _history(value: Any, source: str, where: str) -> tuple[IncomingHistory, ...]:
    """A line's "history" (absent: none), oldest first."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise refusal(source, f'{where}: "history" must be a list, found {_kind(value)}')
    entries = []
    for index, item in enumerate(value, start=1):
        place = f"{where}, history entry {index}"
        entry = want_dict(item, source, place)
        action = entry.get("action")
        if action not in ACTIONS:
            raise refusal(
                source, f"{place}: unknown action {str(action)[:40]!r} "
                f"(one of {', '.join(ACTIONS)})"
            )
        actor = want_str(entry, "actor", source, place) or ""
        if not actor.strip():
            raise refusal(source, f"{place}: the actor is empty")
        at = parse_time(entry.get("at"), source, place, "at")
        if at is None:
            raise refusal(source, f'{place}: "at" must be an ISO 8601 time, found nothing')
        before = _snapshot(entry.get("before"), source, f'{place}, "before"')
        after = _snapshot(entry.get("after"), source, f'{place}, "after"')
        if before is None and after is None:
            raise refusal(source, f'{place}: neither "before" nor "after" is given')
        comment = _optional_str(entry, "comment", source, place) or ""
        entries.append(IncomingHistory(str(action), actor, at, before, after, comment))
    return tuple(entries)


def _label(annotation_id: Any, where: str) -> str:
    """How a refusal names the annotation of a line (`where` is "line N"): the id it had in the
    exporting database, which our exports write, and the line, "annotation 12 (line 5)"; "the
    annotation on line 5" when the line has no whole-number id."""
    if type(annotation_id) is int:
        return f"annotation {annotation_id} ({where})"
    return f"the annotation on {where}"


def _span(
    record: dict[str, Any], source: str, where: str
) -> tuple[IncomingAnnotation, IncomingDocument]:
    declared = record.get("format")
    if declared != SPANS_FORMAT:
        if isinstance(declared, str) and declared.startswith("annotator-spans/"):
            raise refusal(
                source, f"{where}: format {declared!r} is newer than this version of Annotator"
            )
        raise refusal(source, f'{where}: not an Annotator spans line (no "format": '
                      f'"{SPANS_FORMAT}")')
    document = want_dict(record.get("document"), source, f'{where}, "document"')
    sha256 = parse_sha256(document.get("sha256"), source, where)
    status, reviewer, reviewed_at, review_comment = _review(record.get("review"), source, where)
    annotation = IncomingAnnotation(
        document_sha256=sha256,
        start=want_int(record, "start", source, where),
        end=want_int(record, "end", source, where),
        author=want_str(record, "author", source, where) or "",
        tags=_tags(record.get("tags", []), source, where),
        created=parse_time(record.get("created"), source, where, "created"),
        modified=parse_time(record.get("modified"), source, where, "modified"),
        note=want_str(record, "note", source, where, required=False) or "",
        quote=want_str(record, "text", source, where),
        status=status,
        reviewer=reviewer,
        reviewed_at=reviewed_at,
        review_comment=review_comment,
        history=_history(record.get("history"), source, where),
        label=_label(record.get("annotation_id"), where),
    )
    incoming_document = IncomingDocument(
        sha256=sha256,
        title=want_str(document, "title", source, where, required=False),
        source_name=want_str(document, "source_name", source, where, required=False),
    )
    return annotation, incoming_document


def read_spans_jsonl(path: Path) -> IncomingSet:
    """Read a "jsonl-spans" export; ImportRefused ("<file>: <reason>; nothing imported") if bad."""
    source = path.name
    incoming = IncomingSet(source=source, format="jsonl-spans")
    documents: dict[str, IncomingDocument] = {}
    with gc_paused():
        for number, line in enumerate(read_text(path).split("\n"), start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            record = want_dict(load_json(line, source, where), source, where)
            annotation, document = _span(record, source, where)
            incoming.annotations.append(annotation)
            documents.setdefault(document.sha256, document)
    incoming.documents = list(documents.values())
    return incoming
