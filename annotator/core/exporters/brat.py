"""brat standoff: a folder with `<name>.txt` + `<name>.ann` per document and `annotation.conf`.

- `<name>.txt` is exactly the stored text (UTF-8, line endings untouched), so offsets (Unicode
  code points, end exclusive) match. `<name>` comes from the title: ASCII letters and digits
  (accents dropped), runs of anything else made "-", lower case, at most 40 characters; a title
  with nothing left becomes "document-<id>"; names are unique ignoring case and never a Windows
  device name or "caveat".
- `.ann`: one T line per tag of each annotation, the tag as entity type. A span crossing a line
  break is written as discontinuous fragments "start end;start end" around the break(s), the
  T line's text being the fragments joined by a space. brat cannot show a span made only of
  line breaks, nor an annotation without a tag (an entity needs a type): both are left out.
- A lines: one per form field, `A<n>\\t<field> T<k> <value>`.
- `#` AnnotatorNotes lines: the author ("author: <name>") and the note ("note: <text>", line
  breaks made spaces) of each T; for a text field whose value had to be sanitised, the full
  value ("<field>: <value>").
- Sanitising: type and attribute names keep ASCII letters, digits, "_" and "-" (anything else
  becomes "_", a name not starting with a letter gets "T_"/"A_" in front). Attribute values keep
  letters and digits of any script, "_", "-" and "." (anything else becomes "_", runs collapsed,
  at most 64 characters); an empty result writes no A line. Numbers are written as numbers (-5).
- `annotation.conf` declares the entities (tags), lets any annotations overlap, and declares
  each attribute with the entity types that carry it and every value used (plus the codes of
  choice fields).
- `CAVEAT.txt` holds the handling caveat when one is set; annotation.conf names it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument
from annotator.core.exporters.common import KNOWN_FIELDS, ExportOptions, ExportResult, Progress
from annotator.core.fields import TAG_FIELDS, FieldKind
from annotator.core.files import atomic_directory

# Line breaks as str.splitlines() knows them: brat reads .ann files line by line.
_BREAKS = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")
_SLUG_BAD = re.compile(r"[^A-Za-z0-9]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "caveat", "annotation"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)
MAX_SLUG = 40
MAX_VALUE = 64


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut around line breaks into the non-empty pieces brat can show."""
    pieces: list[tuple[int, int]] = []
    position = start
    for match in _BREAKS.finditer(text, start, end):
        if match.start() > position:
            pieces.append((position, match.start()))
        position = match.end()
    if end > position:
        pieces.append((position, end))
    return pieces


def brat_name(name: str, prefix: str) -> str:
    """A type or attribute name brat accepts: ASCII letters, digits, "_" and "-"."""
    clean = _NAME_BAD.sub("_", name)
    if not clean[:1].isalpha() or not clean[:1].isascii():
        clean = prefix + clean
    return clean


