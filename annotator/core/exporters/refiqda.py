"""REFI-QDA export: a `.qdpx` project and a `.qdc` codebook (QDA-XML 1.0, REFI-QDA 1.5).

The `.qdpx` is a zip holding `project.qde` (valid against Project-mrt2019.xsd) and
`sources/<guid>.txt`, the UTF-8 text of each document, referenced as `internal://<guid>.txt`.

Positions. `startPosition`/`endPosition` count Unicode code points from 0 (Python `str` indices,
the database's own offsets), end exclusive: `text[startPosition:endPosition]` is the selection,
as QualCoder writes it. REFI-QDA 1.5 counts characters, not bytes or UTF-16 units, so an emoji is
one position. (Some readers take the end as the last character; our reader checks which reading
the selection names support, see `annotator.core.interchange.refiqda`.)

Where things live in `project.qde`:
- Users: one per author. Codes: one per tag with its colour and a Description listing the tag's
  form fields. TextSource: one per document (name = title, Description = its metadata).
- PlainTextSelection: one per annotation (name = the quoted text, Description = the note,
  creating/modifying user and times to the microsecond) with one Coding per tag.
- Form fields, suggestion flags, exact document metadata (and a note XML cannot carry as is):
  a project Note named "Annotator data" whose PlainTextContent is a JSON block (`DATA_FORMAT`,
  keyed by selection and source GUID), referenced from the project by NoteRef. Other tools show
  it as a memo; our reader uses it to make the round trip lossless.
- Handling caveat: in the project name, the first line of the project Description, the JSON
  block, and a Set "Handling caveat: ..." of every source. In the `.qdc`: an XML comment and a
  Set of the same name holding every code.

GUIDs are stable: uuid5 under `GUID_NAMESPACE` of "user:<author>", "tag:<name>",
"document:<sha256>", "annotation:<sha256>:<start>:<end>:<author>:<created>" and
"coding:<selection guid>:<tag>", so exporting the same data twice gives the same GUIDs.
The XML is written as text (no element tree): 100,000 annotations in about a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument
from annotator.core.exporters.common import ExportOptions, ExportResult, Progress
from annotator.core.fields import field_specs
from annotator.core.files import ExportFailed, atomic_output

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PROJECT_XSD = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
CODEBOOK_XSD = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
ORIGIN = "Annotator"
GUID_NAMESPACE = uuid.UUID("6278409e-bf6a-4c94-ac96-cfe9bb548ef4")
DATA_NOTE_NAME = "Annotator data"
DATA_FORMAT = "annotator-refiqda"
DATA_VERSION = 1
SOURCES_FOLDER = "sources"
_NAMESPACE_BYTES = GUID_NAMESPACE.bytes

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')
_ESCAPES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
    "\n": "&#10;", "\r": "&#13;", "\t": "&#9;",
}


def guid(key: str) -> str:
    """The stable GUID of a key such as "tag:claim": `uuid.uuid5(GUID_NAMESPACE, key)`, faster."""
    digest = hashlib.sha1(_NAMESPACE_BYTES + key.encode("utf-8")).hexdigest()
    variant = "89ab"[int(digest[16], 16) & 0x3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"


def xml_safe(text: str) -> str:
    """`text` with characters XML 1.0 cannot carry (control characters...) made U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text) if _XML_ILLEGAL.search(text) else text


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def attr(value: str) -> str:
    """Free text made safe inside a double-quoted attribute (newlines and tabs kept)."""
    value = xml_safe(value)
    return _ATTR_SPECIAL.sub(_escape, value) if _ATTR_SPECIAL.search(value) else value


def text(value: str) -> str:
    """Free text made safe as element content (a CR is kept as &#13;)."""
    value = xml_safe(value)
    return _TEXT_SPECIAL.sub(_escape, value) if _TEXT_SPECIAL.search(value) else value


