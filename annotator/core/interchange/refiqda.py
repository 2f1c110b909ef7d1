"""Read a REFI-QDA project (.qdpx) into an `IncomingSet` (format "refi-qda").

Our own exports (origin "Annotator" with the "Annotator data" note) come back with full fidelity:
authors, times, notes, tags, form fields and document metadata. A project from another tool
(Taguette, QualCoder, MAXQDA, ATLAS.ti...) brings its text sources (`sources/<file>` in either
case, or inline `PlainTextContent`; a PDF source's text `Representation` counts too), their
PlainTextSelections and Codings. Codes other than claim/assessment/figure (matched in any case)
become extra tags with their colour; nested codes each keep their own name. Users are found by
GUID; an unknown or missing user is "unknown". In such a file, selections of the same span by the
same user become one annotation carrying every code (QualCoder writes one per code).

Offsets are code points from 0, end exclusive (see `annotator.core.exporters.refiqda`). When a
foreign file's selection names match `text[start:end + 1]` more often than `text[start:end]`, its
ends were written as the last character and are read so (with a note).

A source kept outside the archive (`relative://PATH`, `absolute://PATH`, as NVivo and MAXQDA write
them) is read from the archive's sources/ folder when a file of that name is there; else from disk:
a relative path inside the project's `basePath` (when absolute and present) or the folder holding
the .qdpx, never leading out of it ("..", links); an absolute path as it is, or else its file name
next to the project. Only a regular file within the briefing size limit is read, decoded as a
briefing is (see `importers.decode`): its line ends become "\n", and positions are moved with them.
A source that is missing, unsafe, unreadable, or whose positions do not fit the file found is
skipped and reported one line each in `IncomingSet.skipped` ("interview.txt: source not found
next to the project (relative://interview.txt); 14 codings skipped").

Refused whole (ImportRefused, nothing imported): anything `safety` refuses, no project.qde, a
missing or non-UTF-8 source text inside the archive, a position outside such a text, a coding of an
unknown code, no usable text source. Skipped with a note (appended to `notes` when given, and
logged): picture, audio, video and PDF-only sources, codings of a whole source.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from annotator.core.bulk import gc_paused
from annotator.core.dataset import DatasetTag
from annotator.core.errors import ImportRefused
from annotator.core.exporters.refiqda import DATA_FORMAT, DATA_NOTE_NAME, ORIGIN, xml_safe
from annotator.core.importers.decode import DEFAULT_MAX_BYTES
from annotator.core.interchange.external import ExternalSources, PositionMap
from annotator.core.interchange.records import IncomingAnnotation, IncomingDocument, IncomingSet
from annotator.core.interchange.safety import (
    ExternalFileRefused,
    SafeArchive,
    local_name,
    open_zip_safely,
    parse_xml_safely,
    refusal,
    zip_member_names,
)
from annotator.core.text import text_sha256

FORMAT = "refi-qda"
BUILT_IN_TAGS = ("claim", "assessment", "figure")
UNKNOWN_USER = "unknown"
# Parsed XML takes about ten times its size in memory; 100,000 annotations are about 75 MB.
MAX_PROJECT_BYTES = 300 * 1024 * 1024

log = logging.getLogger(__name__)


def _is_project_member(name: str) -> bool:
    return "/" not in name and name.lower().endswith(".qde")


def looks_like_qdpx(path: Path) -> bool:
    """True when `path` is a zip archive with a .qde project at its root (nothing is unpacked)."""
    names = zip_member_names(path)
    return names is not None and any(_is_project_member(name) for name in names)


@dataclass
class _Selection:
    """One PlainTextSelection as read, before grouping."""

    guid: str
    start: int
    end: int
    name: str | None
    author: str
    created: dt.datetime | None
    modified: dt.datetime | None
    note: str
    tags: list[str]


@dataclass
class _Source:
    guid: str
    title: str
    text: str
    selections: list[_Selection] = field(default_factory=list)
    # Set when the text was read from a file outside the archive: the plainTextPath, and how
    # many codings are lost if the file does not fit its positions after all.
    reference: str | None = None
    codings: int = 0


def _codings_skipped(count: int) -> str:
    return f"{count} coding{'' if count == 1 else 's'} skipped"


def _guid(value: str | None) -> str:
    return value.strip("{} \t\r\n").lower() if value else ""


def _time(value: str | None) -> dt.datetime | None:
    """An xsd:dateTime as aware UTC (no zone means UTC); None when missing or unreadable."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _colour(value: str | None) -> str | None:
    raw = (value or "").strip().lstrip("#")
    if len(raw) == 3:
        raw = "".join(c * 2 for c in raw)
    if len(raw) != 6 or any(c not in "0123456789abcdefABCDEF" for c in raw):
        return None
    return "#" + raw.upper()


