"""HTML (.html/.htm/.xhtml): the readable text of a saved page, parsed with the stdlib parser.

Page furniture (navigation, banners, footers, scripts, forms, hidden elements) is dropped;
headings, paragraphs, list items, table rows and `<br>` become lines; blocks are separated
by a blank line. Nothing is ever fetched: links, images and stylesheets are not followed.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from annotator.core.importers.document import Converted, FormatHints

_DROPPED = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "aside", "form", "button", "svg",
        "iframe", "object", "embed", "canvas", "select", "textarea", "dialog", "head", "math",
        "title",
    }
)  # fmt: skip
_DROPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
# <header>/<footer> are the page banner/footer only outside these (the ARIA landmark rule);
# inside an <article> they carry the article's own heading and date.
_SECTIONING = frozenset({"article", "main", "section", "aside", "nav"})
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen",
    }
)  # fmt: skip
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Kinds of line that follow each other without a blank line between them.
_TIGHT_KINDS = frozenset({"li", "tr", "dl"})

_ISSUER_META = ("citation_publisher", "dc.publisher", "dcterms.publisher", "og:site_name")
_DATE_META = (
    "article:published_time", "citation_publication_date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "citation_date", "date", "pubdate", "publish_date",
)  # fmt: skip
_TITLE_META = ("citation_title", "dc.title", "dcterms.title", "og:title")

_CHARSET = re.compile(rb"<meta[^>]{0,500}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.I)
# Browsers read these labels as Windows-1252 (WHATWG Encoding Standard).
_CP1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819", "us-ascii", "ascii",
     "windows-1252", "cp1252", "x-cp1252"}
)  # fmt: skip
_LOOKS_LIKE_HTML = re.compile(
    r"\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,2000}?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S,
)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in `<meta>` within its first 4 KB, if usable."""
    match = _CHARSET.search(data[:4096])
    if match is None:
        return None
    label = match.group(1).decode("ascii").lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    if label.startswith(("utf-16", "utf-32", "x-user-defined")):
        # A page that is really UTF-16 has a BOM; without one, the label is wrong.
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def looks_like_html(text: str) -> bool:
    """Whether decoded text starts like an HTML document (doctype, <html>, <head>, <body>)."""
    return _LOOKS_LIKE_HTML.match(text[:8192]) is not None


@dataclass
class _Open:
    tag: str
    skip: bool


