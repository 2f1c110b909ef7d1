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
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument, DatasetTag
from annotator.core.exporters.common import ExportOptions, ExportResult, Progress, is_number
from annotator.core.fields import field_label, value_text
from annotator.core.files import atomic_output

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
NO_COLOUR = "#999999"
ALPHA = "59"  # about 35% opacity: the text stays readable under the highlight

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


def _value_text(tag: str, name: str, value: Any) -> str:
    if isinstance(value, bool | str) or is_number(value):
        return value_text(tag, name, value)
    return repr(value)


def _fields_html(tag: DatasetTag) -> str:
    if not tag.fields:
        return ""
    items = []
    for name, value in tag.fields.items():
        label = field_label(tag.name, name)
        hint = ' <span class="suggested">(suggested)</span>' if name in tag.suggested else ""
        items.append(
            f"<li><b>{escape(label)}</b>: <span dir=\"auto\">"
            f"{escape(_value_text(tag.name, name, value))}</span>{hint}</li>"
        )
    return '<ul class="fields">' + "".join(items) + "</ul>"


class _Highlighter:
    """Renders one document's text as paragraphs with highlighted segments."""

    def __init__(self, colours: dict[str, str], annotations: list[DatasetAnnotation]) -> None:
        self.colours = colours
        self.number = {a.id: n for n, a in enumerate(annotations, start=1)}
        self.starts: dict[int, list[DatasetAnnotation]] = defaultdict(list)
        self.ends: dict[int, list[DatasetAnnotation]] = defaultdict(list)
        for annotation in annotations:
            self.starts[annotation.start].append(annotation)
            self.ends[annotation.end].append(annotation)

    def _mark(self, text: str, active: list[DatasetAnnotation]) -> str:
        colours = list(
            dict.fromkeys(self.colours.get(t.name, NO_COLOUR) for a in active for t in a.tags)
        ) or [NO_COLOUR]
        if len(colours) == 1:
            style = f"background-color:{colours[0]}{ALPHA}"
        else:
            step = 100 / len(colours)
            bands = ", ".join(
                f"{c}{ALPHA} {i * step:.4g}% {(i + 1) * step:.4g}%" for i, c in enumerate(colours)
            )
            style = f"background-image:linear-gradient(180deg, {bands})"
        title = "; ".join(
            f"#{self.number[a.id]} {', '.join(a.tag_names) or '(no tag)'} — {a.author}"
            for a in active
        )
        multi = ' class="multi"' if len(active) > 1 else ""
        return (
            f'<mark{multi} style="{style}" title="{escape(title)}">{escape(text)}</mark>'
        )

    def render(self, text: str) -> str:
        points = {0, len(text)} | set(self.starts) | set(self.ends)
        for match in re.finditer("\n", text):
            points.update((match.start(), match.end()))
        ordered = sorted(p for p in points if 0 <= p <= len(text))
        active: dict[int, DatasetAnnotation] = {}
        lines: list[list[str]] = [[]]
        for p, q in zip(ordered, ordered[1:], strict=False):
            for annotation in self.ends.get(p, ()):
                active.pop(annotation.id, None)
            for annotation in self.starts.get(p, ()):
                active[annotation.id] = annotation
                lines[-1].append(f'<sup class="ref">{self.number[annotation.id]}</sup>')
            segment = text[p:q]
            if segment == "\n":
                lines.append([])
            elif active:
                covering = sorted(active.values(), key=lambda a: self.number[a.id])
                lines[-1].append(self._mark(segment, covering))
            else:
                lines[-1].append(escape(segment))
        if not lines[-1] and len(lines) > 1:
            lines.pop()  # the text's final line break opens no new line
        return "\n".join(
            '<p dir="auto">' + "".join(parts) + "</p>" if parts else '<p class="blank"></p>'
            for parts in lines
        )


def _document_html(
    document: DatasetDocument, annotations: list[DatasetAnnotation], colours: dict[str, str]
) -> str:
    meta = [
        f"Date: {document.published.isoformat()}" if document.published else "Date: unknown",
        f"Issuer: {document.issuer}" if document.issuer else "",
        f"Source: {document.source_name}",
        f"SHA-256: {document.sha256}",
        f"{len(annotations)} annotation(s)",
    ]
    counts: dict[str, int] = dict.fromkeys(colours, 0)
    for annotation in annotations:
        for tag in annotation.tags:
            counts[tag.name] = counts.get(tag.name, 0) + 1
    legend = "".join(
        f'<span class="swatch" style="background-color:{colours.get(name, NO_COLOUR)}{ALPHA}">'
        f"{escape(name)} ({count})</span>"
        for name, count in counts.items()
        if count
    )
    rows = []
    for number, a in enumerate(annotations, start=1):
        tags = "".join(
            f'<div><span class="swatch" style="background-color:'
            f'{colours.get(t.name, NO_COLOUR)}{ALPHA}">{escape(t.name)}</span>'
            f"{_fields_html(t)}</div>"
            for t in a.tags
        )
        rows.append(
            f'<tr id="a-{a.id}"><td>{number}</td>'
            f'<td class="span" dir="auto">{escape(document.text[a.start : a.end])}</td>'
            f"<td>{a.start}–{a.end}</td><td>{tags}</td>"
            f'<td class="note" dir="auto">{escape(a.note)}</td><td dir="auto">{escape(a.author)}'
            f"</td><td>{_time(a.created)}</td><td>{_time(a.modified)}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>#</th><th>Span</th><th>Offsets</th><th>Tags and fields</th>"
        "<th>Note</th><th>Author</th><th>Created</th><th>Modified</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
        if rows
        else "<p>No annotations.</p>"
    )
    text = _Highlighter(colours, annotations).render(document.text)
    return (
        f'<section class="document" id="doc-{document.id}">\n'
        f'<h2 dir="auto">{escape(document.title)}</h2>\n'
        f'<p class="meta">{escape(" · ".join(m for m in meta if m))}</p>\n'
        + (f'<div class="legend">Legend: {legend}</div>\n' if legend else "")
        + f'<div class="text">\n{text}\n</div>\n{table}\n</section>\n'
    )


def write_html(dataset: Dataset, out: Path, options: ExportOptions) -> ExportResult:
    """Write the report (atomically); ExportFailed if it cannot be written."""
    colours = {t.name: _colour(t.colour) for t in dataset.tags}
    by_document: dict[int, list[DatasetAnnotation]] = {d.id: [] for d in dataset.documents}
    for annotation in dataset.annotations:
        by_document[annotation.document_id].append(annotation)
    caveat = dataset.caveat
    banner = f'<div class="caveat">{escape(caveat)}</div>\n' if caveat else ""
    title = f"{caveat} — Annotator report" if caveat else "Annotator report"
    contents = "".join(
        f'<li><a href="#doc-{d.id}" dir="auto">{escape(d.title)}</a></li>'
        for d in dataset.documents
    )
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="generator" content="Annotator">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"{banner}<header>\n<h1>Annotator report</h1>\n"
        f'<p class="summary">Exported {_time(dataset.exported_at)} · '
        f"{len(dataset.documents)} document(s) · {len(dataset.annotations)} annotation(s)</p>\n"
        f"<nav><ol>{contents}</ol></nav>\n</header>\n"
    )
    progress = Progress(options, len(dataset.annotations))
    done = 0
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(head)
        for document in dataset.documents:
            annotations = by_document[document.id]
            handle.write(_document_html(document, annotations, colours))
            done += len(annotations)
            progress.step(done)
        handle.write(f"{banner}</body>\n</html>\n")
        progress.finish(done)
    return ExportResult(out, done)
