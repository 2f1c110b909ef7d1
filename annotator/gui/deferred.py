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
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _DeferredModule(ModuleType):
    """Stands for a module until one of its attributes is used, then forwards to it."""

    def __init__(self, name: str) -> None:
        super().__init__(name, f"{name}, imported at its first use")

    def __getattr__(self, attribute: str) -> Any:
        # Only called for what the stand-in itself lacks (a test may set an attribute on it).
        return getattr(importlib.import_module(self.__name__), attribute)


def module(name: str) -> ModuleType:
    """The module `name`, imported when one of its attributes is first read."""
    return _DeferredModule(name)


def function(module_name: str, name: str) -> Callable[..., Any]:
    """The function `module_name.name`, imported at its first call (looked up at every call,
    so a test that replaces it in its module is obeyed)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module_name), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module_name}.{name}, imported at the first call."
    return call


def functions(module_name: str, *names: str) -> tuple[Callable[..., Any], ...]:
    return tuple(function(module_name, name) for name in names)