class _TextExtractor(HTMLParser):
    """Collects block-structured text and the metadata of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[_Open] = []
        self._open: Counter[str] = Counter()  # open elements by tag: O(1) ancestor checks
        self._skipping = 0
        self._buffer: list[str] = []
        self._kind = "p"
        self._tight = False
        self._prefix = ""
        self._pre = 0
        self._cells: list[str] | None = None
        self._list_counters: list[int | None] = []  # None for <ul>, next number for <ol>
        self._out: list[str] = []
        self._last_kind = ""
        self._title: list[str] | None = None
        self.page_title: str | None = None
        self.first_h1: str | None = None
        self.language: str | None = None
        self.meta: dict[str, str] = {}

    # ----- output
    def _emit(self, line: str, kind: str) -> None:
        if self._out:
            tight = self._tight or (kind == self._last_kind and kind in _TIGHT_KINDS)
            self._out.append("\n" if tight else "\n\n")
        self._out.append(line)
        self._last_kind = kind
        if kind == "h1" and self.first_h1 is None:
            self.first_h1 = line

    def _flush(self) -> None:
        raw = "".join(self._buffer)
        self._buffer.clear()
        if self._kind == "pre":
            lines = [line.rstrip() for line in raw.strip("\n").split("\n")]
            text = "\n".join(lines).strip("\n")
        else:
            text = " ".join(raw.split())
        if text:
            self._emit(self._prefix + text, self._kind)
            self._prefix = " " * len(self._prefix)

    def _finish_cell(self) -> None:
        if self._cells is not None:
            cell = " ".join("".join(self._buffer).split())
            self._buffer.clear()
            if cell:
                self._cells.append(cell)

    def _finish_row(self) -> None:
        if self._cells is not None:
            self._finish_cell()
            if self._cells:
                self._emit(" | ".join(self._cells), "tr")
            self._cells = None

    def _block_boundary(self, kind: str) -> None:
        if self._cells is not None:
            self._buffer.append(" ")
            return
        self._flush()
        self._tight = False
        self._kind = kind

    # ----- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(dict(attrs))
            return
        if tag == "html":
            values = dict(attrs)
            self.language = self.language or values.get("lang") or values.get("xml:lang")
        if tag == "body":
            self._pop_to("head")
        if tag in _VOID:
            if tag == "br" and not self._skipping:
                self._line_break()
            elif tag == "hr" and not self._skipping:
                self._block_boundary("p")
            return
        if (
            tag == "title"
            and self.page_title is None
            and self._title is None
            and not self._open["svg"]
        ):
            self._title = []
        skip = self._is_dropped(tag, attrs)
        self._stack.append(_Open(tag, skip))
        self._open[tag] += 1
        if skip:
            self._skipping += 1
        if self._skipping:
            return
        if tag in _BLOCKS:
            self._start_block(tag, attrs)

    def _start_block(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            if self._cells is None:
                self._block_boundary("tr")
                self._cells = []
            self._finish_cell()
        elif tag == "tr":
            self._finish_row()
            self._block_boundary("tr")
            self._cells = []
        elif tag in ("ul", "ol", "menu"):
            self._block_boundary(self._default_kind())
            if self._default_kind() == "p":
                self._last_kind = ""  # a new top-level list starts after a blank line
            start = dict(attrs).get("start") or "1"
            number = int(start) if start.isdigit() and len(start) < 9 else 1
            self._list_counters.append(number if tag == "ol" else None)
        elif tag == "li":
            self._block_boundary("li")
            self._prefix = self._bullet()
        else:
            if tag in _HEADINGS or tag == "pre":
                kind = tag
            elif tag in ("dt", "dd"):
                kind = "dl"
            else:
                kind = self._default_kind()
            self._block_boundary(kind)
            if tag == "pre":
                self._pre += 1

    def _default_kind(self) -> str:
        """Blocks inside a list item stay tight with the item's lines."""
        return "li" if self._open["li"] else "p"

    def _bullet(self) -> str:
        indent = "  " * max(len(self._list_counters) - 1, 0)
        if not self._list_counters or self._list_counters[-1] is None:
            return f"{indent}- "
        number = self._list_counters[-1]
        self._list_counters[-1] = number + 1
        return f"{indent}{number}. "

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # "</br>" is read as <br> by browsers
            self.handle_starttag("br", [])
            return
        if tag in _VOID:
            return
        self._pop_to(tag)

    def _pop_to(self, tag: str) -> None:
        if not self._open[tag]:
            return  # a stray end tag: ignore it, as browsers do
        while self._stack:
            element = self._stack.pop()
            self._close(element)
            if element.tag == tag:
                return

    def _close(self, element: _Open) -> None:
        self._open[element.tag] -= 1
        if element.tag == "title" and self._title is not None:
            self.page_title = " ".join("".join(self._title).split()) or None
            self._title = None
        if element.skip:
            self._skipping -= 1
            return
        if self._skipping or element.tag not in _BLOCKS:
            return
        if element.tag in ("td", "th"):
            self._finish_cell()
        elif element.tag in ("tr", "table"):
            self._finish_row()
            self._block_boundary(self._default_kind())
        elif element.tag in ("ul", "ol", "menu"):
            self._block_boundary(self._default_kind())
            if self._list_counters:
                self._list_counters.pop()
            self._prefix = ""
        else:
            self._block_boundary(self._default_kind())
            if element.tag == "li":
                self._prefix = ""
            elif element.tag == "pre":
                self._pre = max(self._pre - 1, 0)
                if self._pre:
                    self._kind = "pre"

    def _line_break(self) -> None:
        if self._cells is not None or self._pre:
            self._buffer.append(" " if self._cells is not None else "\n")
            return
        kind = self._kind
        self._flush()
        self._kind = kind
        self._tight = True

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)
        if not self._skipping:
            self._buffer.append(data)

    def _is_dropped(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _DROPPED:
            return True
        if tag in ("header", "footer") and not any(self._open[name] for name in _SECTIONING):
            return True
        values = {name: (value or "").strip().lower() for name, value in attrs}
        if "hidden" in values or values.get("aria-hidden") == "true":
            return True
        if values.get("role") in _DROPPED_ROLES:
            return True
        style = values.get("style", "").replace(" ", "")
        return "display:none" in style or "visibility:hidden" in style

    def _meta(self, attrs: dict[str, str | None]) -> None:
        key = attrs.get("name") or attrs.get("property") or attrs.get("http-equiv") or ""
        content = " ".join((attrs.get("content") or "").split())
        if key and content:
            self.meta.setdefault(key.strip().lower(), content)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """Treat a malformed `<![...]>` section as a comment instead of raising."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def finish(self) -> str:
        """Close the parse and return the text, ending with a newline when not empty."""
        self.close()
        while self._stack:
            self._close(self._stack.pop())
        self._finish_row()
        self._flush()
        text = "".join(self._out)
        return text + "\n" if text else ""


def _first(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((meta[key] for key in keys if meta.get(key)), None)


def _defuse(text: str) -> str:
    """Neutralise constructs that can never be completed.

    Python 3.11's parser rescans to the end of the input for each of them, which is quadratic
    on malformed pages ("<a <a <a ..." takes seconds for 40 KB). Browsers read an unclosed
    comment as running to the end, and a "<" after the last ">" as text; so do we.
    """
    opened = text.rfind("<!--")
    if opened >= 0 and text.find("-->", opened + 4) < 0:
        # The first "<!--" with no "-->" after it starts past the last "-->" minus 3.
        last_close = text.rfind("-->")
        text = text[: text.find("<!--", max(last_close - 3, 0))]
    tail = text.rfind(">") + 1
    if "<" in text[tail:]:
        text = text[:tail] + text[tail:].replace("<", "&lt;")
    return text


def convert_html(text: str) -> Converted:
    """Extract the readable text and declared metadata of an HTML page (never fetches)."""
    parser = _TextExtractor()
    parser.feed(_defuse(text))
    body = parser.finish()
    page_title = parser.page_title
    if page_title and " | " in page_title:
        page_title = page_title.split(" | ", 1)[0].strip() or page_title
    hints = FormatHints(
        title=parser.first_h1,
        fallback_title=_first(parser.meta, _TITLE_META) or page_title,
        issuer=_first(parser.meta, _ISSUER_META),
        fallback_issuer=parser.meta.get("author"),
        date=_first(parser.meta, _DATE_META),
        language=parser.language or parser.meta.get("content-language"),
    )
    return Converted(body, hints)
