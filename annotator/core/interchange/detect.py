"""Recognise annotation files by their content (not their name) and read them.

`annotator import` hands every file here first: an annotation export (our JSON Lines spans, a
W3C Web Annotation collection, a REFI-QDA project) is merged into the database; anything else is
imported as a briefing.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from annotator.core.errors import ImportRefused
from annotator.core.interchange.records import IncomingSet

HEAD_BYTES = 64 * 1024


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""  # the briefing importer reports missing/unreadable files


def annotation_format(path: Path) -> str | None:
    """"jsonl-spans", "w3c" or "refi-qda" when `path` is an annotation file, else None."""
    if not path.is_file():
        return None
    head = _head(path)
    if head.startswith(b"PK"):
        from annotator.core.interchange.refiqda import looks_like_qdpx

        try:
            return "refi-qda" if looks_like_qdpx(path) else None
        except (OSError, zipfile.BadZipFile):
            return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] not in (b"{", b"["):
        return None
    from annotator.core.interchange.jsonl import looks_like_spans_jsonl
    from annotator.core.interchange.w3c import looks_like_w3c

    if looks_like_spans_jsonl(head):
        return "jsonl-spans"
    if looks_like_w3c(head):
        return "w3c"
    return None


def read_annotation_file(path: Path, fmt: str) -> IncomingSet:
    """Read an annotation file of a format found by `annotation_format`; ImportRefused if bad."""
    if fmt == "jsonl-spans":
        from annotator.core.interchange.jsonl import read_spans_jsonl

        return read_spans_jsonl(path)
    if fmt == "w3c":
        from annotator.core.interchange.w3c import read_w3c

        return read_w3c(path)
    if fmt == "refi-qda":
        from annotator.core.interchange.refiqda import read_qdpx

        return read_qdpx(path)
    raise ImportRefused(f"{path.name}: unknown annotation format {fmt!r}; nothing imported")
