"""Word (.docx): the text of the main document part, read through `interchange.safety`.

The archive is opened with the shared zip checks (hostile names, sizes, compression ratio) and
every XML part is parsed with defusedxml with DTDs and entities refused. Then:
- each paragraph becomes a line, blocks are separated by a blank line;
- headings (styles Title and Heading 1-9, or any style or paragraph with an outline level)
  stand alone; list items (numbering, or a "List ..." style) become "- " lines with no blank
  line between consecutive items; table rows become lines whose cells are joined by " | ";
- inside a paragraph, tabs and line breaks become spaces and a page or column break splits
  it; tracked deletions are left out and insertions kept; a non-breaking hyphen is "-", a
  soft hyphen nothing, a symbol character its Unicode equivalent where one is known;
- field codes, hidden text, footnotes, comments and drawings (text boxes) are skipped.
Metadata hints come from docProps/core.xml (title, creator, created) and docProps/app.xml
(company); see `hints` for what counts as a real title or name.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from annotator.core.importers.decode import refuse
from annotator.core.importers.document import Converted, FormatHints, join_blocks
from annotator.core.importers.hints import looks_like_name, real_title
from annotator.core.interchange.safety import (
    SafeArchive,
    local_name,
    open_zip_safely,
    parse_xml_safely,
)

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_MAX_DOCUMENT_XML = 64 * 1024 * 1024  # parsed XML takes about ten times its size in memory
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFFICE_DOCUMENT = "/officeDocument"
_HEADING_NAME = re.compile(r"title|heading [1-9]")
_HEADING_ID = re.compile(r"title|heading[1-9]", re.I)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Paragraph content that is not text the analyst reads.
_SKIPPED = frozenset(
    {
        "pPr", "rPr", "del", "moveFrom", "delText", "instrText", "delInstrText", "drawing",
        "pict", "object", "AlternateContent", "footnoteReference", "endnoteReference",
        "commentReference", "annotationRef", "fldData", "sectPr", "tblPr", "trPr", "tcPr",
    }
)  # fmt: skip
_BREAK = "\f"  # marks a page or column break in a paragraph (XML text cannot hold \f)
# Symbol font letters map to Greek; a few of its other characters are common in briefings.
_SYMBOL_LETTERS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "αβχδεφγηιϕκλμνοπθρστυϖωξψζΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ",
        strict=True,
    )
)
_SYMBOL_SIGNS = {
    0xB7: "•", 0xB4: "×", 0xB1: "±", 0xB3: "≥", 0xA3: "≤", 0xB0: "°", 0xAE: "→", 0xAC: "←",
    0xA5: "∞", 0xB9: "≠", 0xBB: "≈", 0xD6: "√", 0xE3: "©", 0xE2: "®", 0xE4: "™",
}  # fmt: skip


def looks_like_docx(data: bytes) -> bool:
    """Whether `data` is a zip archive that names a word/ part near its start."""
    return data.startswith(b"PK\x03\x04") and b"word/" in data[:4096]


def _attr(element: Element | None, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (transitional or strict OOXML)."""
    if element is None:
        return None
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value
    return None


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((item for item in element if local_name(item) == name), None)


def _level(value: str | None) -> int | None:
    """An outline level attribute as a number; None when absent or not a small number."""
    return int(value) if value is not None and value.isdecimal() and len(value) <= 2 else None


def _is_on(element: Element | None) -> bool:
    """A toggle property (w:vanish...) that is present and not switched off."""
    return element is not None and _attr(element, "val") not in ("0", "false", "off")


@dataclass
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    numbered: bool


