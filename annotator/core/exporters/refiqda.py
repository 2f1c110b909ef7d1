"""REFI-QDA export: a `.qdpx` project and a `.qdc` codebook (QDA-XML 1.0, REFI-QDA 1.5).

The `.qdpx` is a zip holding `project.qde` (valid against Project-mrt2019.xsd) and
`sources/<guid>.txt`, the UTF-8 text of each document, referenced as `internal://<guid>.txt`.

Positions. `startPosition`/`endPosition` count Unicode code points from 0 (Python `str` indices,
the database's own offsets), end exclusive: `text[startPosition:endPosition]` is the selection,
as QualCoder writes it. REFI-QDA 1.5 counts characters, not bytes or UTF-16 units, so an emoji is
one position. (Some readers take the end as the last character; our reader checks which reading
the selection names support, see `annotator.core.interchange.refiqda`.)

Where things live in `project.qde`:
- Users: one per author; Codes: one per tag with its colour, and a Description listing the tag's
  form fields; TextSource: one per document (name = title, Description = its metadata).
- PlainTextSelection: one per annotation (name = the quoted text, Description = the note,
  creating/modifying user and times, to the microsecond) with one Coding per tag.
- Form fields, suggestion flags and exact document metadata: a project Note named
  "Annotator data" whose PlainTextContent is a JSON block (`DATA_FORMAT`, keyed by selection and
  source GUID), referenced from the project by NoteRef. Other tools show it as a memo; our reader
  uses it to make the round trip lossless.
- Handling caveat: in the project name, first line of the project Description, the JSON block,
  and a Set "Handling caveat: ..." holding every source. In the `.qdc`: an XML comment and a Set
  of the same name holding every code.

GUIDs are stable: uuid5 under `GUID_NAMESPACE` of "user:<author>", "tag:<name>",
"document:<sha256>", "annotation:<sha256>:<start>:<end>:<author>:<created>" and
"coding:<selection guid>:<tag>", so exporting the same data twice gives the same GUIDs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from annotator import __version__
from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument
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

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file and how many annotations (or codes) it holds."""

    path: Path
    items: int


def guid(key: str) -> str:
    """The stable GUID of a key such as "tag:claim"."""
    return str(uuid.uuid5(GUID_NAMESPACE, key))


def xml_safe(text: str) -> str:
    """`text` with characters XML 1.0 cannot carry (control characters...) made U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def xml_time(value: dt.datetime) -> str:
    """xsd:dateTime in UTC with a Z, keeping microseconds when there are any."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _progress_of(options: object | None) -> ProgressFn | None:
    progress = getattr(options, "progress", None)
    return cast(ProgressFn, progress) if callable(progress) else None


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, attributes)


