"""Annotator: tag claims, assessments and figures in briefings, offline."""

from annotator import pyside_hook as _pyside_hook

__version__ = "0.1.0"

_pyside_hook.install()  # only if PySide6 is already imported (see annotator/pyside_hook.py)
