"""Imports made at first use: what the window's first paint does not need.

The main window is shown before SQLAlchemy, alembic and the importers are imported (issue 15),
so the window's modules reach the modules that need them through these stand-ins, which import
the real module at the first attribute access or call. Each use is written as

    if TYPE_CHECKING:
        from annotator.core import ops
    else:  # deferred: loads SQLAlchemy
        ops = deferred.module("annotator.core.ops")

so that type checkers and readers see the real names. Only functions and modules go through
here; the plain data types come from `annotator.core.facts`, which imports nothing heavy.

Imports made here keep no source text (`sources_not_kept`): once PySide6 is imported, its import
hook reads the source of every module imported after it (`inspect.getsource`, to see whether
the module uses PySide6's optional features) and `linecache` would keep all of it: for
SQLAlchemy and the store, about 8 MB of text and 20 MB of peak memory that nothing uses.
(`annotator.pyside_hook` now gives that hook its answer from the file's bytes, through no
cache; the scope stays for a PySide6 whose hook it cannot quicken.)
"""

from __future__ import annotations

import importlib
import linecache
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any


class _KeepsNoNewSource(dict[str, Any]):
    """`linecache.cache` inside `sources_not_kept`: what was cached before stays; of the
    sources read since, only the latest is kept (`linecache` reads back what it just stored)."""

    def __init__(self, before: dict[str, Any]) -> None:
        super().__init__(before)
        self._latest: str | None = None

    def __setitem__(self, filename: str, entry: Any) -> None:
        if self._latest is not None and self._latest != filename:
            self.pop(self._latest, None)
        super().__setitem__(filename, entry)
        self._latest = filename


_scopes = 0  # sources_not_kept scopes open, in any thread
_scopes_lock = threading.Lock()
_kept_cache: dict[str, Any] = {}  # linecache.cache as it was when the first scope opened


@contextmanager
def sources_not_kept() -> Iterator[None]:
    """Modules imported inside leave no source text in `linecache` (see the module docstring);
    a traceback still shows its source lines (read again from the files). Scopes may nest and
    overlap across threads: the last one to close puts the kept cache back."""
    global _scopes, _kept_cache
    with _scopes_lock:
        if _scopes == 0:
            _kept_cache = linecache.cache
            linecache.cache = _KeepsNoNewSource(_kept_cache)
        _scopes += 1
    try:
        yield
    finally:
        with _scopes_lock:
            _scopes -= 1
            if _scopes == 0:
                linecache.cache = _kept_cache
                _kept_cache = {}


def load(name: str) -> ModuleType:
    """The module `name`, imported now if it is not yet (keeping no source text)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    with sources_not_kept():
        return importlib.import_module(name)


class _DeferredModule(ModuleType):
    """Stands for a module until one of its attributes is used, then forwards to it."""

    def __init__(self, name: str) -> None:
        super().__init__(name, f"{name}, imported at its first use")

    def __getattr__(self, attribute: str) -> Any:
        # Only called for what the stand-in itself lacks (a test may set an attribute on it).
        return getattr(load(self.__name__), attribute)


def module(name: str) -> ModuleType:
    """The module `name`, imported when one of its attributes is first read."""
    return _DeferredModule(name)


def function(module_name: str, name: str) -> Callable[..., Any]:
    """The function `module_name.name`, imported at its first call (looked up at every call,
    so a test that replaces it in its module is obeyed)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(load(module_name), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module_name}.{name}, imported at the first call."
    return call


def functions(module_name: str, *names: str) -> tuple[Callable[..., Any], ...]:
    return tuple(function(module_name, name) for name in names)
