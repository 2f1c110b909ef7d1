"""The desktop window (PySide6)."""

from annotator.gui import pyside_hook

pyside_hook.install()  # before the window's modules are imported: see pyside_hook.py
