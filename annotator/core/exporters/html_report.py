"""A printable, self-contained HTML report: each document's text with highlights and a table.

One file, inline CSS only: no script, no font, image or link to fetch (a Content-Security-Policy
forbids any), so it opens offline and prints. The handling caveat, when set, is a banner at the
top and at the bottom and leads the page title. Per document: title, date, issuer, source and
hash; the text with each span highlighted in its tag's colour; a legend; and a table of the
annotations (span, offsets, tags with their fields, note, author, times in UTC).

Overlapping annotations: the text is cut at every annotation boundary (and line break) into
segments; each highlighted segment shows the colours of all the tags covering it as horizontal
bands, is underlined when more than one annotation covers it, and has a title listing each
covering annotation's number, tags and author. A small superscript number marks where each
annotation starts, matching the table's "#" column (the title tooltip does not print).
Fields show as people read them: labels and choice labels with their ranges ("Likelihood: very
likely (80-95%)"), never the storage codes (`very_likely`) that the machine formats keep.
Each line of text is a paragraph with dir="auto", so right-to-left lines display correctly.
Everything from the data is escaped with html.escape. When printing, each document starts a page.

The report is written from the stored rows (`dataset.load_rows`) as it is made, a few thousand
paragraphs or table rows at a time: never whole in memory. Each distinct tag with its fields, and
each annotation's part of a highlight's title, is rendered once.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from html import escape
from itertools import chain
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
from annotator.core.fields import field_label, value_text
from annotator.core.files import atomic_output
from annotator.core.times import is_canonical, parse_stored_time

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
NO_COLOUR = "#999999"
ALPHA = "59"  # about 35% opacity: the text stays readable under the highlight
_BLANK = '<p class="blank"></p>'
# What html.escape changes, and a line break (which ends a paragraph).
_SPECIAL = re.compile("[&<>\"'\n]")
_OPEN = '<p dir="auto">'
_PIECES = 8192  # pieces of HTML per write
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
mark { color: inherit; border-radius: 2px; padding: 0 1px; }
mark.multi { border-bottom: 2px solid #333; }
sup.ref { font-size: .65em; color: #444; margin: 0 1px; }
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
            f"<li><b>{escape(label)}</b>: <span dir=\"auto\">"
            f"{escape(_value_text(name, field, value))}</span>{hint}</li>"
        )
    return '<ul class="fields">' + "".join(items) + "</ul>"


class _Tags:
    """Each distinct stored tag (name, fields JSON, suggested JSON) rendered once."""

    def __init__(self, colours: dict[str, str]) -> None:
        self.colours = colours
        self.decode = JsonTexts()
        self._cells: dict[TagRow, str] = {}
        self.groups: dict[tuple[TagRow, ...], str] = {}  # what `cell` made

    def cell(self, stored: tuple[TagRow, ...]) -> str:
        found = self.groups.get(stored)
        if found is None:
            found = self.groups[stored] = "".join(map(self._cell, stored))
        return found

    def _cell(self, stored: TagRow) -> str:
        found = self._cells.get(stored)
        if found is None:
            name, fields_text, suggested_text = stored
            fields = self.decode(fields_text) or {}
            suggested = tuple(self.decode(suggested_text))
            found = self._cells[stored] = (
                f'<div><span class="swatch" style="background-color:'
                f'{self.colours.get(name, NO_COLOUR)}{ALPHA}">{escape(name)}</span>'
                f"{_fields_html(name, fields, suggested)}</div>"
            )
        return found


def special_positions(text: str) -> list[int]:
    """Where `text` has a character that html.escape changes, then len(text) + 1 (an end
    marker): text[p:q] needs escaping only when one of these lies in range(p, q)."""
    return [m.start() for m in _SPECIAL.finditer(text)] + [len(text) + 1]


class _Highlighter:
    """Renders one document's text as paragraphs with highlighted segments, a few thousand
    paragraphs' worth of HTML at a time (`chunks`)."""

    def __init__(self, colours: dict[str, str], annotations: list[AnnotationRow]) -> None:
        # Annotations are known by their number ("#" in the table, from 1), in document order.
        # At each position: the annotations that end there, and those that start there.
        self.events: dict[int, tuple[list[int], list[int]]] = {}
        self.titles = [""]  # each annotation's part of a title, escaped
        # The colours of each annotation's tags, as a "kind": an index into kind_colours.
        self.kinds = [0]
        self.kind_colours: list[tuple[str, ...]] = [()]
        self.in_order = True  # numbered in the order of their starts
        # The same tags and author give the same title after the number, and the same kind.
        made: dict[tuple[TagRow, ...], dict[str, tuple[str, int]]] = {}
        kind_of: dict[tuple[str, ...], int] = {(): 0}
        events, titles, kinds = self.events, self.titles, self.kinds
        last = -1
        for number, row in enumerate(annotations, start=1):
            start, end, author, tags = row[1], row[2], row[4], row[12]
            event = events.get(start)
            if event is None:
                event = events[start] = ([], [])
            event[1].append(number)
            event = events.get(end)
            if event is None:
                event = events[end] = ([], [])
            event[0].append(number)
            by_author = made.get(tags)
            if by_author is None:
                by_author = made[tags] = {}
            found = by_author.get(author)
            if found is None:
                names = [tag[0] for tag in tags]
                tag_colours = tuple(colours.get(name, NO_COLOUR) for name in names)
                kind = kind_of.setdefault(tag_colours, len(kind_of))
                if kind == len(self.kind_colours):
                    self.kind_colours.append(tag_colours)
                found = by_author[author] = (
                    escape(f" {', '.join(names) or '(no tag)'} — {author}"), kind
                )
            titles.append(f"#{number}{found[0]}")
            kinds.append(found[1])
            if start < last:
                self.in_order = False
            last = start
        self._styles: dict[tuple[int, ...], str] = {}

    def _style(self, kinds: tuple[int, ...]) -> str:
        """The background of a segment covered by annotations of these kinds: the distinct
        colours of their tags, in order, as horizontal bands."""
        style = self._styles.get(kinds)
        if style is None:
            colours = tuple(
                dict.fromkeys(chain.from_iterable(map(self.kind_colours.__getitem__, kinds)))
            ) or (NO_COLOUR,)
            if len(colours) == 1:
                style = f"background-color:{colours[0]}{ALPHA}"
            else:
                step = 100 / len(colours)
                bands = ", ".join(
                    f"{c}{ALPHA} {i * step:.4g}% {(i + 1) * step:.4g}%"
                    for i, c in enumerate(colours)
                )
                style = f"background-image:linear-gradient(180deg, {bands})"
            self._styles[kinds] = style
        return style

    def chunks(self, text: str, specials: list[int]) -> Iterator[tuple[str, int]]:
        """The paragraphs as HTML in pieces, each with the number of annotations started;
        `specials` is `special_positions(text)`.

        The hot loop of the report: one turn per segment of text between two annotation
        boundaries or line breaks, each highlighted segment a <mark> whose title names every
        annotation covering it.
        """
        events, titles, kinds, styles = self.events, self.titles, self.kinds, self._styles
        in_order = self.in_order
        points = set(events)
        points.update((0, len(text)))
        for match in re.finditer("\n", text):
            points.update((match.start(), match.end()))
        ordered = sorted(p for p in points if 0 <= p <= len(text))
        active: dict[int, None] = {}
        mark = ""  # the <mark ...> of the active annotations, made when first needed
        # The kinds of the active annotations (distinct, in order) and the title listing them,
        # known while only annotations numbered after them were added since they were made.
        key: tuple[int, ...] = ()
        title = ""
        known = True
        # The HTML so far, in pieces. buf[opening] is where the current paragraph starts: its
        # <p> (after a line break, unless it is the first) or, if it stays empty, a blank one;
        # -1 once it is written, because a piece was sent before its end.
        buf: list[str] = [""]
        append = buf.append
        opening, first = 0, True
        started = breaks = special = 0
        fromkeys, join = dict.fromkeys, "; ".join
        title_of, kind_of = titles.__getitem__, kinds.__getitem__
        for p, q in zip(ordered, ordered[1:], strict=False):
            event = events.get(p)
            if event is not None:
                ending, beginning = event
                if ending:
                    for number in ending:
                        active.pop(number, None)
                    known = False
                if beginning:
                    for number in beginning:
                        active[number] = None
                        append(f'<sup class="ref">{number}</sup>')
                    started += len(beginning)
                    if known and in_order:  # added after the others: extend key and title
                        for kind in map(kind_of, beginning):
                            if kind not in key:
                                key += (kind,)
                        added = join(map(title_of, beginning))
                        title = f"{title}; {added}" if title else added
                    else:
                        known = False
                mark = ""
            segment = text[p:q]
            while specials[special] < p:
                special += 1
            if specials[special] < q:
                if segment == "\n":
                    if opening < 0:
                        append("</p>")
                    elif len(buf) > opening + 1:
                        buf[opening] = _OPEN if first else "\n" + _OPEN
                        append("</p>")
                    else:
                        buf[opening] = _BLANK if first else "\n" + _BLANK
                    first = False
                    breaks += 1
                    if len(buf) >= _PIECES:
                        yield "".join(buf), started
                        buf = []
                        append = buf.append
                    opening = len(buf)
                    append("")
                    continue
                segment = escape(segment)
            if active:
                if not mark:
                    if not known:
                        covering = active if in_order else sorted(active)
                        key = tuple(fromkeys(map(kind_of, covering)))
                        title = join(map(title_of, covering))
                        known = True
                    style = styles.get(key) or self._style(key)
                    multi = ' class="multi"' if len(active) > 1 else ""
                    mark = f'<mark{multi} style="{style}" title="{title}">'
                append(mark)
                append(segment)
                append("</mark>")
            else:
                append(segment)
            if len(buf) >= _PIECES and opening >= 0:  # a paragraph longer than a piece
                buf[opening] = _OPEN if first else "\n" + _OPEN
                yield "".join(buf), started
                buf = []
                append = buf.append
                opening = -1
        if opening < 0:
            append("</p>")
        elif len(buf) > opening + 1:
            buf[opening] = _OPEN if first else "\n" + _OPEN
            append("</p>")
        elif not breaks:
            buf[opening] = _BLANK
        # else: the text's final line break opens no new line
        yield "".join(buf), started