def xml_time(value: dt.datetime) -> str:
    """xsd:dateTime in UTC with a Z, microseconds only when there are some (as `iso_utc`)."""
    stamp = value.isoformat()
    if stamp.endswith("+00:00"):  # the usual case: stored times are UTC already
        return stamp[:-6] + "Z"
    if value.tzinfo is None:  # naive means UTC here, as everywhere in the core
        return stamp + "Z"
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _open_root(tag: str, namespace: str, xsd: str, attributes: str, comment: str | None) -> str:
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    if comment:
        head += f"<!-- {re.sub('-(?=-)', '- ', xml_safe(comment))} -->\n"  # no "--" inside
    return (
        f'{head}<{tag} xmlns="{namespace}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{namespace} {xsd}"{attributes}>'
    )


def _caveat_label(caveat: str | None) -> str | None:
    return f"Handling caveat: {caveat}" if caveat else None


def _tag_description(tag: str) -> str:
    specs = field_specs(tag)
    if not specs:
        return f'Annotator tag "{tag}" (no form fields).'
    parts = []
    for spec in specs:
        kind = spec.kind.value
        if spec.choices:
            kind += ": " + ", ".join(choice.code for choice in spec.choices)
        parts.append(f"{spec.label} [{spec.name}, {kind}]")
    return (
        f'Annotator tag "{tag}". Form fields (values kept in the project note '
        f'"{DATA_NOTE_NAME}"): ' + "; ".join(parts) + "."
    )


def _codes(dataset: Dataset, out: list[str], indent: str) -> dict[str, str]:
    """Write <Codes>: one Code per tag (listed or used); return tag name -> GUID."""
    colours = {tag.name: tag.colour for tag in dataset.tags}
    for annotation in dataset.annotations:
        for tag in annotation.tags:
            colours.setdefault(tag.name, "")
    if not colours:
        return {}
    guids = {name: guid(f"tag:{name}") for name in colours}
    out.append(f"\n{indent}<Codes>")
    for name, colour in colours.items():
        colour_attr = f' color="{colour.upper()}"' if _RGB.match(colour) else ""
        out.append(
            f'\n{indent}  <Code guid="{guids[name]}" name="{attr(name)}" isCodable="true"'
            f"{colour_attr}><Description>{text(_tag_description(name))}</Description></Code>"
        )
    out.append(f"\n{indent}</Codes>")
    return guids


def _document_keys(documents: Iterable[DatasetDocument]) -> dict[int, str]:
    keys: dict[int, str] = {}
    seen: set[str] = set()
    for document in documents:
        # The same text stored twice (allowed on request) still needs two distinct sources.
        key = document.sha256 if document.sha256 not in seen else f"{document.sha256}:{document.id}"
        seen.add(document.sha256)
        keys[document.id] = key
    return keys


def _document_description(document: DatasetDocument) -> str:
    lines = [f"Title: {document.title}"]
    if document.issuer:
        lines.append(f"Issuer: {document.issuer}")
    if document.published:
        lines.append(f"Published: {document.published.isoformat()} ({document.date_certainty})")
    if document.language:
        lines.append(f"Language: {document.language}")
    lines.append(f"Source file: {document.source_name}")
    lines.append(f"SHA-256 of the text: {document.sha256}")
    return "\n".join(lines)


def _document_data(document: DatasetDocument) -> dict[str, Any]:
    return {
        "title": document.title,
        "issuer": document.issuer,
        "published": document.published.isoformat() if document.published else None,
        "date_certainty": document.date_certainty,
        "date_note": document.date_note,
        "language": document.language,
        "source_name": document.source_name,
        "source_format": document.source_format,
        "sha256": document.sha256,
    }