def _tag_name(name: str, exact: bool) -> str:
    """Our own names are kept as they are; others are tidied and matched to ours in any case."""
    if exact:
        return name
    clean = " ".join(name.split())
    return clean.casefold() if clean.casefold() in BUILT_IN_TAGS else clean


class _Reader:
    """Reads one archive; `q` is the project's namespace prefix ("{urn:QDA-XML:project:1.0}")."""

    def __init__(
        self, path: Path, archive: SafeArchive, notes: list[str], max_bytes: int
    ) -> None:
        self.source = path.name
        self.archive = archive
        self.notes = notes
        self.members = {name.lower(): name for name in archive.namelist()}
        self.q = ""
        self.users: dict[str, str] = {}
        self.codes: dict[str, tuple[str, str | None]] = {}
        self.path = path
        self.max_bytes = max_bytes
        self.external = ExternalSources(path, None, max_bytes)
        self.skipped: list[str] = []
        self.skip_reasons: list[str] = []

    def refuse(self, reason: str) -> ImportRefused:
        return refusal(self.source, reason)

    def project(self) -> Element:
        candidates = [name for name in self.archive.namelist() if _is_project_member(name)]
        preferred = [name for name in candidates if name.lower() == "project.qde"]
        candidates = preferred or candidates
        if not candidates:
            raise self.refuse("no project.qde inside (not a REFI-QDA project)")
        if len(candidates) > 1:
            raise self.refuse(f"several projects inside ({', '.join(sorted(candidates))})")
        if self.archive.size(candidates[0]) > MAX_PROJECT_BYTES:
            raise self.refuse(f"{candidates[0]} is larger than {MAX_PROJECT_BYTES >> 20} MB")
        root = parse_xml_safely(self.archive.read(candidates[0]), f"{self.source}: {candidates[0]}")
        if local_name(root) != "Project":
            raise self.refuse(f"{candidates[0]} is not a REFI-QDA project (no <Project>)")
        self.q = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        self.external = ExternalSources(self.path, root.get("basePath"), self.max_bytes)
        return root

    def data_block(self, root: Element) -> dict[str, Any] | None:
        """The JSON block of our own exports, or None for a file made by another tool."""
        if not (root.get("origin") or "").startswith(ORIGIN):
            return None
        for note in root.iterfind(f"{self.q}Notes/{self.q}Note"):
            content = note.find(f"{self.q}PlainTextContent")
            if note.get("name") != DATA_NOTE_NAME or content is None:
                continue
            try:
                block = json.loads(content.text or "")
            except ValueError as exc:
                raise self.refuse(f'the "{DATA_NOTE_NAME}" note is not valid JSON') from exc
            if not isinstance(block, dict) or block.get("format") != DATA_FORMAT:
                raise self.refuse(f'the "{DATA_NOTE_NAME}" note is not in a format we know')
            return block
        return None

    def read_users_and_codes(self, root: Element, exact: bool) -> None:
        q = self.q
        for user in root.iterfind(f"{q}Users/{q}User"):
            name = (user.get("name") or user.get("id") or "").strip()
            self.users[_guid(user.get("guid"))] = name or UNKNOWN_USER
        # Codes nest to any depth; walk them without recursion, in document order.
        pending = list(reversed(root.findall(f"{q}CodeBook/{q}Codes/{q}Code")))
        while pending:
            code = pending.pop()
            name = _tag_name(code.get("name") or "", exact) or "unnamed code"
            self.codes[_guid(code.get("guid"))] = (name, _colour(code.get("color")))
            pending.extend(reversed(code.findall(f"{q}Code")))

    def skip(self, title: str, reason: str, codings: int) -> None:
        """Report a source left out, with what it costs; never silent."""
        self.skip_reasons.append(f"{title}: {reason}")
        self.skipped.append(f"{title}: {reason}; {_codings_skipped(codings)}")

    def member_text(self, member: str) -> str:
        try:
            # A byte-order mark is not part of the text: .NET readers drop it before counting.
            return self.archive.read(member).decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise self.refuse(f"{member} is not UTF-8 text (REFI-QDA requires UTF-8)") from exc

    def member_named(self, file_name: str) -> str | None:
        """The archive member holding `file_name` ("/"-separated), in sources/ or at the root."""
        return self.members.get(f"sources/{file_name}".lower()) or self.members.get(
            file_name.lower()
        )

    def text_of(
        self, element: Element, title: str, codings: int
    ) -> tuple[str, str | None, PositionMap | None] | None:
        """(text, the reference when read from disk, position map), or None when skipped (and
        reported with the `codings` that costs)."""
        inline = element.find(f"{self.q}PlainTextContent")
        if inline is not None:
            return inline.text or "", None, None
        reference = (element.get("plainTextPath") or "").strip()
        scheme, separator, path = reference.partition("://")
        scheme = scheme.lower()
        if scheme == "internal" and separator:
            file_name = path.lstrip("/")
            member = self.member_named(file_name)
            if member is None:
                raise self.refuse(f"the text of {title!r} (sources/{file_name}) is missing")
            return self.member_text(member), None, None
        if scheme not in ("relative", "absolute") or not separator or not path.strip():
            where = f"({reference})" if reference else "(no plainTextPath)"
            self.skip(title, f"source text is not at a place this version can read {where}",
                      codings)
            return None
        # MAXQDA may put the file in the archive's sources/ and still write a path outside it.
        file_name = path.replace("\\", "/")
        member = self.members.get(f"sources/{file_name.lstrip('/')}".lower()) or self.members.get(
            f"sources/{file_name.rsplit('/', 1)[-1]}".lower()
        )
        if member is not None:
            return self.member_text(member), None, None
        try:
            text, moved = self.external.read(scheme, path)
        except ExternalFileRefused as exc:
            self.skip(title, f"{exc.reason} ({reference})", codings)
            return None
        self.notes.append(f"{title}: text read from outside the archive ({reference})")
        return text, reference, moved

    def user(self, value: str | None) -> str:
        return self.users.get(_guid(value), UNKNOWN_USER) if value else UNKNOWN_USER

    def selection(self, element: Element, title: str) -> _Selection:
        q = self.q
        try:
            start = int(element.get("startPosition", ""))
            end = int(element.get("endPosition", ""))
        except ValueError as exc:
            raise self.refuse(f"{title}: a selection has no valid start/end position") from exc
        tags: list[str] = []
        user = element.get("creatingUser") or element.get("modifyingUser")
        for coding in element.iterfind(f"{q}Coding"):
            reference = coding.find(f"{q}CodeRef")
            target = _guid(reference.get("targetGUID") if reference is not None else None)
            code = self.codes.get(target)
            if code is None:
                raise self.refuse(f"{title}: a coding refers to code {target!r}, not in the codes")
            tags.append(code[0])
            user = user or coding.get("creatingUser")
        description = element.find(f"{q}Description")
        return _Selection(
            guid=_guid(element.get("guid")),
            start=start,
            end=end,
            name=element.get("name"),
            author=self.user(user),
            created=_time(element.get("creationDateTime")),
            modified=_time(element.get("modifiedDateTime")),
            note=(description.text or "") if description is not None else "",
            tags=list(dict.fromkeys(tags)),
        )

    def text_source(self, element: Element, title: str, source_guid: str) -> _Source | None:
        codings = sum(1 for _ in element.iter(f"{self.q}Coding"))
        found = self.text_of(element, title, codings)
        if found is None:
            return None
        text, reference, moved = found
        source = _Source(source_guid, title, text, reference=reference, codings=codings)
        source.selections = [
            self.selection(selection, title)
            for selection in element.iterfind(f"{self.q}PlainTextSelection")
        ]
        if moved is not None:
            for selection in source.selections:
                selection.start, selection.end = moved(selection.start), moved(selection.end)
        whole = len(element.findall(f"{self.q}Coding"))
        if whole:
            self.notes.append(f"{title}: skipped {whole} coding(s) of the whole source")
        if not text.strip() and not source.selections:
            self.notes.append(f"{title}: skipped, it has no text")
            return None
        return source

    def sources(self, root: Element) -> list[_Source]:
        found: list[_Source] = []
        skipped: dict[str, int] = {}
        for element in root.iterfind(f"{self.q}Sources/*"):
            kind = local_name(element)
            title = (element.get("name") or "").strip() or _guid(element.get("guid"))
            text_element = element if kind == "TextSource" else None
            if kind == "PDFSource":
                text_element = element.find(f"{self.q}Representation")
            if text_element is None:
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            source = self.text_source(text_element, title, _guid(element.get("guid")))
            if source is not None:
                found.append(source)
        for kind, count in sorted(skipped.items()):
            self.notes.append(f"skipped {count} {kind} source(s) without text to annotate")
        if not found:
            self.no_source_left(sorted(skipped))
        return found

    def no_source_left(self, kinds: list[str]) -> None:
        """Refuse the project: not one source could be used (the first reason why, in one line)."""
        if self.skip_reasons:
            more = len(self.skip_reasons) - 1
            reason = self.skip_reasons[0] + (f" (and {more} more)" if more else "")
            raise self.refuse(f"no text source this version can import; {reason}")
        only = f" (only {', '.join(kinds)})" if kinds else ""
        raise self.refuse(f"no text source this version can import{only}")