def _meta(document: DatasetDocument, count: int) -> str:
    meta = [
        f"Date: {document.published.isoformat()}" if document.published else "Date: unknown",
        f"Issuer: {document.issuer}" if document.issuer else "",
        f"Source: {document.source_name}",
        f"SHA-256: {document.sha256}",
        f"{count} annotation(s)",
    ]
    return escape(" · ".join(m for m in meta if m))


def _legend(annotations: list[AnnotationRow], colours: dict[str, str]) -> str:
    counts: dict[str, int] = dict.fromkeys(colours, 0)
    for annotation in annotations:
        for name, _fields, _suggested in annotation.tags:
            counts[name] = counts.get(name, 0) + 1
    legend = "".join(
        f'<span class="swatch" style="background-color:{colours.get(name, NO_COLOUR)}{ALPHA}">'
        f"{escape(name)} ({count})</span>"
        for name, count in counts.items()
        if count
    )
    return f'<div class="legend">Legend: {legend}</div>\n' if legend else ""


_TABLE_HEAD = (
    "<table><thead><tr><th>#</th><th>Span</th><th>Offsets</th><th>Tags and fields</th>"
    "<th>Note</th><th>Author</th><th>Created</th><th>Modified</th></tr></thead>\n<tbody>\n"
)


def _table_rows(
    document: DatasetDocument, annotations: list[AnnotationRow], tags: _Tags, specials: list[int]
) -> Iterator[tuple[str, int]]:
    """The table's rows, about _ROWS at a time, with the number of rows so far; `specials` is
    `special_positions(document.text)`."""
    text = document.text
    groups = tags.groups
    authors: dict[str, str] = {}
    out: list[str] = []
    for number, (
        _document_id, start, end, annotation_id, author, created, modified, note, _status,
        _reviewer, _reviewed_at, _comment, stored_tags, _history,
    ) in enumerate(annotations, start=1):
        author_cell = authors.get(author)
        if author_cell is None:
            author_cell = authors[author] = escape(author)
        created_cell = (
            f"{created[:10]} {created[11:19]} UTC"
            if len(created) == 32 and created[19] == "." and created.endswith("+00:00")
            and created[10] == "T" and created[0] != "0"
            else _stored_time(created)
        )
        span = text[start:end]
        if specials[bisect_left(specials, start)] < end:
            span = escape(span)
        out.append(
            f'<tr id="a-{annotation_id}"><td>{number}</td><td class="span" dir="auto">{span}</td>'
            f"<td>{start}–{end}</td><td>{groups.get(stored_tags) or tags.cell(stored_tags)}</td>"
            f'<td class="note" dir="auto">{escape(note) if note else ""}</td>'
            f'<td dir="auto">{author_cell}</td><td>{created_cell}</td>'
            f"<td>{created_cell if modified == created else _stored_time(modified)}</td></tr>"
        )
        if len(out) >= _ROWS:
            yield "\n".join(out), number
            out = []
    if out:
        yield "\n".join(out), len(annotations)