def _text_element(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element


def _root(tag: str, namespace: str, xsd: str, **attributes: str) -> ET.Element:
    # Plain tags plus an explicit default namespace keep serialisation fast (no prefix lookups).
    root = ET.Element(tag, {"xmlns": namespace, "xmlns:xsi": XSI_NS})
    root.set("xsi:schemaLocation", f"{namespace} {xsd}")
    for name, value in attributes.items():
        root.set(name, value)
    return root


def _serialise(root: ET.Element, comment: str | None = None) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    if comment:
        head += f"<!-- {xml_safe(comment).replace('--', '- -')} -->\n"
    return head.encode("utf-8") + ET.tostring(root, encoding="utf-8", xml_declaration=False)


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


def _add_codes(parent: ET.Element, dataset: Dataset) -> dict[str, str]:
    """One Code per tag (and per tag name used but not listed); name -> GUID."""
    names = [tag.name for tag in dataset.tags]
    colours = {tag.name: tag.colour for tag in dataset.tags}
    for annotation in dataset.annotations:
        names.extend(t.name for t in annotation.tags if t.name not in colours)
        colours.update({t.name: "" for t in annotation.tags if t.name not in colours})
    codes = _sub(parent, "Codes")
    guids: dict[str, str] = {}
    for name in names:
        if name in guids:
            continue
        guids[name] = guid(f"tag:{name}")
        code = _sub(codes, "Code", guid=guids[name], name=xml_safe(name), isCodable="true")
        if _RGB.match(colours.get(name, "")):
            code.set("color", colours[name].upper())
        _text_element(code, "Description", _tag_description(name))
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
    """Builds project.qde and the source texts from a Dataset."""

    def __init__(self, dataset: Dataset, progress: ProgressFn | None) -> None:
        self.dataset = dataset
        self.progress = progress
        self.users: dict[str, str] = {}
        self.selection_data: dict[str, dict[str, Any]] = {}
        self.document_data: dict[str, dict[str, Any]] = {}
        self.source_files: list[tuple[str, str]] = []  # (member name, text)
        self.selection_guids: set[str] = set()
        self.done = 0

    def user(self, author: str) -> str:
        if author not in self.users:
            self.users[author] = guid(f"user:{author}")
        return self.users[author]

    def build(self) -> ET.Element:
        dataset = self.dataset
        caveat = _caveat_label(dataset.caveat)
        name = "Annotator export" + (f" ({dataset.caveat})" if dataset.caveat else "")
        root = _root(
            "Project", PROJECT_NS, PROJECT_XSD,
            name=xml_safe(name), origin=ORIGIN, creationDateTime=xml_time(dataset.exported_at),
        )
        users = _sub(root, "Users")
        codebook = _sub(root, "CodeBook")
        code_guids = _add_codes(codebook, dataset)
        by_document: dict[int, list[DatasetAnnotation]] = defaultdict(list)
        for annotation in dataset.annotations:
            by_document[annotation.document_id].append(annotation)
        source_guids = []
        if dataset.documents:
            sources = _sub(root, "Sources")
            keys = _document_keys(dataset.documents)
            for document in dataset.documents:
                source_guids.append(
                    self.add_source(sources, document, keys[document.id],
                                    by_document.get(document.id, []), code_guids)
                )
        for author, user_guid in self.users.items():
            _sub(users, "User", guid=user_guid, name=xml_safe(author))
        if not self.users:
            root.remove(users)
        note_guid = guid("note:annotator-data")
        notes = _sub(root, "Notes")
        note = _sub(notes, "Note", guid=note_guid, name=DATA_NOTE_NAME,
                    creationDateTime=xml_time(dataset.exported_at))
        _text_element(note, "Description", "Machine-readable data for Annotator's own import "
                      "(form fields, suggestions, exact document metadata).")
        _text_element(note, "PlainTextContent", self.data_json())
        if caveat and source_guids:
            sets = _sub(root, "Sets")
            caveat_set = _sub(sets, "Set", guid=guid(f"set:{caveat}"), name=xml_safe(caveat))
            _text_element(caveat_set, "Description", caveat)
            for source_guid in source_guids:
                _sub(caveat_set, "MemberSource", targetGUID=source_guid)
        description = [caveat] if caveat else []
        description.append(
            f"Exported from Annotator {__version__} on {xml_time(dataset.exported_at)}: "
            f"{len(dataset.documents)} document(s), {len(dataset.annotations)} annotation(s). "
            "Positions are Unicode code points from 0, end exclusive."
        )
        _text_element(root, "Description", "\n".join(description))
        _sub(root, "NoteRef", targetGUID=note_guid)
        return root

    def add_source(
        self,
        sources: ET.Element,
        document: DatasetDocument,
        key: str,
        annotations: list[DatasetAnnotation],
        code_guids: dict[str, str],
    ) -> str:
        source_guid = guid(f"document:{key}")
        self.source_files.append((f"{SOURCES_FOLDER}/{source_guid}.txt", document.text))
        self.document_data[source_guid] = _document_data(document)
        source = _sub(
            sources, "TextSource", guid=source_guid, name=xml_safe(document.title),
            plainTextPath=f"internal://{source_guid}.txt",
            creationDateTime=xml_time(document.imported_at),
        )
        _text_element(source, "Description", _document_description(document))
        for annotation in annotations:
            self.add_selection(source, document, annotation, code_guids)
        return source_guid

    def add_selection(
        self,
        source: ET.Element,
        document: DatasetDocument,
        annotation: DatasetAnnotation,
        code_guids: dict[str, str],
    ) -> None:
        created = xml_time(annotation.created)
        key = (
            f"annotation:{document.sha256}:{annotation.start}:{annotation.end}:"
            f"{annotation.author}:{created}"
        )
        selection_guid = guid(key)
        counter = 1
        while selection_guid in self.selection_guids:
            counter += 1
            selection_guid = guid(f"{key}#{counter}")
        self.selection_guids.add(selection_guid)
        user = self.user(annotation.author)
        selection = _sub(
            source, "PlainTextSelection", guid=selection_guid,
            name=xml_safe(document.text[annotation.start:annotation.end]),
            startPosition=str(annotation.start), endPosition=str(annotation.end),
            creatingUser=user, creationDateTime=created,
            modifyingUser=user, modifiedDateTime=xml_time(annotation.modified),
        )
        data: dict[str, Any] = {}
        if annotation.note:
            _text_element(selection, "Description", annotation.note)
            if "\r" in annotation.note or xml_safe(annotation.note) != annotation.note:
                data["note"] = annotation.note  # XML would change it (CR, control characters)
        tags: dict[str, Any] = {}
        for tag in annotation.tags:
            coding = _sub(selection, "Coding", guid=guid(f"coding:{selection_guid}:{tag.name}"),
                          creatingUser=user, creationDateTime=created)
            _sub(coding, "CodeRef", targetGUID=code_guids[tag.name])
            if tag.fields or tag.suggested:
                tags[tag.name] = {"fields": tag.fields, "suggested": list(tag.suggested)}
        if tags:
            data["tags"] = tags
        if data:
            self.selection_data[selection_guid] = data
        self.done += 1
        if self.progress is not None and self.done % 2000 == 0:
            self.progress(self.done, len(self.dataset.annotations))

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
        return json.dumps(block, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def _zip_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    utc = moment.astimezone(dt.UTC)
    if utc.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def write_qdpx(dataset: Dataset, out: Path, options: object | None = None) -> ExportResult:
    """Write a REFI-QDA project (.qdpx) atomically; positions are code points, end exclusive.

    Raises ExportFailed (nothing left behind) when the file cannot be written.
    """
    progress = _progress_of(options)
    writer = _ProjectWriter(dataset, progress)
    project = _serialise(writer.build())
    stamp = _zip_time(dataset.exported_at)
    with atomic_output(out) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
        archive.writestr(
            zipfile.ZipInfo("project.qde", stamp), project, compress_type=zipfile.ZIP_DEFLATED
        )
        for member, text in writer.source_files:
            archive.writestr(
                zipfile.ZipInfo(member, stamp),
                text.encode("utf-8", errors="surrogatepass"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    if progress is not None:
        progress(len(dataset.annotations), len(dataset.annotations))
    return ExportResult(out, len(dataset.annotations))


def write_qdc(dataset: Dataset, out: Path, options: object | None = None) -> ExportResult:
    """Write a REFI-QDA codebook (.qdc): one Code per tag; ExportFailed if there are no tags."""
    caveat = _caveat_label(dataset.caveat)
    root = _root("CodeBook", CODEBOOK_NS, CODEBOOK_XSD, origin=ORIGIN)
    code_guids = _add_codes(root, dataset)
    if not code_guids:
        raise ExportFailed(f"{out}: there are no tags to write; nothing written")
    if caveat:
        caveat_set = _sub(_sub(root, "Sets"), "Set", guid=guid(f"set:{caveat}"),
                          name=xml_safe(caveat))
        _text_element(caveat_set, "Description", caveat)
        for code_guid in code_guids.values():
            _sub(caveat_set, "MemberCode", guid=code_guid)
    data = _serialise(root, comment=caveat)
    with atomic_output(out) as tmp:
        tmp.write_bytes(data)
    progress = _progress_of(options)
    if progress is not None:
        progress(len(code_guids), len(code_guids))
    return ExportResult(out, len(code_guids))
