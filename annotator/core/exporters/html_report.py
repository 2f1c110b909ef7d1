"""A printable, self-contained HTML report: each document's text with highlights and a table.

One file, CSS in <style> elements only: no script, no font, image or link to fetch (a
Content-Security-Policy forbids any), so it opens offline and prints. The handling caveat, when
set, is a banner at the top and at the bottom and leads the page title. Per document: title,
date, issuer, source and hash; a legend; the text with each span highlighted in its tag's
colour (html_text: overlaps, titles and colour classes); and a table of the annotations (span,
offsets, tags with their fields, note, author, times in UTC).

Colours are CSS classes, not inline styles: one per tag colour, defined in the head, and one per
set of colours shown as bands, defined in a <style> right after the text of the first document
that uses it (browsers apply a <style> wherever it stands). A small superscript number marks
where each annotation starts, matching the table's "#" column and linking to its row there; its
tooltip says what the annotation is, a highlight's tooltip which annotations cover it (by
number), so each annotation's details are written once (tooltips do not print).
Fields show as people read them: labels and choice labels with their ranges ("Likelihood: very
likely (80-95%)"), never the storage codes (`very_likely`) that the machine formats keep.
Each line of text is a paragraph with dir="auto", and field values are <bdi>, so right-to-left
text displays correctly. Everything from the data is escaped with html.escape. When printing,
each document starts a page.

The report is written from the stored rows (`dataset.load_rows`) as it is made, in UTF-8, a few
thousand paragraphs or table rows at a time: never whole in memory. Each distinct tag with its
fields, and each annotation's line of a title, is rendered once.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from html import escape
from itertools import compress, repeat
from operator import itemgetter, lt
from pathlib import Path
from typing import Any

from annotator.core.bulk import gc_paused
from annotator.core.dataset import (
    AnnotationRow,
    Dataset,
    DatasetDocument,
    DatasetRows,
    TagRow,
    rows_from_dataset,
)
from annotator.core.exporters.common import (
    ExportOptions,
    ExportResult,
    JsonTexts,
    Progress,
    is_number,
)
from annotator.core.exporters.html_text import (
    NO_COLOUR,
    Highlighter,
    Palette,
    special_positions,
)
from annotator.core.fields import field_label, value_text
from annotator.core.files import atomic_output
from annotator.core.times import is_canonical, parse_stored_time

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ROWS = 1000  # table rows per write

STYLE = """
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
  color: #1a1a1a; max-width: 56em; margin: 0 auto; padding: 1em 1.5em; }
.caveat { border: 3px solid #b00020; color: #b00020; font-weight: bold; text-align: center;
  padding: .4em; margin: .5em 0 1em; letter-spacing: .03em; }
