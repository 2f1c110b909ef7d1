"""The window on the screens analysts have: a small laptop, a desktop monitor, a 4K one at 200%.

The offscreen screen is fixed at 800x800 for the whole run, so most tests give the window a
screen layout through `geometry.available_areas` (the one place that asks Qt); the last ones
start a process on an offscreen screen of the real size. tests/xcb/test_screens.py checks
the same on X11 with a window manager (frame, title bar).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt
from pytestqt.qtbot import QtBot

from annotator.core.settings import Settings
from annotator.gui import geometry
from annotator.gui.app import build_window
from annotator.gui.library.panel import ISSUER, TITLE, TITLE_CHARS
from annotator.gui.mainwindow import MainWindow
from tests.gui.test_mainwindow import click_unit, open_doc

SMALL = QRect(0, 0, 1366, 768)  # the common laptop screen, nothing docked
SMALL_WITH_PANEL = QRect(0, 27, 1366, 741)  # the same under GNOME's top bar
SECOND_MONITOR = QRect(1920, 0, 1366, 768)  # a laptop screen right of a 1920x1080 monitor
DOUBLED_4K = QRect(0, 0, 1920, 1080)  # 3840x2160 at 200%: logical pixels
PROBE = Path(__file__).with_name("first_window_probe.py")


def use_screens(monkeypatch: pytest.MonkeyPatch, *areas: QRect) -> None:
    monkeypatch.setattr(geometry, "available_areas", lambda: list(areas))


def settle() -> None:
    """Run the layout requests and resizes a change posted (the scroll bars follow them)."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def frame(window: MainWindow) -> QRect:
    """The window with the room a window manager's title bar and borders take."""
    return QRect(window.pos(), window.size().grownBy(geometry.FRAME_ALLOWANCE))


def open_window(qtbot: QtBot, db: Path, *, show: bool = True) -> MainWindow:
    window = build_window(db, Settings(author="Ana"))
    qtbot.addWidget(window)
    if show:
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.isActiveWindow)  # the tag keys are the window's shortcuts
    return window


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from annotator.core.importing import import_file
    from annotator.core.store import open_store
    from tests.gui.test_mainwindow import SAMPLE

    path = tmp_path / "Corridor briefings.sqlite3"
    with open_store(path) as store:
        import_file(store, SAMPLE)
    return path


@pytest.fixture
def closing() -> Iterator[list[MainWindow]]:
    """Windows whose database is closed at the end of the test."""
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        window.ctx.store.close()


# -- the first window ----------------------------------------------------------------------


@pytest.mark.parametrize("area", [SMALL, SMALL_WITH_PANEL, SECOND_MONITOR, DOUBLED_4K])
def test_the_first_window_fits_the_screen_it_opens_on(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
    area: QRect,
) -> None:
    use_screens(monkeypatch, area)
    window = open_window(qtbot, db, show=False)
    closing.append(window)
    assert area.contains(frame(window)), (frame(window), area)
    if area.height() < geometry.ROOMY_HEIGHT:  # a small screen: all of it for the window
        assert frame(window) == area
    else:  # a big one: a comfortable size, centred
        assert window.width() == geometry.LARGEST_FIRST.width()
        assert window.height() <= geometry.LARGEST_FIRST.height()
        assert abs(frame(window).center().x() - area.center().x()) <= 1
        assert abs(frame(window).center().y() - area.center().y()) <= 1


