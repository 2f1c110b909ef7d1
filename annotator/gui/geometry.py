"""Where the main window goes on today's screens.

A first window fits the available area (the screen without panels and docks) of the screen it
opens on; a window restored from the last session is moved, and shrunk if need be, into the
available area of a screen that is still there (a laptop undocked from its big monitor, a
projector gone). The panels of a first window are shared out in proportion to its width.

Everything is computed on plain rectangles (`first_frame`, `clamp`), so the tests can give any
screen layout; `available_areas` is the one place that asks Qt about the screens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMargins,
    QObject,
    QPoint,
    QRect,
    QSettings,
    QSize,
    Qt,
)
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QWidget

from annotator.core.settings import settings_path

if TYPE_CHECKING:
    from annotator.gui.mainwindow import MainWindow

# A first window on a big screen: room for a 72-character reading column with the library and
# the form beside it, and not so wide that the eye travels far between them.
LARGEST_FIRST = QSize(1600, 1000)
# The title bar and borders a window manager adds, which Qt learns only once the window is
# mapped: leave that much room (GNOME's title bar is about 37 px, openbox's 24).
FRAME_ALLOWANCE = QMargins(4, 32, 4, 4)
# On a screen shorter than this every pixel goes to the window; taller ones keep a margin.
ROOMY_HEIGHT = 900
ROOM = 24
# The library's and the form's share of a first window's width; the reader takes the rest.
LIBRARY_SHARE = (0.21, 220, 360)  # fraction, least and most pixels
FORM_MOST = 480
# Narrowest useful library (a title and a date), reader (about 40 characters) and form
# (its labels go above the fields).
LIBRARY_LEAST = 180
READER_LEAST = 280
FORM_LEAST = 240
FORM_SHARE = 0.26
# The form's and the annotation list's share of the right-hand column's height.
RIGHT_PROPORTIONS = (3, 1)


def available_areas() -> list[QRect]:
    """The available area of each screen, the one under the pointer first (a new window
    opens there, as desktops place new windows on the monitor in use)."""
    screens = QGuiApplication.screens()
    if not screens:
        return []
    current = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
    ordered = [current, *(screen for screen in screens if screen is not current)]
    return [screen.availableGeometry() for screen in ordered]


def first_frame(area: QRect) -> QRect:
    """The frame (title bar included) of a first window in `area`: centred, at most
    LARGEST_FIRST plus the frame, and the whole area on a small screen."""
    room = ROOM if area.height() >= ROOMY_HEIGHT else 0
    inner = area.marginsRemoved(QMargins(room, room, room, room))
    largest = LARGEST_FIRST.grownBy(FRAME_ALLOWANCE)
    size = inner.size().boundedTo(largest)
    frame = QRect(QPoint(0, 0), size)
    frame.moveCenter(inner.center())
    return frame


def overlap(first: QRect, second: QRect) -> int:
    """The area, in square pixels, that two rectangles share."""
    shared = first.intersected(second)
    return 0 if shared.isEmpty() else shared.width() * shared.height()


def clamp(frame: QRect, areas: list[QRect]) -> QRect:
    """`frame` moved, and shrunk if it is larger, into the area it overlaps most (the first
    area when it overlaps none: its screen is gone)."""
    if not areas:
        return QRect(frame)
    area = max(areas, key=lambda candidate: overlap(candidate, frame))
    if overlap(area, frame) == 0:
        area = areas[0]
    size = frame.size().boundedTo(area.size())
    x = min(max(frame.x(), area.x()), area.x() + area.width() - size.width())
    y = min(max(frame.y(), area.y()), area.y() + area.height() - size.height())
    return QRect(QPoint(x, y), size)


def place_first_window(window: QWidget, areas: list[QRect] | None = None) -> None:
    """Size and centre a window that has no saved geometry on the first of `areas`."""
    areas = available_areas() if areas is None else areas
    if not areas:
        return
    frame = first_frame(areas[0])
    _set_frame(window, frame)


def lay_out_first_window(window: MainWindow, areas: list[QRect] | None = None) -> None:
    """Fit a new window to its screen and share out its panels (a saved geometry, restored
    afterwards, replaces both); keep each panel usable however the splitters are dragged."""
    window.library.setMinimumWidth(LIBRARY_LEAST)
    window.reader.setMinimumWidth(READER_LEAST)
    window.right.setMinimumWidth(FORM_LEAST)
    place_first_window(window, areas)
    splitter = window.splitter
    width = window.width() - (splitter.count() - 1) * splitter.handleWidth()
    splitter.setSizes(first_splitter_sizes(width, window.form.sizeHint().width()))
    # A splitter shares out sizes given before its first layout in proportion (sizes below a
    # panel's minimum would be raised to it first: hence whole window heights).
    height = window.height()
    form, annotations = (height * share // sum(RIGHT_PROPORTIONS) for share in RIGHT_PROPORTIONS)
    window.right.setSizes([
        form if widget is window.form else annotations if widget is window.annotation_list else 0
        for widget in map(window.right.widget, range(window.right.count()))
    ])


def clamp_to_screens(window: QWidget, areas: list[QRect] | None = None) -> None:
    """Move (and shrink) a restored window into today's screens, if it is not within one;
    again as it is shown, when its least size is known (a hidden panel, the polished style)."""
    _clamp(window, areas)
    window.installEventFilter(_ClampWhenShown(window, areas))


def _clamp(window: QWidget, areas: list[QRect] | None) -> None:
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return  # the window manager fits it; a resize here would drop the state
    areas = available_areas() if areas is None else areas
    frame = _frame_of(window)
    clamped = clamp(frame, areas)
    if clamped != frame:
        _set_frame(window, clamped)


class _ClampWhenShown(QObject):
    """Clamps the window once more on its first Show event: the layout has its final least
    size by then, and the window is not on the screen yet, so nothing jumps. A window moved
    or resized on purpose in between (a script, a test) is left as it was put."""

    def __init__(self, window: QWidget, areas: list[QRect] | None) -> None:
        super().__init__(window)
        self.areas = areas
        self.placed = (window.pos(), window.size())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            watched.removeEventFilter(self)
            self.deleteLater()
            pos, size = self.placed
            grown = size.expandedTo(watched.minimumSizeHint())
            if watched.pos() == pos and watched.size() in (size, grown):
                _clamp(watched, self.areas)
        return False


def _frame_of(window: QWidget) -> QRect:
    # A top-level widget's pos() is its frame's corner; its size excludes the frame, and it
    # is at least its least size (a saved size may be smaller after an update).
    size = window.size().expandedTo(window.minimumSizeHint())
    return QRect(window.pos(), size.grownBy(FRAME_ALLOWANCE))


def _set_frame(window: QWidget, frame: QRect) -> None:
    window.resize(frame.size().shrunkBy(FRAME_ALLOWANCE))
    window.move(frame.topLeft())


def first_splitter_sizes(width: int, form_width: int) -> list[int]:
    """Library, reader and form widths for a first window `width` pixels wide; the form gets
    at least `form_width` (its labels stand beside the fields from there)."""
    share, least, most = LIBRARY_SHARE
    library = max(least, min(most, round(width * share)))
    form = max(form_width, min(FORM_MOST, round(width * FORM_SHARE)))
    return [library, max(0, width - library - form), form]


# -- the window as it was left -----------------------------------------------------------------


def window_settings() -> QSettings:
    """Window geometry and splitter sizes, in an INI file beside the JSON settings."""
    path = settings_path().with_name("window.ini")
    return QSettings(str(path), QSettings.Format.IniFormat)


def restore_window(window: MainWindow) -> None:
    """The window's frame, splitters and library columns as they were left, on today's screens."""
    settings = window_settings()
    for key, target in (
        ("geometry", window.restoreGeometry),
        ("windowState", window.restoreState),
        ("splitter", window.splitter.restoreState),
        ("rightSplitter", window.right.restoreState),
        ("libraryHeader", window.library.table.horizontalHeader().restoreState),
    ):
        value = settings.value(key)
        if isinstance(value, QByteArray):
            target(value)
    clamp_to_screens(window)  # the screens may have changed since


def save_window(window: MainWindow) -> None:
    settings = window_settings()
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("windowState", window.saveState())
    settings.setValue("splitter", window.splitter.saveState())
    settings.setValue("rightSplitter", window.right.saveState())
    # The library's sort column and order, and its column widths.
    settings.setValue("libraryHeader", window.library.table.horizontalHeader().saveState())
    settings.sync()