@dataclass
class _Styles:
    by_id: dict[str, _Style] = field(default_factory=dict)

    @classmethod
    def parse(cls, root: Element | None) -> _Styles:
        styles = cls()
        for element in root if root is not None else ():
            if local_name(element) != "style" or _attr(element, "type") != "paragraph":
                continue
            properties = _child(element, "pPr")
            number = _attr(_child(_child(properties, "numPr"), "numId"), "val")
            styles.by_id[_attr(element, "styleId") or ""] = _Style(
                (_attr(_child(element, "name"), "val") or "").strip().lower(),
                _attr(_child(element, "basedOn"), "val"),
                _level(_attr(_child(properties, "outlineLvl"), "val")),
                number not in (None, "0"),
            )
        return styles

    def _chain(self, style_id: str) -> list[_Style]:
        chain: list[_Style] = []
        current: str | None = style_id
        while current in self.by_id and len(chain) < 20:  # basedOn loops end here
            chain.append(self.by_id[current])
            current = chain[-1].based_on
        return chain

    def is_heading(self, style_id: str) -> bool:
        if style_id not in self.by_id:
            return _HEADING_ID.fullmatch(style_id) is not None
        for style in self._chain(style_id):
            if style.outline is not None:
                return style.outline < 9
            if _HEADING_NAME.fullmatch(style.name):
                return True
        return False

    def is_list(self, style_id: str) -> bool:
        chain = self._chain(style_id)
        if not chain:
            return style_id.lower().startswith("list") and "continue" not in style_id.lower()
        name = chain[0].name
        listed = name.startswith("list") and not name.startswith("list continue")
        return listed or any(style.numbered for style in chain)


@dataclass
class _Block:
    kind: str  # "body" | "heading" | "bullet" | "table"
    text: str


def _symbol(element: Element) -> str:
    try:
        code = int(_attr(element, "char") or "", 16)
    except ValueError:
        return ""
    code = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    font = (_attr(element, "font") or "").lower()
    if font == "symbol":
        ascii_sign = chr(code) if 0x20 <= code < 0x7F and not chr(code).isalpha() else ""
        return _SYMBOL_LETTERS.get(chr(code)) or _SYMBOL_SIGNS.get(code) or ascii_sign
    if font.startswith(("wingdings", "webdings")) or not 0x20 <= code <= 0x10FFFF:
        return ""  # pictographs: no faithful text
    character = chr(code)
    return character if character.isprintable() else ""  # no controls or lone surrogates


def _inline_text(element: Element, out: list[str]) -> None:
    """Append the readable text inside a paragraph (runs, links, insertions...) to `out`."""
    for item in element:
        name = local_name(item)
        if name == "t":
            out.append(item.text or "")
        elif name in ("tab", "ptab", "cr"):
            out.append(" ")
        elif name == "br":
            out.append(_BREAK if _attr(item, "type") in ("page", "column") else " ")
        elif name == "noBreakHyphen":
            out.append("-")
        elif name == "sym":
            out.append(_symbol(item))
        elif name == "r" and _is_hidden(item):
            continue
        elif name not in _SKIPPED:
            _inline_text(item, out)  # r, hyperlink, ins, moveTo, smartTag, sdt, fldSimple...


def _is_hidden(run: Element) -> bool:
    properties = _child(run, "rPr")
    return _is_on(_child(properties, "vanish")) or _is_on(_child(properties, "webHidden"))


def _within(element: Element, name: str) -> list[Element]:
    """Children called `name`, looking through content-control and custom-XML wrappers."""
    found: list[Element] = []
    for item in element:
        item_name = local_name(item)
        if item_name == name:
            found.append(item)
        elif item_name in ("sdt", "sdtContent", "customXml"):
            found.extend(_within(item, name))
    return found


