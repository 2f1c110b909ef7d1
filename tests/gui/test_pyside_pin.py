"""Regression guard for the PySide6 pin (see pyproject.toml).

PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method returning
nothing; after a few thousand calls the interpreter aborts ("none_dealloc"). Python 3.12+ is
immune (None is immortal), so the pin only applies below 3.12.
"""

from __future__ import annotations

import sys

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtGui import QTextCursor, QTextDocument


def test_installed_pyside_respects_the_pin() -> None:
    major, minor = (int(part) for part in pyside_version.split(".")[:2])
    if sys.version_info < (3, 12):
        assert (major, minor) < (6, 12), f"PySide6 {pyside_version} crashes Python 3.11"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")
def test_void_calls_do_not_leak_references_to_none() -> None:
    document = QTextDocument("x" * 100)
    cursor = QTextCursor(document)
    before = sys.getrefcount(None)
    for i in range(10_000):
        cursor.setPosition(i % 100)
    after = sys.getrefcount(None)
    # A small rise is normal (new frames, caches); the bug makes it fall by ~10,000.
    assert after >= before - 100, f"refcount of None fell from {before} to {after}"