def test_the_first_window_shares_its_width_between_the_panels(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    use_screens(monkeypatch, SMALL)
    window = open_window(qtbot, db)
    closing.append(window)
    library, reader, form = window.splitter.sizes()
    assert reader > library and reader > form  # the briefing is what the analyst reads
    assert reader >= 600  # about 72 characters a line
    assert form >= window.form.sizeHint().width()  # the labels beside the fields
    assert not any(box.compact for box in window.form.boxes.values())


# -- restored geometry ---------------------------------------------------------------------


def save_geometry_on(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, screen: QRect, place: QRect,
) -> None:
    """Last session: the window at `place` on a screen whose available area was `screen`."""
    use_screens(monkeypatch, screen)
    window = open_window(qtbot, db, show=False)
    window.move(place.topLeft())
    window.resize(place.size())
    window.close()
    window.ctx.store.close()


@pytest.mark.parametrize(
    "place",
    [
        QRect(2600, 1500, 740, 440),  # far beyond today's screen
        QRect(-2500, 40, 740, 440),  # on a monitor left of this one, unplugged since
        QRect(10, 10, 2400, 1400),  # larger than today's screen
        QRect(2600, 1500, 500, 300),  # below the least size (it grows as it is shown)
    ],
    ids=["far-off", "unplugged-monitor", "too-large", "below-least-size"],
)
def test_a_restored_window_is_clamped_to_todays_screen(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
    place: QRect,
) -> None:
    save_geometry_on(qtbot, monkeypatch, db, QRect(0, 0, 3840, 2160), place)
    # Smaller than the 800x800 offscreen screen Qt itself checks against on restore.
    today = QRect(20, 30, 760, 600)
    use_screens(monkeypatch, today)
    window = open_window(qtbot, db)
    closing.append(window)
    assert today.contains(frame(window)), (frame(window), today)
    least = window.minimumSizeHint()
    if place.width() < today.width() and place.width() >= least.width():
        assert window.size() == place.size()  # moved, not shrunk
    elif place.width() >= today.width():
        assert frame(window) == today  # as large as today's screen allows


def test_a_restored_window_that_fits_stays_where_it_was(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    place = QRect(60, 80, 700, 500)
    save_geometry_on(qtbot, monkeypatch, db, QRect(0, 0, 800, 800), place)
    window = open_window(qtbot, db, show=False)
    closing.append(window)
    assert (window.pos(), window.size()) == (place.topLeft(), place.size())


def test_a_maximised_window_comes_back_maximised(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    use_screens(monkeypatch, SMALL)
    first = open_window(qtbot, db)
    first.showMaximized()
    qtbot.waitUntil(first.isMaximized)
    first.close()
    first.ctx.store.close()
    window = open_window(qtbot, db, show=False)
    closing.append(window)
    assert window.windowState() & Qt.WindowState.WindowMaximized


# -- 1366x768: the common case without scrolling -------------------------------------------


@pytest.mark.parametrize("area", [SMALL, SMALL_WITH_PANEL], ids=["bare", "top-bar"])
def test_on_a_small_screen_a_claim_its_note_and_the_list_need_no_scrolling(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
    area: QRect,
) -> None:
    use_screens(monkeypatch, area)
    window = open_window(qtbot, db)
    closing.append(window)
    open_doc(window, "sample-briefing.txt")
    # A claim with suggested values (their row is shown too): the largest one-tag form.
    click_unit(qtbot, window, "The Ministry of Transport said")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    form = window.form
    claim = form.boxes["claim"]
    qtbot.waitUntil(claim.isVisible)
    settle()
    assert claim.suggestion_row.isVisible()
    content = form.scroll.widget()
    assert content.heightForWidth(form.scroll.viewport().width()) <= form.scroll.height()
    assert not form.scroll.verticalScrollBar().isVisible()
    for widget in (claim, form.note, form.delete_button):
        assert widget.isVisible()
        bottom = widget.mapTo(form, widget.rect().bottomLeft()).y()
        assert bottom <= form.height(), widget.objectName()
    table = window.annotation_list.table
    assert table.viewport().height() >= 3 * table.rowHeight(0)  # a few rows of the list


def test_a_word_wrapped_text_does_not_make_the_form_scroll_when_it_fits(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    """A wrapped label that does not shrink below its size hint is as tall as at a narrow
    width (four lines of a two-line sentence); the scroll area took that for the content's
    least height and scrolled a form that fitted."""
    use_screens(monkeypatch, SMALL)
    window = open_window(qtbot, db)
    closing.append(window)
    open_doc(window, "sample-briefing.txt")
    click_unit(qtbot, window, "Local authorities reported")
    qtbot.keyClick(window.reader, Qt.Key.Key_1)
    form = window.form
    qtbot.waitUntil(form.boxes["claim"].isVisible)
    label = form.text_label
    assert label.sizeHint().height() > label.heightForWidth(label.width())  # the trap
    content = form.scroll.widget()
    needed = content.heightForWidth(form.scroll.viewport().width())
    right = window.right
    assert right.indexOf(form) == right.count() - 2  # the review panel, the form, the list
    sizes = right.sizes()
    total = sizes[-2] + sizes[-1]
    right.setSizes([*sizes[:-2], needed + 2, total - needed - 2])  # just room enough
    settle()
    assert form.scroll.height() == needed + 2
    assert not form.scroll.verticalScrollBar().isVisible()


def test_a_narrow_library_gives_the_issuer_column_to_the_title(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    use_screens(monkeypatch, SMALL)
    window = open_window(qtbot, db)
    closing.append(window)
    header = window.library.table.horizontalHeader()
    least = window.library.fontMetrics().averageCharWidth() * TITLE_CHARS
    assert header.isSectionHidden(ISSUER)
    assert header.sectionSize(TITLE) >= least
    # The issuer is still told, on the tooltip.
    tip = str(window.library.proxy.index(0, TITLE).data(Qt.ItemDataRole.ToolTipRole))
    assert "Issuer: Office of Strategic Assessments" in tip.splitlines()
    window.splitter.setSizes([600, 400, 400])  # the analyst widens the library
    qtbot.waitUntil(lambda: not header.isSectionHidden(ISSUER))
    assert header.sectionSize(TITLE) >= least


def test_a_long_database_path_does_not_widen_the_window(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, closing: list[MainWindow],
) -> None:
    from annotator.core.importing import import_file
    from annotator.core.store import open_store
    from tests.gui.test_mainwindow import SAMPLE

    folder = tmp_path.joinpath(*[f"shared analysis folder number {n}" for n in range(8)])
    folder.mkdir(parents=True)
    db = folder / "Corridor briefings.sqlite3"
    with open_store(db) as store:
        import_file(store, SAMPLE)
    use_screens(monkeypatch, SMALL)
    window = open_window(qtbot, db)
    closing.append(window)
    label = window.db_label
    assert label.fontMetrics().horizontalAdvance(label.text()) > SMALL.width()
    assert window.minimumSizeHint().width() <= 1024  # the smallest laptop screens
    shown = label.shown_text()
    assert "…" in shown and shown.endswith("Corridor briefings.sqlite3")
    label.repaint()
    assert str(db) in label.toolTip()  # the whole path, on the tooltip


# -- the title -----------------------------------------------------------------------------


def test_the_title_names_the_document_and_the_database_once(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, db: Path, closing: list[MainWindow],
) -> None:
    use_screens(monkeypatch, SMALL)
    window = open_window(qtbot, db)
    closing.append(window)
    title = window.windowTitle()
    assert title == "Northern Corridor Security Outlook — Corridor briefings.sqlite3"
    # Qt adds the application's display name on X11 and Wayland ("… — Annotator"), unless
    # the title already ends with it: so the title set must not name it. What the window
    # manager shows is checked on X11 (tests/xcb/test_screens.py).
    assert "Annotator" not in title
    window.workspace.close_document()
    window.refresh_title()
    assert window.windowTitle() == "Corridor briefings.sqlite3"


# -- real screen sizes, each in a process of its own ---------------------------------------


def probe(tmp_path: Path, width: int, height: int, scale: int) -> dict[str, object]:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [
        {"name": "probe", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    ]}), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale))
    result = subprocess.run(
        [sys.executable, str(PROBE), str(tmp_path / "probe.sqlite3")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("width", "height", "scale"), [(1366, 768, 1), (3840, 2160, 2)], ids=["1366x768", "4K-at-2x"]
)
def test_on_a_real_screen_of_that_size_the_window_fits(
    tmp_path: Path, width: int, height: int, scale: int
) -> None:
    shown = probe(tmp_path, width, height, scale)
    area = QRect(*shown["available"])  # type: ignore[misc]
    assert area.size() == QSize(width // scale, height // scale)
    assert shown["ratio"] == scale
    assert area.contains(QRect(*shown["frame"])), shown  # type: ignore[misc]
    assert shown["claim_shown"] and not shown["form_scrolls"], shown
    assert float(shown["list_rows"]) >= 3, shown  # type: ignore[arg-type]
    assert shown["title"] == "Northern Corridor Security Outlook — probe.sqlite3"