def brat_value(value: Any) -> str:
    """An attribute value brat accepts (empty when nothing is left)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    clean = "".join(c if c.isalnum() or c in "_-." else "_" for c in text)
    return re.sub(r"_+", "_", clean).strip("_")[:MAX_VALUE]


def safe_file_stems(documents: Iterable[DatasetDocument]) -> dict[int, str]:
    """Document id -> a short, unique (ignoring case) file name stem made from its title."""
    stems: dict[int, str] = {}
    taken: set[str] = set()
    for document in documents:
        ascii_title = unicodedata.normalize("NFKD", document.title).encode("ascii", "ignore")
        slug = _SLUG_BAD.sub("-", ascii_title.decode()).strip("-").lower()[:MAX_SLUG].strip("-")
        if not slug or slug in _RESERVED:
            slug = f"document-{document.id}" if not slug else f"{slug}-{document.id}"
        stem, number = slug, 2
        while stem in taken:
            stem, number = f"{slug}-{number}", number + 1
        taken.add(stem)
        stems[document.id] = stem
    return stems


def _one_line(text: str) -> str:
    return _BREAKS.sub(" ", text).strip()


class _Names:
    """Tag and field names mapped to unique brat names."""

    def __init__(self, names: Iterable[str], prefix: str) -> None:
        self.map: dict[str, str] = {}
        used: set[str] = set()
        for name in names:
            base = candidate = brat_name(name, prefix)
            number = 2
            while candidate in used:
                candidate, number = f"{base}_{number}", number + 1
            used.add(candidate)
            self.map[name] = candidate


def _document_ann(
    document: DatasetDocument,
    annotations: list[DatasetAnnotation],
    types: dict[str, str],
    attributes: dict[str, str],
    declared: dict[str, tuple[set[str], set[str]]],
) -> tuple[str, int]:
    text = document.text
    lines: list[str] = []
    t = a = n = written = 0
    for annotation in annotations:
        pieces = fragments(text, annotation.start, annotation.end)
        if not pieces or not annotation.tags:
            continue
        written += 1
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        quoted = " ".join(text[s:e] for s, e in pieces)
        for tag in annotation.tags:
            t += 1
            entity = types[tag.name]
            lines.append(f"T{t}\t{entity} {offsets}\t{quoted}")
            for field, value in tag.fields.items():
                clean = brat_value(value)
                if clean:
                    a += 1
                    name = attributes[field]
                    lines.append(f"A{a}\t{name} T{t} {clean}")
                    owners, values = declared.setdefault(name, (set(), set()))
                    owners.add(entity)
                    values.add(clean)
                if isinstance(value, str) and clean != value:
                    n += 1
                    lines.append(f"#{n}\tAnnotatorNotes T{t}\t{field}: {_one_line(value)}")
            n += 1
            lines.append(f"#{n}\tAnnotatorNotes T{t}\tauthor: {_one_line(annotation.author)}")
            if annotation.note.strip():
                n += 1
                lines.append(f"#{n}\tAnnotatorNotes T{t}\tnote: {_one_line(annotation.note)}")
    return "".join(line + "\n" for line in lines), written


def _conf(
    caveat: str | None,
    entities: list[str],
    declared: dict[str, tuple[set[str], set[str]]],
    attributes: dict[str, str],
    types: dict[str, str],
) -> str:
    choices = {
        attributes[spec.name]: (types[tag], {brat_value(c.code) for c in spec.choices})
        for tag, specs in TAG_FIELDS.items()
        for spec in specs
        if spec.kind in (FieldKind.CHOICE, FieldKind.ORDINAL) and tag in types
    }
    lines = ["# Annotator export: entity types are tags, attributes are form fields."]
    if caveat:
        lines.append(f"# Handling caveat: {_one_line(caveat)} (see CAVEAT.txt)")
    lines += ["", "[entities]", *entities, "", "[relations]"]
    lines += ["<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "", "[events]", ""]
    lines.append("[attributes]")
    for name in dict.fromkeys(attributes.values()):
        owners, values = declared.get(name, (set(), set()))
        if name in choices:
            owners = owners | {choices[name][0]}
            values = values | choices[name][1]
        if owners and values:
            arguments = "|".join(sorted(owners))
            lines.append(f"{name}\tArg:{arguments}, Value:{'|'.join(sorted(values))}")
    return "\n".join(lines) + "\n"


def write_brat(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the brat folder (atomically: all of it or nothing); ExportFailed if not written."""
    tag_names = [t.name for t in dataset.tags]
    used_tags = {t.name for a in dataset.annotations for t in a.tags}
    types = _Names([*tag_names, *sorted(used_tags - set(tag_names))], "T_").map
    used_fields = {f for a in dataset.annotations for t in a.tags for f in t.fields}
    attributes = _Names(
        [*KNOWN_FIELDS, *sorted(used_fields - set(KNOWN_FIELDS))], "A_"
    ).map
    by_document: dict[int, list[DatasetAnnotation]] = {d.id: [] for d in dataset.documents}
    for annotation in dataset.annotations:
        by_document[annotation.document_id].append(annotation)
    declared: dict[str, tuple[set[str], set[str]]] = {}
    progress = Progress(options, len(dataset.annotations))
    stems = safe_file_stems(dataset.documents)
    written = done = 0
    with atomic_directory(out) as folder:
        for document in dataset.documents:
            stem = stems[document.id]
            (folder / f"{stem}.txt").write_bytes(document.text.encode("utf-8"))
            ann, count = _document_ann(
                document, by_document[document.id], types, attributes, declared
            )
            (folder / f"{stem}.ann").write_bytes(ann.encode("utf-8"))
            written += count
            done += len(by_document[document.id])
            progress.step(done)
        entities = list(dict.fromkeys(types.values()))
        conf = _conf(dataset.caveat, entities, declared, attributes, types)
        (folder / "annotation.conf").write_bytes(conf.encode("utf-8"))
        if dataset.caveat:
            (folder / "CAVEAT.txt").write_bytes((dataset.caveat + "\n").encode("utf-8"))
        progress.finish(done)
    return ExportResult(out, written)