def _write_document(
    write: Callable[[str], Any],
    document: DatasetDocument,
    annotations: list[AnnotationRow],
    colours: dict[str, str],
    tags: _Tags,
    progress: Progress,
    before: int,
) -> None:
    """Write one document's section as it is made. Progress is reported as it goes: each
    annotation counts half when it is highlighted and half when its table row is written."""

    def step(twice: int) -> None:
        progress.step(before + twice // 2)

    write(
        f'<section class="document" id="doc-{document.id}">\n'
        f'<h2 dir="auto">{escape(document.title)}</h2>\n'
        f'<p class="meta">{_meta(document, len(annotations))}</p>\n'
        f'{_legend(annotations, colours)}<div class="text">\n'
    )
    specials = special_positions(document.text)
    for html, started in _Highlighter(colours, annotations).chunks(document.text, specials):
        write(html)
        step(started)
    write("\n</div>\n")
    if annotations:
        write(_TABLE_HEAD)
        first = True
        for html, done in _table_rows(document, annotations, tags, specials):
            write(html if first else "\n" + html)
            first = False
            step(len(annotations) + done)
        write("\n</tbody></table>")
    else:
        write("<p>No annotations.</p>")
    write("\n</section>\n")


def write_html(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the report (atomically); ExportFailed if it cannot be written."""
    return write_html_rows(rows_from_dataset(dataset, with_history=False), out, options)


def write_html_rows(rows: DatasetRows, out: Path, options: ExportOptions) -> ExportResult:
    """`write_html` straight from stored rows (`load_rows`): the fast path of `export_store`.

    Each document's section is written as it is made: the report is never whole in memory.
    """
    colours = {t.name: _colour(t.colour) for t in rows.tags}
    by_document: dict[int, list[AnnotationRow]] = {d.id: [] for d in rows.documents}
    for annotation in rows.annotations:
        by_document[annotation.document_id].append(annotation)
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
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"{banner}<header>\n<h1>Annotator report</h1>\n"
        f'<p class="summary">Exported {_time(rows.exported_at)} · '
        f"{len(rows.documents)} document(s) · {len(rows.annotations)} annotation(s)</p>\n"
        f"<nav><ol>{contents}</ol></nav>\n</header>\n"
    )
    progress = Progress(options, len(rows.annotations))
    tags = _Tags(colours)
    done = 0
    with (
        gc_paused(),
        atomic_output(out) as tmp,
        tmp.open("w", encoding="utf-8", newline="\n") as handle,
    ):
        handle.write(head)
        for document in rows.documents:
            annotations = by_document[document.id]
            _write_document(handle.write, document, annotations, colours, tags, progress, done)
            done += len(annotations)
            progress.step(done)
        handle.write(f"{banner}</body>\n</html>\n")
        progress.finish(done)
    return ExportResult(out, done)
