"""Markdown (.md): the text an analyst would read, without the markup.

Headings become their own lines, emphasis and links are unwrapped, list items keep a "- " or
"1. " bullet, quotes lose their ">", code stays as plain lines, rules and comments go.
Hard-wrapped paragraph lines are kept as they are (the sentence splitter joins them).
"""

from __future__ import annotations

import re

from annotator.core.importers.document import Converted, FormatHints
from annotator.core.importers.plain import strip_links

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")
_QUOTE = re.compile(r" {0,3}> ?")
_BULLET = re.compile(r"([ \t]*)[-*+][ \t]+(.*)")
_NUMBERED = re.compile(r"([ \t]*)(\d{1,9})[.)][ \t]+(.*)")
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\[\]\n]{1,1000}\]:[ \t]*\S")
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_SETEXT = re.compile(r" {0,3}(?:=+|-{2,})[ \t]*")

# Inline markup. Every pattern is bounded and excludes its own delimiter where it can, so a
# long line full of "*", "_" or "`" stays linear.
_CODE_SPAN = re.compile(r"``([^\n]{1,1000}?)``|`([^`\n]{1,1000})`")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]{1,2000}|mailto:[^\s<>]{1,500})>")
_REFERENCE_LINK = re.compile(r"!?\[([^\[\]\n]{1,1000})\]\[[^\[\]\n]{0,200}\]")
# Strong text may hold single markers ("**a *b* c**") but never the closing pair, so a scan
# from one opening stops at the next pair.
_STRONG = re.compile(r"\*\*(?=\S)((?:[^*\n]|\*(?!\*)){1,1000}?)(?<=\S)\*\*")
_STRONG_UNDERSCORE = re.compile(r"(?<!\w)__(?=\S)((?:[^_\n]|_(?!_)){1,1000}?)(?<=\S)__(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)([^~\n]{1,1000}?)(?<=\S)~~")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]{1,1000}?)(?<=[^\s*])\*(?![*\w])")
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![_\w])_(?=[^\s_])([^_\n]{1,1000}?)(?<=[^\s_])_(?![_\w])")

_FRONT_MATTER_KEYS = {
    "title": "title",
    "date": "date",
    "published": "date",
    "author": "issuer",
    "publisher": "issuer",
    "issuer": "issuer",
    "lang": "language",
    "language": "language",
}


def convert_inline(line: str) -> str:
    """Unwrap inline markdown in one line: code, escapes, links, images, emphasis."""
    # Decoded text never holds NUL (it is refused as binary), so NUL-delimited placeholders
    # cannot clash with content; they keep code spans and escaped characters out of reach.
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    if "`" in line:
        line = _CODE_SPAN.sub(lambda m: keep((m.group(1) or m.group(2)).strip() or " "), line)
    if "\\" in line:
        line = _ESCAPE.sub(lambda m: keep(m.group(1)), line)
    if "[" in line:
        line = strip_links(line)
        line = _REFERENCE_LINK.sub(r"\1", line)
    if "<" in line:
        line = _AUTOLINK.sub(r"\1", line)
    if "*" in line:
        line = _STRONG.sub(r"\1", line)
        line = _EMPHASIS.sub(r"\1", line)
    if "_" in line:
        line = _STRONG_UNDERSCORE.sub(r"\1", line)
        line = _EMPHASIS_UNDERSCORE.sub(r"\1", line)
    if "~" in line:
        line = _STRIKE.sub(r"\1", line)
    if kept:
        line = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], line)
    return line


def _split_front_matter(text: str) -> tuple[str, FormatHints]:
    """Remove a YAML-style front matter block and keep the fields the metadata can use."""
    if not text.startswith("---\n"):
        return text, FormatHints()
    lines = text.split("\n", 200)
    end = next(
        (i for i, line in enumerate(lines[1:200], start=1) if line.rstrip() in ("---", "...")),
        None,
    )
    if end is None:
        return text, FormatHints()
    for line in lines[1:end]:
        if line.strip() and not re.match(r"[A-Za-z_][\w-]*:|[ \t]|-", line):
            return text, FormatHints()
    found: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        field = _FRONT_MATTER_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'").strip()
        if sep and field and value and field not in found:
            found[field] = value
    rest = "\n".join(lines[end + 1 :])
    return rest, FormatHints(**found)


def _drop_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """Remove HTML comments from `line`; a comment may span lines (`in_comment`)."""
    out: list[str] = []
    pos = 0
    while True:
        if in_comment:
            end = line.find("-->", pos)
            if end < 0:
                return "".join(out), True
            pos = end + 3
            in_comment = False
        start = line.find("<!--", pos)
        if start < 0:
            out.append(line[pos:])
            return "".join(out), False
        out.append(line[pos:start])
        pos = start + 4
        in_comment = True


def _is_rule(line: str) -> bool:
    marks = line.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and len(set(marks)) == 1 and marks[0] in "-*_"


def _table_row(line: str) -> str:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return " | ".join(convert_inline(cell) for cell in cells if cell)


class _Writer:
    """Collects output lines; blank lines separate blocks and never pile up."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def add(self, line: str) -> None:
        self.lines.append(line.rstrip())

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""


def convert_markdown(text: str) -> Converted:
    """Turn decoded markdown into plain annotatable text (see the module docstring)."""
    body, hints = _split_front_matter(text)
    out = _Writer()
    fence: str | None = None
    in_comment = False
    after_paragraph = False
    for raw in body.split("\n"):
        if fence is not None:
            if raw.strip().startswith(fence) and not raw.strip().strip(fence[0]):
                fence = None
                out.blank()
            else:
                out.add(raw)
            continue
        line = raw
        if in_comment or "<!--" in raw:
            line, in_comment = _drop_comments(raw, in_comment)
            if not line.strip():
                continue
        while match := _QUOTE.match(line):
            line = line[match.end() :]
        if not line.strip():
            out.blank()
            after_paragraph = False
            continue
        paragraph = False
        if (match := _FENCE.match(line)) and "`" not in line[match.end() :]:
            fence = match.group(1)
            out.blank()
        elif _LINK_DEFINITION.match(line):
            pass
        elif match := _ATX.match(line):
            heading = line[match.end() :].rstrip()
            unclosed = heading.rstrip("#")
            if not unclosed or unclosed.endswith((" ", "\t")):
                heading = unclosed.rstrip()
            out.blank()
            if heading:
                out.add(convert_inline(heading))
            out.blank()
        elif (after_paragraph and _SETEXT.fullmatch(line)) or _is_rule(line):
            out.blank()  # a setext heading underline or a horizontal rule
        elif _TABLE_DELIMITER.fullmatch(line) and "|" in line:
            pass
        elif line.lstrip().startswith("|"):
            out.add(_table_row(line))
        elif match := _BULLET.fullmatch(line):
            out.add(f"{match.group(1)}- {convert_inline(match.group(2))}")
        elif match := _NUMBERED.fullmatch(line):
            out.add(f"{match.group(1)}{match.group(2)}. {convert_inline(match.group(3))}")
        else:
            out.add(convert_inline(line))
            paragraph = True
        after_paragraph = paragraph
    return Converted(out.text(), hints)
