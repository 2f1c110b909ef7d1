"""W3C Web Annotation (JSON-LD): our vocabulary and extension keys, and reading files back.

What we write (see exporters/w3c.py) and read:
- the target source is "urn:sha256:<hex SHA-256 of the document text in UTF-8>": documents are
  matched by content, never by a path or URL;
- a TextPositionSelector gives the span in Unicode code points (as the W3C model defines them, and
  as Python counts), a TextQuoteSelector its exact text with up to 32 code points of context;
- each tag is a TextualBody with purpose "tagging"; its form fields are under "annotator:fields"
  (a JSON literal) and the names of suggested fields under "annotator:suggested". The prefix
  "annotator" is declared in a second @context object, so the JSON-LD stays valid.

Reading accepts our collection, an AnnotationCollection or AnnotationPage from another program
(pages embedded, not linked), a single Annotation, or a JSON array of annotations. Tags come from
TextualBody values with purpose tagging or classifying; a note from bodies with purpose commenting
(or describing, replying, questioning, editing, assessing); a body without purpose is a note when
the annotation's motivation is a commenting one, else a tag. Other bodies (links, identifying...)
are ignored. The author is creator.name, creator itself when it is text, creator.nickname, else
"unknown". Anything malformed is an ImportRefused "<file>: <reason>; nothing imported".
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from annotator.core.bulk import gc_paused
from annotator.core.dataset import DatasetTag
from annotator.core.interchange.jsonl import (
    load_json,
    parse_fields,
    parse_suggested,
    parse_tag_name,
    parse_time,
    read_text,
    refusal,
    want_dict,
)
from annotator.core.interchange.records import (
    IncomingAnnotation,
    IncomingDocument,
    IncomingSet,
    one_line,
)

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
NAMESPACE = "urn:annotator:"
FIELDS_KEY = "annotator:fields"
SUGGESTED_KEY = "annotator:suggested"
CAVEAT_KEY = "annotator:handlingCaveat"
# "@json": field values are kept as a JSON literal (JSON-LD 1.1) instead of being read as RDF.
CONTEXT: list[Any] = [ANNO_CONTEXT, {"annotator": NAMESPACE, FIELDS_KEY: {"@type": "@json"}}]
# uuid5 namespace for annotation and collection ids: the same data always gets the same ids.
ID_NAMESPACE = uuid.UUID("32c292e7-df73-4103-822b-a64cb03dffce")
SOURCE_PREFIX = "urn:sha256:"
CONTEXT_CHARS = 32  # code points of prefix/suffix in the TextQuoteSelector

TAG_PURPOSES = frozenset({"tagging", "classifying"})
NOTE_PURPOSES = frozenset(
    {"commenting", "describing", "replying", "questioning", "editing", "assessing"}
)
_SOURCE = re.compile(r"^urn:sha256:([0-9a-fA-F]{64})$")
_W3C_TYPE = re.compile(
    rb'"@?type"\s*:\s*\[?\s*"(?:Annotation|AnnotationCollection|AnnotationPage)"'
)
_BOM = b"\xef\xbb\xbf"


def annotation_urn(document_sha256: str, annotation_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{document_sha256}/{annotation_id}')}"


def collection_urn(document_hashes: list[str], part: str = "collection") -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, part + '/' + ','.join(document_hashes))}"


def looks_like_w3c(head: bytes) -> bool:
    """True when the file starts like JSON-LD Web Annotation(s)."""
    stripped = head.removeprefix(_BOM).lstrip()
    if stripped[:1] not in (b"{", b"["):
        return False
    return ANNO_CONTEXT.encode() in head or _W3C_TYPE.search(head) is not None


def _types(record: dict[str, Any]) -> set[str]:
    value = record.get("type", record.get("@type"))
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return set()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _page_items(page: Any, source: str) -> list[Any]:
    items: list[Any] = []
    while page is not None:  # embedded pages form a chain through "next"
        if isinstance(page, str):
            raise refusal(
                source,
                f"the annotations are on a linked page ({page[:60]}), not in the file; "
                "nothing is fetched from the network",
            )
        record = want_dict(page, source, "annotation page")
        if "AnnotationPage" not in _types(record):
            raise refusal(source, "an annotation page is not of type AnnotationPage")
        page_items = record.get("items", [])
        if not isinstance(page_items, list):
            raise refusal(source, 'the page\'s "items" must be a list')
        items.extend(page_items)
        page = record.get("next")
    return items


def _annotations_of(data: Any, source: str) -> list[Any]:
    if isinstance(data, list):
        return data
    record = want_dict(data, source, "the file")
    types = _types(record)
    if "Annotation" in types:
        return [record]
    if "AnnotationPage" in types:
        return _page_items(record, source)
    if "AnnotationCollection" in types:
        return _page_items(record.get("first"), source)
    raise refusal(
        source,
        "not a W3C Web Annotation file (no type Annotation, AnnotationPage or "
        "AnnotationCollection)",
    )


def _selectors(target: dict[str, Any], source: str, where: str) -> tuple[Any, Any]:
    position: dict[str, Any] | None = None
    quote: dict[str, Any] | None = None
    for selector in _as_list(target.get("selector")):
        if not isinstance(selector, dict):
            continue
        types = _types(selector)
        if "TextPositionSelector" in types and position is None:
            position = selector
        elif "TextQuoteSelector" in types and quote is None:
            quote = selector
    if position is None:
        if quote is not None:
            raise refusal(
                source,
                f"{where} has only a TextQuoteSelector; Annotator needs a TextPositionSelector "
                "(offsets in code points)",
            )
        raise refusal(source, f"{where}: the target has no TextPositionSelector")
    return position, quote


def _target(record: dict[str, Any], source: str, where: str) -> dict[str, Any]:
    targets = _as_list(record.get("target"))
    if len(targets) != 1:
        found = "no target" if not targets else f"{len(targets)} targets"
        raise refusal(source, f"{where} has {found}; Annotator annotations have one span")
    target = targets[0]
    if isinstance(target, str):
        raise refusal(source, f"{where}: the target {target[:60]!r} has no selector")
    return want_dict(target, source, f"{where}, target")


def _document_hash(target: dict[str, Any], source: str, where: str) -> str:
    document = target.get("source")
    if isinstance(document, dict):
        document = document.get("id", document.get("@id"))
    match = _SOURCE.match(document) if isinstance(document, str) else None
    if match is None:
        shown = document[:80] if isinstance(document, str) else "missing"
        raise refusal(
            source,
            f"{where}: the target source ({shown}) is not urn:sha256:<64 hex digits> "
            "(Annotator finds documents by the SHA-256 of their text)",
        )
    return match.group(1).lower()


def _optional_text(record: dict[str, Any], key: str, source: str, where: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise refusal(source, f'{where}: "{key}" must be text')
    return value


def _author(creator: Any) -> str:
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    if isinstance(creator, dict):
        for key in ("name", "nickname"):
            value = creator.get(key)
            if isinstance(value, list):
                value = next((v for v in value if isinstance(v, str) and v.strip()), None)
            if isinstance(value, str) and value.strip():
                return value
        return "unknown"
    if isinstance(creator, str) and creator.strip():
        return creator
    return "unknown"


def _bodies(
    record: dict[str, Any], source: str, where: str
) -> tuple[tuple[DatasetTag, ...], str]:
    motivations = {m for m in _as_list(record.get("motivation")) if isinstance(m, str)}
    commenting = bool(motivations & NOTE_PURPOSES) and not motivations & TAG_PURPOSES
    bodies = _as_list(record.get("body"))
    if isinstance(record.get("bodyValue"), str):
        bodies.append({"type": "TextualBody", "value": record["bodyValue"]})
    tags: dict[str, DatasetTag] = {}
    notes: list[str] = []
    for body in bodies:
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            continue  # a link or a specific resource: nothing Annotator can keep
        purposes = {p for p in _as_list(body.get("purpose")) if isinstance(p, str)}
        is_tag = bool(purposes & TAG_PURPOSES) or (not purposes and not commenting)
        if is_tag:
            name = parse_tag_name(body["value"], source, where)
            context = f"{where}, tag {name!r}"
            tags.setdefault(
                name,
                DatasetTag(
                    name,
                    parse_fields(body.get(FIELDS_KEY), source, context),
                    parse_suggested(body.get(SUGGESTED_KEY), source, context),
                ),
            )
        elif purposes & NOTE_PURPOSES or not purposes:
            notes.append(body["value"])
    return tuple(tags.values()), "\n\n".join(notes)


def _annotation(record: dict[str, Any], source: str, where: str) -> IncomingAnnotation:
    if "Annotation" not in _types(record):
        raise refusal(source, f"{where} is not of type Annotation")
    target = _target(record, source, where)
    sha256 = _document_hash(target, source, where)
    position, quote = _selectors(target, source, where)
    start, end = position.get("start"), position.get("end")
    for value in (start, end):
        if not isinstance(value, int) or isinstance(value, bool):
            raise refusal(source, f"{where}: TextPositionSelector start/end must be whole numbers")
    tags, note = _bodies(record, source, where)
    return IncomingAnnotation(
        document_sha256=sha256,
        start=start,
        end=end,
        author=_author(record.get("creator")),
        tags=tags,
        created=parse_time(record.get("created"), source, where, "created"),
        modified=parse_time(record.get("modified"), source, where, "modified"),
        note=note,
        quote=None if quote is None else _optional_text(quote, "exact", source, where),
        prefix=None if quote is None else _optional_text(quote, "prefix", source, where),
        suffix=None if quote is None else _optional_text(quote, "suffix", source, where),
        label=where,
    )


@gc_paused()  # builds 100,000s of records (see annotator.core.bulk)
def read_w3c(path: Path) -> IncomingSet:
    """Read Web Annotations (collection, page, one, or a list); ImportRefused if malformed."""
    source = path.name
    items = _annotations_of(load_json(read_text(path), source), source)
    incoming = IncomingSet(source=source, format="w3c")
    hashes: dict[str, None] = {}
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            raise refusal(source, f"annotation {index} is only a link ({item[:60]}), not data")
        record = want_dict(item, source, f"annotation {index}")
        label = record.get("id", record.get("@id"))
        where = f"annotation {index}" + (f" ({one_line(label)})" if isinstance(label, str) else "")
        annotation = _annotation(record, source, where)
        incoming.annotations.append(annotation)
        hashes[annotation.document_sha256] = None
    incoming.documents = [IncomingDocument(sha256=sha) for sha in hashes]
    return incoming
