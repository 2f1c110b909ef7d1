"""Source texts a project keeps outside its archive (REFI-QDA `relative://`, `absolute://`).

A relative path is looked up in the project's folders (its `basePath` when that is an absolute
folder here, then the folder holding the .qdpx) and never leads out of the folder it is found in
("..", links pointing out: see `safety.file_inside`). An absolute path is read where it points;
when nothing is there (written on another computer, or a Windows path), the file of that name
next to the project is read instead, as the project may have been sent with its sources.

Only a regular file within the briefing size limit is read (`safety.read_regular_file`), and all
such files of one project together stay within the archive budget. The bytes are decoded as a
briefing's are (`importers.decode.decode_bytes`), so a text imported both ways is one document;
that turns CR LF and U+2029 into other lengths, so positions counted in the file as written are
moved with them (`PositionMap`).
"""

from __future__ import annotations

import contextlib
import re
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path

from annotator.core.errors import ImportRefused
from annotator.core.importers.decode import bom_encoding, decode_bytes
from annotator.core.interchange.safety import (
    MAX_TOTAL_BYTES,
    ExternalFileRefused,
    file_inside,
    read_regular_file,
)
from annotator.core.text import normalise_newlines

# A position in the file as written -> the same place in the decoded text.
PositionMap = Callable[[int], int]

_INVALID_UTF8 = re.compile("[\udc80-\udcff]")


def _decodings(data: bytes) -> list[str]:
    """The readings of `data` the briefing decoder may have chosen, line ends untouched.

    The decoder's choice is not exposed; the reading that normalises to its text is the one.
    """
    encoding = bom_encoding(data)
    if encoding is not None:
        bom_free = data.decode(encoding, "replace")
        escaped = data.decode(encoding, "surrogateescape") if encoding == "utf-8" else bom_free
        return [bom_free, _INVALID_UTF8.sub("\ufffd", escaped)]
    readings = [_INVALID_UTF8.sub("\ufffd", data.decode("utf-8", "surrogateescape"))]
    for fallback in ("cp1252", "latin-1"):
        with contextlib.suppress(UnicodeDecodeError):
            readings.append(data.decode(fallback))
    return readings


def position_map(raw: str) -> PositionMap | None:
    """How a position in `raw` moves when its line ends are normalised (None: none moves).

    CR LF loses its CR and U+2029 becomes two newlines; every other line end keeps its length.
    A position between a CR and its LF lands on the LF.
    """
    if "\r\n" not in raw and "\u2029" not in raw:
        return None
    dropped = [match.start() for match in re.finditer("\r\n", raw)]
    doubled = [match.start() for match in re.finditer("\u2029", raw)]
    return lambda position: (
        position - bisect_left(dropped, position) + bisect_left(doubled, position)
    )


def decode_keeping_positions(data: bytes, name: str) -> tuple[str, PositionMap | None]:
    """`data` decoded as a briefing, and how positions in the file move into it.

    Raises ExternalFileRefused when the bytes are not usable text (binary, empty...).
    """
    try:
        text = decode_bytes(data, name)
    except ImportRefused as exc:
        reason = str(exc).removeprefix(f"{name}: ").removesuffix("; nothing imported")
        raise ExternalFileRefused(f"source is not usable text: {reason}") from exc
    for raw in _decodings(data):
        raw = raw.lstrip("\ufeff")
        if normalise_newlines(raw) == text:
            return text, position_map(raw)
    raise ExternalFileRefused("source is decoded in a way its positions cannot follow")


class ExternalSources:
    """Finds and reads the source files of one project, within one size budget."""

    def __init__(self, project: Path, base_path: str | None, max_bytes: int) -> None:
        # The project's folder as given (not resolved): "next to the project" is where the
        # analyst put it, even when the .qdpx itself is a link.
        self.folders = [project.absolute().parent]
        base = Path(base_path.strip()) if base_path and base_path.strip() else None
        if base is not None and base.is_absolute() and base.is_dir():
            self.folders.insert(0, base)
        self.max_bytes = max_bytes
        self.read_bytes = 0

    def find(self, scheme: str, path: str) -> Path:
        """The file `scheme://path` names ("relative" or "absolute"); ExternalFileRefused if
        none is found safely."""
        if scheme == "relative":
            try:
                return file_inside(self.folders, path)
            except ExternalFileRefused as exc:
                if exc.missing:
                    raise ExternalFileRefused("source not found next to the project") from exc
                raise
        given = Path(path)
        if given.is_absolute() and given.exists():
            return given.resolve()
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        try:
            return file_inside(self.folders, name)
        except ExternalFileRefused as exc:
            if not exc.missing:
                raise
            raise ExternalFileRefused(
                "source not found at its path or next to the project"
            ) from exc

    def read(self, scheme: str, path: str) -> tuple[str, PositionMap | None]:
        """The text of `scheme://path` and its position map; ExternalFileRefused saying why not."""
        found = self.find(scheme, path)
        left = MAX_TOTAL_BYTES - self.read_bytes
        try:
            data = read_regular_file(found, min(self.max_bytes, left))
        except ExternalFileRefused as exc:
            if left < self.max_bytes and "limit" in exc.reason:
                raise ExternalFileRefused(
                    f"the project's files outside the archive exceed {MAX_TOTAL_BYTES >> 20} MB"
                ) from exc
            raise ExternalFileRefused(f"source {exc.reason}") from exc
        self.read_bytes += len(data)
        return decode_keeping_positions(data, found.name)


__all__ = ["ExternalSources", "PositionMap", "decode_keeping_positions", "position_map"]