def _inclusive_ends(sources: list[_Source]) -> bool:
    """Whether the selection names show ends written as the last character (inclusive)."""
    exclusive = inclusive = 0
    for source in sources:
        for selection in source.selections:
            if selection.name and selection.start >= 0:
                exclusive += source.text[selection.start:selection.end] == selection.name
                inclusive += source.text[selection.start:selection.end + 1] == selection.name
    return inclusive > exclusive


def _position_problem(source: _Source, selection: _Selection, ours: bool) -> str | None:
    start, end, length = selection.start, selection.end, len(source.text)
    if not 0 <= start < end <= length:
        return f"selection [{start}, {end}) is outside its text (0..{length})"
    # Our exports quote the span in the name: a mismatch means the text was edited.
    if ours and selection.name is not None and (
        selection.name != xml_safe(source.text[start:end])
    ):
        return (
            f"the text at [{start}, {end}) is not the text the selection quotes "
            "(was the source edited?)"
        )
    return None


def _check_positions(reader: _Reader, sources: list[_Source], ours: bool) -> list[_Source]:
    """The sources whose selections fit their text; ImportRefused for one inside the archive.

    A file found on disk may have changed since it was coded: that source alone is skipped.
    """
    kept = []
    for source in sources:
        problem = next(
            (found for selection in source.selections
             if (found := _position_problem(source, selection, ours)) is not None),
            None,
        )
        if problem is None:
            kept.append(source)
        elif source.reference is None:
            raise reader.refuse(f"{source.title}: {problem}")
        else:
            reader.skip(
                source.title,
                f"the file found does not fit its codings (was it edited?) ({source.reference})",
                source.codings,
            )
    if not kept:
        reader.no_source_left([])
    return kept