h1 { font-size: 1.5em; margin: .2em 0; } h2 { font-size: 1.25em; margin: 1.5em 0 .2em; }
.meta, .summary { color: #555; font-size: .9em; margin: .2em 0 .8em; }
.text { border-left: 3px solid #ddd; padding: .2em 0 .2em 1em; margin: 1em 0; }
.text p { margin: 0 0 .35em; white-space: pre-wrap; overflow-wrap: anywhere; }
.text p.blank { min-height: .6em; margin: 0; }
mark { color: inherit; background-color: transparent; border-radius: 2px; padding: 0 1px; }
mark.multi { border-bottom: 2px solid #333; }
sup.ref { font-size: .65em; color: #444; margin: 0 1px; }
sup.ref a { color: inherit; text-decoration: none; }
.legend { font-size: .9em; margin: .4em 0; }
.swatch { display: inline-block; padding: 0 .4em; border-radius: 3px; margin-right: .3em; }
table { border-collapse: collapse; width: 100%; font-size: .85em; margin: .8em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .4em; vertical-align: top; text-align: start; }
th { background: #f2f2f2; }
td.note, td.span { white-space: pre-wrap; overflow-wrap: anywhere; }
ul.fields { margin: .1em 0 .3em; padding-inline-start: 1.2em; }
.suggested { color: #777; font-style: italic; }
mark, .swatch, .caveat { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.document { break-before: page; }
  section.document:first-of-type { break-before: auto; }
  tr { break-inside: avoid; }
  nav { display: none; }
}
@page { margin: 16mm; }
""".strip()


def _colour(value: str | None) -> str:
    return value if value and _COLOUR.match(value) else NO_COLOUR


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _stored_time(stored: str) -> str:
    """`_time` of a stored time, from its text when it has the canonical stored form."""
    if is_canonical(stored) and stored[0] != "0":  # strftime writes years before 1000 short
        return f"{stored[:10]} {stored[11:19]} UTC"
    return _time(parse_stored_time(stored))


def _value_text(tag: str, name: str, value: Any) -> str:
    if isinstance(value, bool | str) or is_number(value):
        return value_text(tag, name, value)
    return repr(value)


def _fields_html(name: str, fields: dict[str, Any], suggested: tuple[str, ...]) -> str:
    if not fields:
        return ""
    items = []
    for field, value in fields.items():
        label = field_label(name, field)
        hint = ' <span class="suggested">(suggested)</span>' if field in suggested else ""
        items.append(
            f"<li><b>{escape(label)}</b>: "
            f"<bdi>{escape(_value_text(name, field, value))}</bdi>{hint}</li>"
        )
    return '<ul class="fields">' + "".join(items) + "</ul>"


class _Tags:
    """Each distinct stored tag (name, fields JSON, suggested JSON) rendered once."""

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        self.decode = JsonTexts()
        self._cells: dict[TagRow, str] = {}
        self.groups: dict[tuple[TagRow, ...], bytes] = {}  # what `cell` made

    def cell(self, stored: tuple[TagRow, ...]) -> bytes:
        """The table cell of an annotation's tags, in UTF-8."""
        found = self.groups.get(stored)
        if found is None:
            found = self.groups[stored] = "".join(map(self._cell, stored)).encode()
        return found

    def _cell(self, stored: TagRow) -> str:
        found = self._cells.get(stored)
        if found is None:
            name, fields_text, suggested_text = stored
            fields = self.decode(fields_text) or {}
            suggested = tuple(self.decode(suggested_text))
            found = self._cells[stored] = (
                f'<div><span class="swatch {self.palette.of_tag(name)}">{escape(name)}</span>'
                f"{_fields_html(name, fields, suggested)}</div>"
            )
        return found


def _meta(document: DatasetDocument, count: int) -> str:
    meta = [
        f"Date: {document.published.isoformat()}" if document.published else "Date: unknown",
        f"Issuer: {document.issuer}" if document.issuer else "",
        f"Source: {document.source_name}",
        f"SHA-256: {document.sha256}",
        f"{count} annotation(s)",
    ]
    return escape(" · ".join(m for m in meta if m))


def _legend(used: dict[str, int], palette: Palette) -> str:
    """The tags used in a document (in the tag list's order, then the others) with how often."""
    counts: dict[str, int] = dict.fromkeys(palette.colours, 0)
    counts.update(used)
    legend = "".join(
        f'<span class="swatch {palette.of_tag(name)}">{escape(name)} ({count})</span>'
        for name, count in counts.items()
        if count
    )
    return f'<div class="legend">Legend: {legend}</div>\n' if legend else ""


_TABLE_HEAD = (
    b"<table><thead><tr><th>#</th><th>Span</th><th>Offsets</th><th>Tags and fields</th>"
    b"<th>Note</th><th>Author</th><th>Created</th><th>Modified</th></tr></thead>\n<tbody>\n"
)
# One table row: id, number, span, start, end, tags, note cell, author, created, modified (the
# times without their " UTC").
_ROW = (
    '<tr id="a-%d"><td>%d</td><td class="span" dir="auto">%s</td><td>%d–%d</td><td>%s</td>%s'
    '<td dir="auto">%s</td><td>%s UTC</td><td>%s UTC</td></tr>'
).encode()
_NO_NOTE = b"<td></td>"
# Where the canonical stored time ("2025-01-15T10:00:00.000000+00:00") has what.
_TIME_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25)
_TIME_MARKS = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (26, "+"),
               (27, "0"), (28, "0"), (29, ":"), (30, "0"), (31, "0"))


def _all_canonical(stored: list[str]) -> bool:
    """Whether each of these stored times has the canonical form, from the year 1000 on:
    checked a column of characters at a time, in the text of them all."""
    count = len(stored)
    joined = "".join(stored)
    if len(joined) != 32 * count or set(map(len, stored)) != {32} or not joined.isascii():
        return False
    return (
        all(joined[at::32] == mark * count for at, mark in _TIME_MARKS)
        and all(joined[at::32].isdigit() for at in _TIME_DIGITS)
        and "0" not in joined[::32]
    )


def _table_times(stored: list[str]) -> list[bytes]:
    """`_stored_time` of each, without " UTC", in UTF-8: from the text when all are canonical
    ("2025-01-15T10:00:00.000000+00:00" shows as "2025-01-15 10:00:00")."""
    if _all_canonical(stored):
        firsts = map(itemgetter(slice(0, 19)), stored)
        return list(map(str.encode, map(str.replace, firsts, repeat("T"), repeat(" "))))
    return [_stored_time(time).removesuffix(" UTC").encode() for time in stored]


def _note_cell(note: str) -> bytes:
    return f'<td class="note" dir="auto">{escape(note)}</td>'.encode()


def _table_rows(
    document: DatasetDocument, annotations: list[AnnotationRow], read: Highlighter
) -> Iterator[tuple[bytes, int]]:
    """The table's rows in UTF-8, _ROWS at a time, with the number of rows so far.

    Built a column at a time (spans, times, notes), mostly by the interpreter's own loops:
    this is the other hot loop of the report, one turn per annotation.
    """
    text = document.text
    specials = special_positions(text, breaks=False)
    for first in range(0, len(annotations), _ROWS):
        batch = annotations[first : first + _ROWS]
        numbers = range(first + 1, first + 1 + len(batch))
        starts = read.starts[numbers.start : numbers.stop]
        ends = read.ends[numbers.start : numbers.stop]
        spans = list(map(text.__getitem__, map(slice, starts, ends)))
        cells = list(map(str.encode, spans))
        if len(specials) > 1:  # escape the spans with a character to escape
            following = map(specials.__getitem__, map(bisect_left, repeat(specials), starts))
            for index in compress(range(len(spans)), map(lt, following, ends)):
                cells[index] = escape(spans[index]).encode()
        created = list(map(itemgetter(5), batch))
        modified = list(map(itemgetter(6), batch))
        created_cells = _table_times(created)
        modified_cells = created_cells if modified == created else _table_times(modified)
        rows = zip(
            map(itemgetter(3), batch), numbers, cells, starts, ends,
            read.tag_cells[numbers.start : numbers.stop],
            [_note_cell(note) if note else _NO_NOTE for note in map(itemgetter(7), batch)],
            read.author_cells[numbers.start : numbers.stop],
            created_cells, modified_cells,
            strict=True,
        )
        yield b"\n".join(map(_ROW.__mod__, rows)), numbers.stop - 1


def _write_document(
    write: Callable[[bytes], Any],
    document: DatasetDocument,
    annotations: list[AnnotationRow],
    tags: _Tags,
    progress: Progress,
    before: int,
) -> None:
    """Write one document's section as it is made. Progress is reported as it goes: each
    annotation counts half when it is highlighted and half when its table row is written."""

    def step(twice: int) -> None:
        progress.step(before + twice // 2)

    read = Highlighter(tags.palette, annotations, tags.cell)
    write(
        f'<section class="document" id="doc-{document.id}">\n'
        f'<h2 dir="auto">{escape(document.title)}</h2>\n'
        f'<p class="meta">{_meta(document, len(annotations))}</p>\n'
        f'{_legend(read.tag_counts, tags.palette)}<div class="text">\n'.encode()
    )
    for html, started in read.chunks(document.text, special_positions(document.text)):
        write(html)
        step(started)
    write(f"\n</div>\n{tags.palette.take_pending()}".encode())
    if annotations:
        write(_TABLE_HEAD)
        first = True
        for html, done in _table_rows(document, annotations, read):
            write(html if first else b"\n" + html)
            first = False
            step(len(annotations) + done)
        write(b"\n</tbody></table>")
    else:
        write(b"<p>No annotations.</p>")
    write(b"\n</section>\n")


def write_html(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the report (atomically); ExportFailed if it cannot be written."""
    return write_html_rows(rows_from_dataset(dataset, with_history=False), out, options)


def write_html_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_html` straight from stored rows (`load_rows`): the fast path of `export_store`.

    Each document's section is written as it is made: the report is never whole in memory.
    """
    tags = _Tags(Palette({t.name: _colour(t.colour) for t in rows.tags}))
    by_document: dict[int, list[AnnotationRow]] = {d.id: [] for d in rows.documents}
    for annotation in rows.annotations:
        by_document[annotation[0]].append(annotation)
    caveat = rows.caveat
    banner = f'<div class="caveat">{escape(caveat)}</div>\n' if caveat else ""
    title = f"{caveat} — Annotator report" if caveat else "Annotator report"
    contents = "".join(
        f'<li><a href="#doc-{d.id}" dir="auto">{escape(d.title)}</a></li>'
        for d in rows.documents
    )
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="generator" content="Annotator">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n{tags.palette.rules()}\n</style>\n"
        "</head>\n<body>\n"
        f"{banner}<header>\n<h1>Annotator report</h1>\n"
        f'<p class="summary">Exported {_time(rows.exported_at)} · '
        f"{len(rows.documents)} document(s) · {len(rows.annotations)} annotation(s)</p>\n"
        f"<nav><ol>{contents}</ol></nav>\n</header>\n"
    )
    progress = Progress(options, len(rows.annotations))
    done = 0
    with (
        gc_paused(),
        atomic_output(out) as tmp,
        tmp.open("wb") as handle,
    ):
        handle.write(head.encode())
        for document in rows.documents:
            annotations = by_document[document.id]
            _write_document(handle.write, document, annotations, tags, progress, done)
            done += len(annotations)
            progress.step(done)
        handle.write(f"{banner}</body>\n</html>\n".encode())
        progress.finish(done)
    return ExportResult(out, done)
