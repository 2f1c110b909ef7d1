"""Small text helpers shared by the importers, the splitter and the exporters."""

from __future__ import annotations

import hashlib

_LINE_ENDINGS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"})


def normalise_newlines(text: str) -> str:
    """Return `text` with CRLF, CR, NEL and Unicode line/paragraph separators made `\\n`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_LINE_ENDINGS)


def text_sha256(text: str) -> str:
    """Hex SHA-256 of `text` encoded as UTF-8 (how documents are matched by content)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