class _ProjectWriter:
    """Builds project.qde (as text) and the list of source files from a Dataset."""

    def __init__(self, dataset: Dataset, progress: Progress) -> None:
        self.dataset = dataset
        self.progress = progress
        self.out: list[str] = []
        self.users: dict[str, str] = {}
        self.code_guids: dict[str, str] = {}
        self.selection_data: dict[str, dict[str, Any]] = {}
        self.document_data: dict[str, dict[str, Any]] = {}
        self.source_files: list[tuple[str, str]] = []  # (member name, text)
        self.selection_guids: set[str] = set()
        self.done = 0

    def user(self, author: str) -> str:
        found = self.users.get(author)
        if found is None:
            found = self.users[author] = guid(f"user:{author}")
        return found

    def build(self) -> bytes:
        dataset, out = self.dataset, self.out
        caveat = _caveat_label(dataset.caveat)
        name = "Annotator export" + (f" ({dataset.caveat})" if dataset.caveat else "")
        exported = xml_time(dataset.exported_at)
        codebook: list[str] = []
        self.code_guids = _codes(dataset, codebook, "    ")
        by_document: dict[int, list[DatasetAnnotation]] = defaultdict(list)
        for annotation in dataset.annotations:
            by_document[annotation.document_id].append(annotation)
        source_guids = []
        if dataset.documents:
            out.append("\n  <Sources>")
            keys = _document_keys(dataset.documents)
            for document in dataset.documents:
                source_guids.append(
                    self.source(document, keys[document.id], by_document.get(document.id, []))
                )
            out.append("\n  </Sources>")
        head = [_open_root("Project", PROJECT_NS, PROJECT_XSD,
                           f' name="{attr(name)}" origin="{ORIGIN}" creationDateTime="{exported}"',
                           None)]
        if self.users:
            head.append("\n  <Users>")
            head.extend(f'\n    <User guid="{g}" name="{attr(a)}"/>' for a, g in self.users.items())
            head.append("\n  </Users>")
        if codebook:
            head.extend(["\n  <CodeBook>", *codebook, "\n  </CodeBook>"])
        note_guid = guid("note:annotator-data")
        out.append(
            f'\n  <Notes>\n    <Note guid="{note_guid}" name="{DATA_NOTE_NAME}" '
            f'creationDateTime="{exported}"><Description>Machine-readable data for Annotator'
            "'s own import (form fields, suggestions, exact document metadata).</Description>"
            f"<PlainTextContent>{text(self.data_json())}</PlainTextContent></Note>\n  </Notes>"
        )
        if caveat and source_guids:
            out.append(
                f'\n  <Sets>\n    <Set guid="{guid(f"set:{caveat}")}" name="{attr(caveat)}">'
                f"<Description>{text(caveat)}</Description>"
            )
            out.extend(f'\n      <MemberSource targetGUID="{g}"/>' for g in source_guids)
            out.append("\n    </Set>\n  </Sets>")
        description = [caveat] if caveat else []
        description.append(
            f"Exported from Annotator {__version__} on {exported}: {len(dataset.documents)} "
            f"document(s), {len(dataset.annotations)} annotation(s). Positions are Unicode code "
            "points from 0, end exclusive."
        )
        out.append(f"\n  <Description>{text(chr(10).join(description))}</Description>")
        out.append(f'\n  <NoteRef targetGUID="{note_guid}"/>\n</Project>\n')
        return "".join(head + out).encode("utf-8")

    def source(
        self, document: DatasetDocument, key: str, annotations: list[DatasetAnnotation]
    ) -> str:
        source_guid = guid(f"document:{key}")
        self.source_files.append((f"{SOURCES_FOLDER}/{source_guid}.txt", document.text))
        self.document_data[source_guid] = _document_data(document)
        self.out.append(
            f'\n    <TextSource guid="{source_guid}" name="{attr(document.title)}" '
            f'plainTextPath="internal://{source_guid}.txt" '
            f'creationDateTime="{xml_time(document.imported_at)}">'
            f"<Description>{text(_document_description(document))}</Description>"
        )
        for annotation in annotations:
            self.selection(document, annotation)
        self.out.append("\n    </TextSource>")
        return source_guid

    def selection(self, document: DatasetDocument, annotation: DatasetAnnotation) -> None:
        out = self.out
        start, end = annotation.start, annotation.end
        created = xml_time(annotation.created)
        key = f"annotation:{document.sha256}:{start}:{end}:{annotation.author}:{created}"
        selection_guid = guid(key)
        counter = 1
        while selection_guid in self.selection_guids:
            counter += 1
            selection_guid = guid(f"{key}#{counter}")
        self.selection_guids.add(selection_guid)
        user = self.user(annotation.author)
        out.append(
            f'\n      <PlainTextSelection guid="{selection_guid}" '
            f'name="{attr(document.text[start:end])}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}" creationDateTime="{created}" '
            f'modifyingUser="{user}" modifiedDateTime="{xml_time(annotation.modified)}">'
        )
        data: dict[str, Any] = {}
        if annotation.note:
            out.append(f"<Description>{text(annotation.note)}</Description>")
            if xml_safe(annotation.note) != annotation.note:
                data["note"] = annotation.note  # control characters XML cannot carry
        tags: dict[str, Any] = {}
        for tag in annotation.tags:
            out.append(
                f'<Coding guid="{guid(f"coding:{selection_guid}:{tag.name}")}" '
                f'creatingUser="{user}" creationDateTime="{created}">'
                f'<CodeRef targetGUID="{self.code_guids[tag.name]}"/></Coding>'
            )
            if tag.suggested:
                tags[tag.name] = {"fields": tag.fields, "suggested": list(tag.suggested)}
            elif tag.fields:
                tags[tag.name] = {"fields": tag.fields}
        out.append("</PlainTextSelection>")
        if tags:
            data["tags"] = tags
        if data:
            self.selection_data[selection_guid] = data
        self.done += 1
        self.progress.step(self.done)

    def data_json(self) -> str:
        block = {
            "format": DATA_FORMAT,
            "version": DATA_VERSION,
            "exported_by": f"Annotator {__version__}",
            "caveat": self.dataset.caveat,
            "positions": "unicode code points from 0, end exclusive",
            "documents": self.document_data,
            "selections": self.selection_data,
        }
        # ASCII-only: every character survives XML, whatever it is.
        return json.dumps(block, ensure_ascii=True, separators=(",", ":"))