class _Reader:
    """Turns the body of word/document.xml (or a table cell) into blocks."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.blocks: list[_Block] = []

    def read(self, container: Element) -> None:
        for element in container:
            name = local_name(element)
            if name == "p":
                self._paragraph(element)
            elif name == "tbl":
                rows = self._table_rows(element)
                if rows:
                    self.blocks.append(_Block("table", "\n".join(rows)))
            elif name not in _SKIPPED:
                self.read(element)  # sdt, sdtContent, customXml, ins, moveTo

    def _kind(self, paragraph: Element) -> str:
        properties = _child(paragraph, "pPr")
        style_id = _attr(_child(properties, "pStyle"), "val") or ""
        outline = _level(_attr(_child(properties, "outlineLvl"), "val"))
        if outline is not None:
            if outline < 9:
                return "heading"
        elif self.styles.is_heading(style_id):
            return "heading"
        number = _attr(_child(_child(properties, "numPr"), "numId"), "val")
        if number is not None:
            return "bullet" if number != "0" else "body"
        return "bullet" if self.styles.is_list(style_id) else "body"

    def _paragraph(self, paragraph: Element) -> None:
        pieces: list[str] = []
        _inline_text(paragraph, pieces)
        kind = self._kind(paragraph)
        for part in "".join(pieces).split(_BREAK):
            text = " ".join(part.replace("\xad", "").split())
            if text:
                self.blocks.append(_Block(kind, text))

    def _table_rows(self, table: Element) -> list[str]:
        rows: list[str] = []
        for row in _within(table, "tr"):
            if _child(_child(row, "trPr"), "del") is not None:
                continue  # a row deleted with tracked changes
            cells = []
            for cell in _within(row, "tc"):
                inner = _Reader(self.styles)
                inner.read(cell)
                text = " ".join(block.text.replace("\n", " ") for block in inner.blocks)
                if text:
                    cells.append(text)
            if cells:
                rows.append(" | ".join(cells))
        return rows


def _parse(archive: SafeArchive, part: str, name: str) -> Element:
    data = archive.read(part)
    if len(data) > _MAX_DOCUMENT_XML:
        raise refuse(name, f"{part} is over {_MAX_DOCUMENT_XML // (1024 * 1024)} MB unpacked")
    return parse_xml_safely(data, f"{name}: {part}")


def _main_part(archive: SafeArchive, names: set[str], name: str) -> str:
    """The main document part named by _rels/.rels; word/document.xml when none is."""
    if "_rels/.rels" in names:
        for relation in _parse(archive, "_rels/.rels", name):
            target = (_attr(relation, "Target") or "").lstrip("/")
            if (_attr(relation, "Type") or "").endswith(_OFFICE_DOCUMENT) and target:
                return posixpath.normpath(target)
    return "word/document.xml"


def _properties(archive: SafeArchive, names: set[str], part: str, name: str) -> dict[str, str]:
    """{local name: text} of the elements of a docProps part; {} when it is missing."""
    if part not in names:
        return {}
    found: dict[str, str] = {}
    for element in _parse(archive, part, name):
        text = " ".join((element.text or "").split())
        if text:
            found.setdefault(local_name(element), text)
    return found


def _hints(archive: SafeArchive, names: set[str], name: str) -> FormatHints:
    core = _properties(archive, names, "docProps/core.xml", name)
    company = _properties(archive, names, "docProps/app.xml", name).get("Company")
    creator = core.get("creator")
    created = _ISO_DATE.match(core.get("created", ""))
    return FormatHints(
        title=real_title(core.get("title")),
        fallback_issuer=company or (creator if looks_like_name(creator) else None),
        fallback_date=created.group() if created else None,
    )


def convert_docx(data: bytes, path: Path) -> Converted:
    """Extract the text of a .docx file (see the module docstring).

    `data` is the file's content, already read within the size limit; the archive is opened
    again from `path` by the shared zip checks. Raises ImportRefused for a file that is not a
    .docx, is damaged, hostile (zip or XML bomb, unsafe names) or password-protected.
    """
    name = path.name or str(path)
    if data.startswith(_OLE_MAGIC):
        raise refuse(name, "password-protected Word file, or an old .doc renamed (save as .docx)")
    if not data.startswith(b"PK"):
        raise refuse(name, "not a Word .docx file (not a zip archive)")
    with open_zip_safely(path, max_total_bytes=MAX_UNPACKED_BYTES) as archive:
        names = set(archive.namelist())
        main = _main_part(archive, names, name)
        if main not in names:
            raise refuse(name, f"not a Word document (no {main} in the archive)")
        document = _parse(archive, main, name)
        styles_part = posixpath.join(posixpath.dirname(main), "styles.xml")
        styles = _Styles.parse(_parse(archive, styles_part, name) if styles_part in names else None)
        hints = _hints(archive, names, name)
    body = _child(document, "body")
    if local_name(document) != "document" or body is None:
        raise refuse(name, f"not a Word document ({main} has no document body)")
    reader = _Reader(styles)
    try:
        reader.read(body)
    except RecursionError:
        raise refuse(name, f"{main} is nested too deeply to read") from None
    text = join_blocks(
        (b.kind, "- " + b.text if b.kind == "bullet" else b.text) for b in reader.blocks
    )
    return Converted(text, hints)
