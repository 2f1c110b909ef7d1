"""A small streaming writer of XLSX workbooks (Office Open XML SpreadsheetML), for the XLSX export.

An .xlsx file is a zip of a few XML parts: the package's content types and relationships, the
document properties, the workbook (sheet names, the autofilter ranges), the styles, and one part
per worksheet. The worksheets are written row by row into the zip as they are produced, so a
workbook of a million rows never sits in memory. Cells are typed: numbers, and dates and
date-times as Excel serial numbers with a date format; text is written as in-line strings
(`t="inlineStr"`), never as a formula: "=1+1" stays the text "=1+1".

What a cell holds follows what Excel accepts: text is cut at 32,767 UTF-16 units (a character
beyond U+FFFF counts 2 and is never split); control characters that XML cannot carry are
written as Excel's `_xHHHH_` escapes (and a literal `_xHHHH_` in the text is escaped so that it
reads back as written). The zip's entries carry a fixed time, so the same data gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

MAX_TEXT = 32_767  # UTF-16 units per cell
_EPOCH = dt.datetime(1899, 12, 31)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Deflate level 2: a third of the time of the default level (6) for a file a third bigger
# (14 MB instead of 11 for 100,000 annotations); level 1 is no faster and 4% bigger.
COMPRESS_LEVEL = 2

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument."
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_ESCAPE_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
NEEDS_WORK = re.compile(r"[&<>_\x00-\x08\x0b-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` escaped for XML character data."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attribute(value: str) -> str:
    return xml_text(value).replace('"', "&quot;")


def _control(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def cut(value: str) -> str:
    """`value` cut to Excel's cell limit of MAX_TEXT UTF-16 units, never inside a character."""
    if len(value) <= MAX_TEXT // 2:
        return value
    units = 0
    for index, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_TEXT:
            return value[:index]
    return value


