"""The briefing reader: the text view, its tag legend and its overview strip.

Offsets in this package's public API are Python `str` code points (as in the database); the
conversion to Qt's UTF-16 positions happens inside ReaderView through annotator.gui.offsets.
"""

from annotator.gui.reader.legend import TagLegend
from annotator.gui.reader.overview import OverviewStrip
from annotator.gui.reader.pane import ReaderPane
from annotator.gui.reader.spans import PaintedAnnotation
from annotator.gui.reader.view import ReaderView

__all__ = ["OverviewStrip", "PaintedAnnotation", "ReaderPane", "ReaderView", "TagLegend"]