def _zip_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    utc = moment.astimezone(dt.UTC)
    if utc.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def write_qdpx(
    dataset: Dataset, out: Path, options: ExportOptions | None = None
) -> ExportResult:
    """Write a REFI-QDA project (.qdpx) atomically; positions are code points, end exclusive.

    Items are annotations. Raises ExportFailed (nothing left behind) when the file cannot be
    written; an exception from `options.progress` cancels it the same way.
    """
    progress = Progress(options or ExportOptions(), len(dataset.annotations))
    writer = _ProjectWriter(dataset, progress)
    project = writer.build()
    stamp = _zip_time(dataset.exported_at)
    with atomic_output(out) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
        members = [("project.qde", project)]
        members += [(name, body.encode("utf-8")) for name, body in writer.source_files]
        for name, data in members:
            # Level 3: about as small as the default on this XML, at half the time.
            archive.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED, 3)
        progress.finish()  # inside: a cancel here still leaves nothing behind
    return ExportResult(out, len(dataset.annotations))


def write_qdc(dataset: Dataset, out: Path, options: ExportOptions | None = None) -> ExportResult:
    """Write a REFI-QDA codebook (.qdc) atomically: one Code per tag (the items).

    Raises ExportFailed (nothing written) if there are no tags or the file cannot be written.
    """
    caveat = _caveat_label(dataset.caveat)
    body: list[str] = []
    code_guids = _codes(dataset, body, "  ")
    if not code_guids:
        raise ExportFailed(f"{out}: there are no tags to write; nothing written")
    parts = [_open_root("CodeBook", CODEBOOK_NS, CODEBOOK_XSD, f' origin="{ORIGIN}"', caveat)]
    parts += body
    if caveat:
        parts.append(
            f'\n  <Sets>\n    <Set guid="{guid(f"set:{caveat}")}" name="{attr(caveat)}">'
            f"<Description>{text(caveat)}</Description>"
        )
        parts.extend(f'\n      <MemberCode guid="{g}"/>' for g in code_guids.values())
        parts.append("\n    </Set>\n  </Sets>")
    parts.append("\n</CodeBook>\n")
    with atomic_output(out) as tmp:
        tmp.write_bytes("".join(parts).encode("utf-8"))
        Progress(options or ExportOptions(), len(code_guids)).finish()
    return ExportResult(out, len(code_guids))
