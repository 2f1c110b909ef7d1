"""The desktop window (PySide6)."""

import PySide6.QtCore  # noqa: F401  (brings PySide6's import hook, quickened here)

from annotator import pyside_hook

pyside_hook.install()  # before the window's modules are imported: see annotator/pyside_hook.py
