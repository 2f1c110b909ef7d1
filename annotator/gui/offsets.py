"""Code-point <-> Qt (UTF-16) position mapping for one document text.

The database and every export count Python `str` code points; Qt text positions count UTF-16
code units, so every character above U+FFFF (emoji, some CJK, historic scripts) takes two Qt
positions. QPlainTextEdit stores "\\n" as one block-separator position, so apart from those
surrogate pairs the two numberings agree. No Qt import here: this is plain arithmetic.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left


@functools.cache
def _astral() -> re.Pattern[str]:
    """Characters outside the BMP (two UTF-16 units each), compiled at the first non-ASCII
    text rather than with the window (issue 15)."""
    return re.compile("[\U00010000-\U0010ffff]")


class OffsetMap:
    """Converts offsets of one text between code points (cp) and UTF-16 positions (qt)."""

    __slots__ = ("_astral_cp", "_astral_qt", "_cp_length")

    def __init__(self, text: str = "") -> None:
        self._cp_length = len(text)
        # Code-point indices of astral characters, and the Qt position where each one starts.
        self._astral_cp: list[int] = (
            [] if text.isascii() else [match.start() for match in _astral().finditer(text)]
        )
        self._astral_qt: list[int] = [cp + i for i, cp in enumerate(self._astral_cp)]

    @property
    def identity(self) -> bool:
        """True when both numberings agree everywhere (no character above U+FFFF)."""
        return not self._astral_cp

    @property
    def cp_length(self) -> int:
        return self._cp_length

    @property
    def qt_length(self) -> int:
        return self._cp_length + len(self._astral_cp)

    def to_qt(self, cp: int) -> int:
        """The Qt position of code-point offset `cp`."""
        if not self._astral_cp:
            return cp
        return cp + bisect_left(self._astral_cp, cp)

    def to_cp(self, qt: int) -> int:
        """The code-point offset of Qt position `qt`; inside a surrogate pair, its start."""
        if not self._astral_qt:
            return qt
        # Every astral character starting before `qt` used one extra position; one that starts
        # exactly at qt - 1 is cut in half by `qt` and so snaps back to its own start.
        return qt - bisect_left(self._astral_qt, qt)

    def span_to_qt(self, start: int, end: int) -> tuple[int, int]:
        return self.to_qt(start), self.to_qt(end)

    def span_to_cp(self, start: int, end: int) -> tuple[int, int]:
        return self.to_cp(start), self.to_cp(end)
