"""Benchmarks and screenshot scripts never touch the real user's settings, data or caches.

Each script calls `isolation.isolate()` first thing when it runs: HOME and XDG_CONFIG_HOME,
XDG_DATA_HOME, XDG_CACHE_HOME and XDG_STATE_HOME then point into a private temporary folder,
removed when the process exits. Child processes (the cold-start window, the durability writer)
inherit the environment, and their own `isolate()` keeps it: a caller that already set HOME and
all four XDG_* to temporary folders (the test suite, soak runs) is left alone.

Python's bytecode cache goes to a folder of its own there too (PYTHONPYCACHEPREFIX), with
PYTHONDONTWRITEBYTECODE lifted: an installed app starts from compiled bytecode, so a cold start
measured by recompiling every module at each launch would measure the compiler, not the app.

Only the entry point calls it, never an import, so importing a benchmark module (the suite
imports durability) changes nothing.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

XDG_FOLDERS = (
    ("XDG_CONFIG_HOME", ".config"),
    ("XDG_DATA_HOME", ".local/share"),
    ("XDG_CACHE_HOME", ".cache"),
    ("XDG_STATE_HOME", ".local/state"),
)


def _temporary(path: str) -> bool:
    """Whether `path` is inside (not equal to) a temporary folder of this machine."""
    if not path:
        return False
    resolved = Path(path).resolve()
    roots = {Path(tempfile.gettempdir()).resolve(), Path("/tmp").resolve(), Path("/var/tmp")}
    return any(resolved != root and resolved.is_relative_to(root) for root in roots)


def isolate() -> Path:
    """Point HOME and XDG_* at a private temporary folder (unless they already are); its path."""
    environ = os.environ
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if not environ.get("PYTHONPYCACHEPREFIX"):
        cache = Path(tempfile.mkdtemp(prefix="annotator-bench-pycache-"))
        atexit.register(shutil.rmtree, cache, ignore_errors=True)
        environ["PYTHONPYCACHEPREFIX"] = str(cache)
    # HOME alone in /tmp is not enough: with an XDG_* unset, that folder comes from elsewhere.
    if all(_temporary(environ.get(var, "")) for var in ("HOME", *dict(XDG_FOLDERS))):
        return Path(environ["HOME"])
    home = Path(tempfile.mkdtemp(prefix="annotator-bench-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    environ["HOME"] = str(home)
    for var, sub in XDG_FOLDERS:
        (home / sub).mkdir(parents=True, exist_ok=True)
        environ[var] = str(home / sub)
    environ.pop("ANNOTATOR_DB", None)  # the real default database is part of the profile too
    return home
