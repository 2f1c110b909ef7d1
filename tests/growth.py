"""Growth checks: a test states how a cost may grow with its input, never how long it may take.

A wall-clock budget fails on a busy machine and passes on a fast one whatever the algorithm does;
the ratio between the times of one input at two sizes tells linear work from quadratic on any
machine. How fast things are is measured in `benchmarks/`, not here.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

SMALL = 0.25  # the small input is a quarter of the large one: linear work costs ~4x, quadratic ~16x
LIMIT = 10.0


@dataclass(frozen=True)
class Repeat:
    """`head + unit * count + tail`, scaled: `Repeat("[", 1000)(0.25)` is 250 brackets."""

    unit: str
    count: int
    head: str = ""
    tail: str = ""

    def __call__(self, scale: float = 1.0) -> str:
        return self.head + self.unit * round(self.count * scale) + self.tail


def _timed(run: Callable[[T], object], argument: T) -> float:
    # A collection triggered by the other size's garbage would be charged to this run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        run(argument)
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


def assert_linear(
    run: Callable[[T], object],
    make: Callable[[float], T],
    *,
    limit: float = LIMIT,
    rounds: int = 7,
) -> None:
    """Fail unless `run(make(1))` takes at most `limit` times as long as `run(make(0.25))`.

    The two sizes are timed alternately, up to `rounds` times each, and the best time of each is
    compared: a busy machine only ever makes a run slower, so one quiet moment for each size is
    enough. The check stops as soon as the best times pass, so a quiet machine times each once.
    """
    small, large = make(SMALL), make(1.0)
    run(small)  # imports, compiled patterns and caches are not part of the growth
    best_small = best_large = float("inf")
    for _ in range(rounds):
        best_small = min(best_small, _timed(run, small))
        best_large = min(best_large, _timed(run, large))
        if best_large <= limit * best_small:
            return
    raise AssertionError(
        f"the input {1 / SMALL:g}x larger took {best_large * 1000:.1f} ms, "
        f"{best_large / best_small:.1f}x the {best_small * 1000:.1f} ms of the smaller one "
        f"(best of {rounds} each; limit {limit:g}x): worse than linear?"
    )


@contextmanager
def unpacked_bytes() -> Iterator[list[int]]:
    """Count the bytes read out of zip members inside the block (`[total]` after it)."""
    import zipfile

    total = [0]
    originals = {name: getattr(zipfile.ZipExtFile, name) for name in ("read", "read1")}

    def counting(name: str) -> Callable[..., bytes]:
        def read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
            data: bytes = originals[name](self, n)
            total[0] += len(data)
            return data

        return read

    for name in originals:
        setattr(zipfile.ZipExtFile, name, counting(name))
    try:
        yield total
    finally:
        for name, original in originals.items():
            setattr(zipfile.ZipExtFile, name, original)