def _tag_data(reader: _Reader, data: Any, tag: str) -> DatasetTag:
    if not data:
        return DatasetTag(tag)
    fields = data.get("fields", {}) if isinstance(data, dict) else None
    suggested = data.get("suggested", []) if isinstance(data, dict) else None
    # JSON object keys are always strings; the suggested names must be too.
    if not isinstance(fields, dict) or not isinstance(suggested, list) or (
        suggested and not all(isinstance(name, str) for name in suggested)
    ):
        raise reader.refuse(f'the "{DATA_NOTE_NAME}" note has malformed fields for {tag!r}')
    return DatasetTag(tag, fields, tuple(suggested))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _own_annotations(
    reader: _Reader, source: _Source, sha: str, block: dict[str, Any]
) -> list[IncomingAnnotation]:
    selections = _dict(block.get("selections"))
    annotations = []
    for selection in source.selections:
        data = _dict(selections.get(selection.guid))
        tag_data = _dict(data.get("tags"))
        note = data.get("note")
        tags = tuple(_tag_data(reader, tag_data.get(tag), tag) for tag in selection.tags)
        annotations.append(IncomingAnnotation(
            sha, selection.start, selection.end, selection.author, tags, created=selection.created,
            modified=selection.modified, note=note if isinstance(note, str) else selection.note,
        ))
    return annotations


