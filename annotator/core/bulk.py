"""Helpers for code that builds or walks hundreds of thousands of small objects at once.

CPython's cyclic garbage collector runs after every few hundred new container objects and, as
the heap grows, walks the older generations too: loading 100,000 annotations (tuples, dicts)
spends about half its time in those walks, and the time swings with whatever else is alive.
None of the bulk paths create reference cycles, so they pause the collector; reference counting
still frees everything as usual, and the collector resumes as soon as the outermost pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_paused_here = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause cyclic garbage collection for the block (nestable, and safe across threads)."""
    global _depth, _paused_here
    with _lock:
        if _depth == 0:
            _paused_here = gc.isenabled()
            if _paused_here:
                gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _paused_here:
                _paused_here = False
                gc.enable()
