"""A quicker answer to PySide6's import hook (issue 15: cold start).

Once PySide6 is imported, every module imported after it is passed to PySide6's
`shibokensupport.feature.feature_imported`, which asks whether the module's source mentions
"PySide6" (to decide whether PySide6's optional `__feature__` switches apply to it) by reading it
through `inspect.getsource`: a `linecache` read that tokenizes the file for its encoding and keeps
the text. For the sixty-odd modules the window imports before its first paint that is about
10 ms of a cold start. `install` gives the hook the same answer from the file's bytes (a Python
source file's encoding is ASCII-compatible, so b"PySide6" is found whatever it is), and leaves
everything else to PySide6's own check. A PySide6 without that hook is left alone.

Installed by the package (`annotator/__init__.py`) when PySide6 is already imported, and by
`annotator.gui` once it has imported PySide6. Nothing here imports Qt: the command line and
the core load this module without it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

FEATURE_MODULE = "shibokensupport.feature"
_QUICK = "_annotator_quick"


def _quick(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return original(module)

    setattr(uses_pyside, _QUICK, True)
    return uses_pyside


def install() -> bool:
    """Quicken PySide6's per-import source check; False when PySide6 is not imported (or has
    no such hook)."""
    feature = sys.modules.get(FEATURE_MODULE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if not getattr(original, _QUICK, False):
        feature._mod_uses_pyside = _quick(original)  # type: ignore[attr-defined]
    return True