def _foreign_annotations(source: _Source, sha: str) -> list[IncomingAnnotation]:
    grouped: dict[tuple[int, int, str], list[_Selection]] = {}
    for selection in source.selections:
        key = (selection.start, selection.end, selection.author)
        grouped.setdefault(key, []).append(selection)
    annotations = []
    for (start, end, author), group in grouped.items():
        tags = dict.fromkeys(tag for selection in group for tag in selection.tags)
        notes = dict.fromkeys(s.note.strip() for s in group if s.note.strip())
        created = [s.created for s in group if s.created is not None]
        modified = [s.modified for s in group if s.modified is not None]
        annotations.append(IncomingAnnotation(
            sha, start, end, author, tuple(DatasetTag(tag) for tag in tags),
            created=min(created) if created else None,
            modified=max(modified) if modified else None, note="\n\n".join(notes),
        ))
    return annotations


def _document(source: _Source, sha: str, block: dict[str, Any] | None) -> IncomingDocument:
    meta = _dict(_dict((block or {}).get("documents")).get(source.guid))
    if not meta:
        return IncomingDocument(sha, source.text, title=source.title, source_name=source.title)

    def text(key: str) -> str | None:
        value = meta.get(key)
        return value if isinstance(value, str) and value else None

    published = text("published")
    try:
        date = dt.date.fromisoformat(published) if published else None
    except ValueError:
        date = None
    return IncomingDocument(
        sha, source.text, title=text("title") or source.title, source_name=text("source_name"),
        issuer=text("issuer"), published=date, language=text("language"),
    )


@gc_paused()  # builds 100,000s of records (see annotator.core.bulk)
def read_qdpx(
    path: Path, notes: list[str] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> IncomingSet:
    """Read a .qdpx (offsets: code points, end exclusive); ImportRefused if it cannot be used.

    Sources outside the archive are read from files of at most `max_bytes`; each one left out
    is one line of the result's `skipped`. What else was skipped is appended to `notes` (and
    logged), one line per kind of thing.
    """
    notes = notes if notes is not None else []
    with open_zip_safely(path) as archive:
        reader = _Reader(path, archive, notes, max_bytes)
        root = reader.project()
        block = reader.data_block(root)
        reader.read_users_and_codes(root, exact=block is not None)
        sources = reader.sources(root)
    if block is None and _inclusive_ends(sources):
        notes.append("endPosition is the last character in this file (as its selection names "
                     "show); read so")
        for source in sources:
            for selection in source.selections:
                selection.end += 1
    sources = _check_positions(reader, sources, ours=block is not None)
    incoming = IncomingSet(source=path.name, format=FORMAT, skipped=reader.skipped)
    notes.extend(reader.skipped)
    for name, colour in reader.codes.values():
        if colour:
            incoming.tag_colours.setdefault(name, colour)
    for source in sources:
        sha = text_sha256(source.text)
        incoming.documents.append(_document(source, sha, block))
        if block is not None:
            incoming.annotations.extend(_own_annotations(reader, source, sha, block))
        else:
            incoming.annotations.extend(_foreign_annotations(source, sha))
    for line in notes:
        log.info("%s: %s", path.name, line)
    return incoming