def inline_text(value: str) -> str:
    """The content of an in-line string cell: `<is><t>...</t></is>`, with `t="inlineStr"` on
    the cell (see `text_cell`)."""
    value = cut(value)
    if NEEDS_WORK.search(value):
        value = _CONTROL.sub(_control, _ESCAPE_ESCAPE.sub(r"_x005F\1", value))
        value = xml_text(value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


def text_cell(ref: str, value: str, style: int = 0) -> str:
    """A text cell at `ref` ("B2")."""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr">{inline_text(value)}</c>'


def number_text(value: float) -> str:
    """A number as a cell's `<v>`: 16 significant digits, what Excel keeps."""
    return f"{value:.16G}"


def number_cell(ref: str, value: float, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s}><v>{value:.16G}</v></c>'


def is_finite(value: float) -> bool:
    return not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def serial(moment: dt.datetime | dt.date) -> float:
    """An Excel serial date-time (1900 date system) of a naive time or a date; year >= 1900."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    delta = moment - _EPOCH
    value = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86_400
    # Excel counts 29 February 1900, a day that never was.
    return value + 1 if value > 59 else value


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_width(characters: float) -> str:
    """A width in characters as Excel stores it (with its padding of 5 pixels, 7 a digit)."""
    pixels = int(characters * 7 + 5 + 0.5)
    return f"{(pixels * 256 // 7) / 256:.16g}"


@dataclass
class Sheet:
    """One worksheet: what is written before and after its rows."""

    name: str
    widths: Sequence[float] = ()  # columns A, B, ... in characters
    frozen_header: bool = False
    autofilter: str | None = None  # a range such as "A1:J3"
    header_footer: str | None = None  # the centred page header and footer, Excel's codes
    selected: bool = False
    dimension: str = "A1"

    def start(self) -> str:
        tab = ' tabSelected="1"' if self.selected else ""
        if self.frozen_header:
            view = (
                f'<sheetView{tab} workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
                "</sheetView>"
            )
        else:
            view = f'<sheetView{tab} workbookViewId="0"/>'
        cols = "".join(
            f'<col min="{first}" max="{last}" width="{column_width(width)}" customWidth="1"/>'
            for first, last, width in _runs(self.widths)
        )
        return (
            f'{_DECLARATION}<worksheet xmlns="{_NS}" xmlns:r="{_REL}">'
            f'<dimension ref="{self.dimension}"/><sheetViews>{view}</sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def end(self) -> str:
        tail = "</sheetData>"
        if self.autofilter:
            tail += f'<autoFilter ref="{self.autofilter}"/>'
        tail += (
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/>'
        )
        if self.header_footer:
            text = xml_text(self.header_footer)
            tail += f"<headerFooter><oddHeader>{text}</oddHeader><oddFooter>{text}</oddFooter>"
            tail += "</headerFooter>"
        return tail + "</worksheet>"


def _runs(widths: Sequence[float]) -> Iterable[tuple[int, int, float]]:
    """(first, last, width) of each run of equal widths, columns counted from 1."""
    first = 0
    for index in range(1, len(widths) + 1):
        if index == len(widths) or widths[index] != widths[first]:
            yield first + 1, index, widths[first]
            first = index


@dataclass
class Styles:
    """The cell formats: fixed ones, then one solid fill per colour asked for (`fill`)."""

    BOLD = 1
    CAVEAT = 2  # bold, 14 points, dark red
    DATETIME = 3  # yyyy-mm-dd hh:mm:ss "UTC"
    DATE = 4  # yyyy-mm-dd
    fills: dict[str, int] = field(default_factory=dict)

    def fill(self, colour: str) -> int:
        """The style of a cell filled with `colour` ("#RRGGBB")."""
        key = colour.upper().lstrip("#")
        return self.fills.setdefault(key, 5 + len(self.fills))

    def xml(self) -> str:
        font = '<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/>'
        fills = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
            for rgb in self.fills
        )
        xfs = "".join(
            f'<xf numFmtId="0" fontId="0" fillId="{2 + index}" borderId="0" xfId="0" '
            'applyFill="1"/>'
            for index in range(len(self.fills))
        )
        return (
            f'{_DECLARATION}<styleSheet xmlns="{_NS}">'
            '<numFmts count="2"><numFmt numFmtId="164" '
            'formatCode="yyyy-mm-dd hh:mm:ss &quot;UTC&quot;"/>'
            '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
            f'<fonts count="3"><font>{font}</font><font><b/>{font}</font>'
            '<font><b/><sz val="14"/><color rgb="FFC00000"/><name val="Calibri"/>'
            '<family val="2"/></font></fonts>'
            f'<fills count="{2 + len(self.fills)}"><fill><patternFill patternType="none"/>'
            f'</fill><fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{5 + len(self.fills)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
            '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" '
            f'applyNumberFormat="1"/>{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>'
        )


@dataclass
class Properties:
    """The document properties (File > Properties) and custom properties (name, text)."""

    title: str
    created: dt.datetime  # UTC
    subject: str | None = None
    keywords: str | None = None
    comments: str | None = None
    custom: Sequence[tuple[str, str]] = ()


class Package:
    """An open .xlsx being written: `sheet_writer` streams a worksheet, `finish` writes the rest.

    Sheets must be written in the order given; `finish` is called once, after the last.
    """

    def __init__(self, handle: IO[bytes], sheets: Sequence[Sheet]) -> None:
        self._zip = zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.sheets = sheets

    def close(self) -> None:
        self._zip.close()

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        # The level of one entry (Python 3.11 and 3.12 name; 3.13 calls it compress_level).
        info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
        return info

    def part(self, name: str, text: str) -> None:
        self._zip.writestr(self._entry(name), text.encode("utf-8"))

    def open_part(self, name: str) -> IO[bytes]:
        """A part written as a stream (force_zip64: its size is not known in advance)."""
        return self._zip.open(self._entry(name), "w", force_zip64=True)

    def sheet_name(self, index: int) -> str:
        return f"xl/worksheets/sheet{index + 1}.xml"

    def finish(self, styles: Styles, properties: Properties) -> None:
        sheets = self.sheets
        overrides = [
            ("/docProps/app.xml", f"{_CT}extended-properties+xml"),
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("/xl/styles.xml", f"{_CT}spreadsheetml.styles+xml"),
            ("/xl/workbook.xml", f"{_CT}spreadsheetml.sheet.main+xml"),
        ]
        overrides += [
            (f"/{self.sheet_name(i)}", f"{_CT}spreadsheetml.worksheet+xml")
            for i in range(len(sheets))
        ]
        package_rels = [
            ("officeDocument", "xl/workbook.xml", _REL),
            ("metadata/core-properties", "docProps/core.xml", _PKG_REL),
            ("extended-properties", "docProps/app.xml", _REL),
        ]
        if properties.custom:
            overrides.append(("/docProps/custom.xml", f"{_CT}custom-properties+xml"))
            package_rels.append(("custom-properties", "docProps/custom.xml", _REL))
        self.part(
            "[Content_Types].xml",
            f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
            + "</Types>",
        )
        self.part("_rels/.rels", _relationships(package_rels))
        book_rels = [
            ("worksheet", f"worksheets/sheet{i + 1}.xml", _REL) for i in range(len(sheets))
        ]
        book_rels.append(("styles", "styles.xml", _REL))
        self.part("xl/_rels/workbook.xml.rels", _relationships(book_rels))
        self.part("xl/workbook.xml", _workbook(sheets))
        self.part("xl/styles.xml", styles.xml())
        self.part("docProps/app.xml", _app(sheets))
        self.part("docProps/core.xml", _core(properties))
        if properties.custom:
            self.part("docProps/custom.xml", _custom(properties.custom))


def _relationships(targets: Sequence[tuple[str, str, str]]) -> str:
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{base}/{kind}" Target="{target}"/>'
            for n, (kind, target, base) in enumerate(targets, start=1)
        )
        + "</Relationships>"
    )


def _workbook(sheets: Sequence[Sheet]) -> str:
    active = next((i for i, s in enumerate(sheets) if s.selected), 0)
    tab = f' activeTab="{active}"' if active else ""
    names = "".join(
        f'<sheet name="{xml_attribute(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, s in enumerate(sheets)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{xml_text(_absolute(s.name, s.autofilter))}</definedName>"
        for i, s in enumerate(sheets)
        if s.autofilter
    )
    return (
        f'{_DECLARATION}<workbook xmlns="{_NS}" xmlns:r="{_REL}">'
        f"<bookViews><workbookView{tab}/></bookViews><sheets>{names}</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _absolute(sheet: str, cells: str) -> str:
    """ "Tags", "A1:D3" -> "Tags!$A$1:$D$3" (quoted when the name needs it)."""
    parts = [re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref) for ref in cells.split(":")]
    name = (
        sheet
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet)
        else ("'" + sheet.replace("'", "''") + "'")
    )
    return f"{name}!{':'.join(parts)}"


def _app(sheets: Sequence[Sheet]) -> str:
    titles = "".join(f"<vt:lpstr>{xml_text(s.name)}</vt:lpstr>" for s in sheets)
    return (
        f'{_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/extended-properties" xmlns:vt="{_VT}"><Application>Annotator</Application>'
        '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets'
        f"</vt:lpstr></vt:variant><vt:variant><vt:i4>{len(sheets)}</vt:i4></vt:variant>"
        f'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{len(sheets)}" '
        f'baseType="lpstr">{titles}</vt:vector></TitlesOfParts></Properties>'
    )


def _core(properties: Properties) -> str:
    created = properties.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    optional = "".join(
        f"<{tag}>{xml_text(value)}</{tag}>"
        for tag, value in (
            ("dc:subject", properties.subject),
            ("cp:keywords", properties.keywords),
            ("dc:description", properties.comments),
        )
        if value
    )
    return (
        f'{_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
        'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
        'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{xml_text(properties.title)}</dc:title>{optional}"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _custom(values: Sequence[tuple[str, str]]) -> str:
    items = "".join(
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
        f'pid="{pid}" name="{xml_attribute(name)}"><vt:lpwstr>{xml_text(value)}</vt:lpwstr>'
        "</property>"
        for pid, (name, value) in enumerate(values, start=2)
    )
    return (
        f'{_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/custom-properties" xmlns:vt="{_VT}">{items}</Properties>'
    )
