"""Small text helpers shared by the importers, the splitter, the exporters and the command line."""

from __future__ import annotations

import hashlib
import re

_LINE_ENDINGS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"})

# What a terminal acts on instead of showing: C0 and C1 controls and DEL (ESC sequences recolour,
# retitle or clear it; BEL rings; a newline breaks a one-line message), the Unicode line and
# paragraph separators, the bidi embeddings, overrides and isolates (they reorder the rest of
# the line as it is shown), and lone surrogates (a file name whose bytes are not UTF-8; the
# stream cannot even encode them). Joiners and the LRM/RLM marks stay: emoji and Arabic need them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")
# Controls and separators that have no place in a title; a run of them and of spaces becomes
# one space.
_TITLE_BREAKS = re.compile("[\\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def normalise_newlines(text: str) -> str:
    """Return `text` with CRLF, CR, NEL and Unicode line/paragraph separators made `\\n`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_LINE_ENDINGS)


def text_sha256(text: str) -> str:
    """Hex SHA-256 of `text` encoded as UTF-8 (how documents are matched by content)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        # Python keeps each byte of a file name that is not UTF-8 as U+DC80..U+DCFF
        # ("surrogateescape"): show that byte.
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` safe to print on a terminal or in a one-line message: control characters,
    line breaks, bidi overrides and undecodable file-name bytes shown as escapes (`\\x1b`,
    `\\n`, `\\u202e`, `\\xff`); everything else, Arabic and emoji included, unchanged.

    Backslashes are left alone so that Windows paths stay readable.
    """
    return _UNPRINTABLE.sub(_escape, text)


def json_printable(text: str) -> str:
    """JSON text (as `json.dumps(..., ensure_ascii=False)` writes it) with what `printable`
    escapes written as `\\uXXXX`: still the same JSON, safe to print."""
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def unicode_name(name: str) -> str:
    """A file name as valid Unicode (for storing it): bytes that were not UTF-8 become U+FFFD."""
    return _SURROGATE.sub("\ufffd", name)


def clean_title(title: str) -> str:
    """`title` on one line: control characters, line breaks and runs of spaces become one
    space, ends stripped, undecodable file-name bytes U+FFFD; other characters unchanged."""
    return _TITLE_BREAKS.sub(" ", unicode_name(title)).strip()
