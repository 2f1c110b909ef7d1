"""Time phases from outside: wrap functions found on modules or objects with accumulating timers.

The app changes under the benchmarks (other work moves code around), so every wrap tolerates a
missing attribute: the phase then reads 0 and the rest lands in "other". Wraps are undone by
`restore()` (or leaving the `with` block), so a measurement never leaves a timer behind.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Timers:
    """Accumulated seconds per label, from wrapped callables."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[object, str, object, bool]] = []
        self._depth: dict[str, int] = defaultdict(int)

    def wrap(self, owner: object, name: str, label: str) -> bool:
        """Time every call of `owner.name` under `label`; False when there is no such callable."""
        original = getattr(owner, name, None)
        if original is None or not callable(original):
            return False
        own = name in getattr(owner, "__dict__", {})

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            # A recursive or nested call of the same label counts once.
            self._depth[label] += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._depth[label] -= 1
                if self._depth[label] == 0:
                    self.seconds[label] += time.perf_counter() - started
                    self.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original, own))
        return True

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def restore(self) -> None:
        for owner, name, original, own in reversed(self._undo):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # it came from the class: drop the instance's wrapper
        self._undo.clear()

    def get(self, label: str) -> float:
        return self.seconds.get(label, 0.0)


@contextmanager
def wrapped(wraps: list[tuple[object, str, str]]) -> Iterator[Timers]:
    """Timers wrapping each (owner, attribute, label) for the duration of the block."""
    timers = Timers()
    for owner, name, label in wraps:
        timers.wrap(owner, name, label)
    try:
        yield timers
    finally:
        timers.restore()


def time_call(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
