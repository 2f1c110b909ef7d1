"""View > Theme (System, Light, Dark), and where widgets get every colour they draw.

System leaves the platform's style and palette alone; Light and Dark use the Fusion style (it
draws with the palette it is given, as the platform styles may not) and the palettes of
`theme_colours`. The choice is kept in the settings (`Settings.theme`) and applied live.

How a widget finds its colours, whatever the theme: `theme_of(palette)` picks the Light or Dark
colours by whether the palette is dark, adapted to the palette's own page and window (so a
platform palette gets readable semantic colours too). Painted widgets ask at paint time
(`theme_of(self.palette())`, `tag_looks(...)`). Text coloured by role (saved, error, notice...)
is set with `use(widget, role)`, and widgets whose colours are built once (stylesheets, icons)
define `apply_theme(colours)`. After a change `refresh(window)` re-colours both kinds: the main
window asks for it when its palette changes (a theme chosen here, or the desktop's own switch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import NamedTuple, Protocol, runtime_checkable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from annotator.core.settings import THEMES
from annotator.gui.theme_colours import (
    BRIGHT_TEXT,
    DARK,
    LIGHT,
    UNLISTED,
    TagSlot,
    ThemeColours,
    derived_slot,
    is_dark,
    tag_slots,
    text_on,
)

THEME_LABELS = {"system": "&System", "light": "&Light", "dark": "&Dark"}
ROLE = "themeRole"  # dynamic property naming a widget's colour role (see `use`)
_APPLIED = "annotatorTheme"
_PLATFORM_STYLE = "annotatorPlatformStyle"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


@runtime_checkable
class Themed(Protocol):
    """A widget that builds its colours once (a stylesheet, icons) and rebuilds them here."""

    def apply_theme(self, colours: ThemeColours) -> None: ...


def palette_of(colours: ThemeColours) -> QPalette:
    """The QPalette of a Light or Dark theme."""
    palette = QPalette()
    roles = {
        Role.Window: colours.window,
        Role.WindowText: colours.window_text,
        Role.Base: colours.base,
        Role.AlternateBase: colours.alternate_base,
        Role.Text: colours.text,
        Role.Button: colours.button,
        Role.ButtonText: colours.button_text,
        Role.BrightText: BRIGHT_TEXT,
        Role.Highlight: colours.highlight,
        Role.HighlightedText: colours.highlighted_text,
        Role.PlaceholderText: colours.placeholder,
        Role.Link: colours.link,
        Role.LinkVisited: colours.link,
        Role.ToolTipBase: colours.tooltip_base,
        Role.ToolTipText: colours.tooltip_text,
        Role.Light: colours.light,
        Role.Midlight: colours.midlight,
        Role.Mid: colours.mid,
        Role.Dark: colours.dark_role,
        Role.Shadow: colours.shadow,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.HighlightedText):
        palette.setColor(Group.Disabled, role, QColor(colours.disabled_text))
    palette.setColor(Group.Disabled, Role.Highlight, QColor(colours.mid))
    # The selection of an inactive window keeps its colour: a list a dialog covers still shows
    # which row is chosen.
    return palette


def apply_theme(choice: str) -> None:
    """Give the application the style and palette of `choice` ("system", "light", "dark")."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    choice = choice if choice in THEMES else "system"
    applied = app.property(_APPLIED)
    if applied == choice or (applied is None and choice == "system"):
        return
    if app.property(_PLATFORM_STYLE) is None:
        app.setProperty(_PLATFORM_STYLE, app.style().name())
    if choice == "system":
        platform = str(app.property(_PLATFORM_STYLE))
        if app.style().name() != platform:
            app.setStyle(platform)
        app.setPalette(QPalette())  # nothing set: the platform's palette again
    else:
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setPalette(palette_of(LIGHT if choice == "light" else DARK))
    app.setProperty(_APPLIED, choice)


def theme_of(palette: QPalette) -> ThemeColours:
    """The theme colours for widgets drawn with `palette`."""
    return _theme_for(
        palette.color(Role.Base).name(),
        palette.color(Role.Window).name(),
        palette.color(Role.Text).name(),
        palette.color(Role.WindowText).name(),
    )


@lru_cache(maxsize=32)
def _theme_for(base: str, window: str, text: str, window_text: str) -> ThemeColours:
    source = DARK if is_dark(base, text) else LIGHT
    return source.adapted(base, window, text, window_text)


def current() -> ThemeColours:
    """The theme colours of the application's palette."""
    return theme_of(QGuiApplication.palette())


class TagLook(NamedTuple):
    """How one tag is drawn: `fill` (translucent) under a span's text, `line` under it and in
    lanes, ticks and swatches, `on_line` for text on a `line` chip."""

    fill: QColor
    line: QColor
    on_line: QColor


def tag_looks(colours: Mapping[str, QColor | str], palette: QPalette) -> dict[str, TagLook]:
    """Tag name -> its look, for tags given as name -> stored colour in tag order."""
    stored = tuple(
        (name, colour.name() if isinstance(colour, QColor) else str(colour))
        for name, colour in colours.items()
    )
    return dict(_looks(stored, theme_of(palette)))


def unlisted_look(palette: QPalette, colour: str = UNLISTED) -> TagLook:
    """The look of a tag outside the tag list (no palette slot): `colour` made readable."""
    colours = theme_of(palette)
    return _look(derived_slot(colour, colours), colours.fill_alpha)


def _look(slot: TagSlot, alpha: int) -> TagLook:
    fill = QColor(slot.fill)
    fill.setAlpha(alpha)
    return TagLook(fill, QColor(slot.line), QColor(text_on(slot.line)))


@lru_cache(maxsize=64)
def _looks(
    stored: tuple[tuple[str, str], ...], colours: ThemeColours
) -> tuple[tuple[str, TagLook], ...]:
    slots = tag_slots(stored, colours)
    return tuple((name, _look(slot, colours.fill_alpha)) for name, slot in slots.items())


def swatch_icon(colour: QColor, size: int = 14) -> QIcon:
    """A square of `colour`: a tag action's icon in menus and the toolbar."""
    pixmap = QPixmap(size, size)
    pixmap.fill(colour)
    return QIcon(pixmap)


def _role_styles(colours: ThemeColours) -> dict[str, str]:
    return {
        "saved": f"color: {colours.saved};",
        "error": f"color: {colours.error};",
        "alarm": f"color: {colours.error}; font-weight: bold;",
        "attention": f"color: {colours.attention}; font-weight: bold;",
        "suggestion": f"color: {colours.suggestion};",
        "notice": (
            f"background: {colours.notice_background}; color: {colours.notice_text};"
            f" border: 1px solid {colours.notice_border}; border-radius: 3px; padding: 6px 10px;"
        ),
    }


def use(widget: QWidget, role: str) -> None:
    """Colour `widget`'s text (and a notice's background) by `role`: "saved", "error", "alarm"
    (bold error), "attention", "suggestion", "notice"; "" for the palette's own colours."""
    sheet = _role_styles(current()).get(role, "") if role else ""
    if widget.property(ROLE) == role and widget.styleSheet() == sheet:
        return  # a style sheet set again re-polishes the widget: not at every save
    widget.setProperty(ROLE, role)
    widget.setStyleSheet(sheet)


def refresh_soon(root: QWidget) -> None:
    """`refresh(root)` once the palette change has reached every widget: a window hears of
    it before its children have their new palette."""
    QTimer.singleShot(0, root, lambda: refresh(root))


def refresh(root: QWidget) -> None:
    """Re-colour `root` and everything under it after the palette changed."""
    colours = current()
    styles = _role_styles(colours)
    for widget in (root, *root.findChildren(QWidget)):
        role = widget.property(ROLE)
        if role:
            widget.setStyleSheet(styles.get(str(role), ""))
        if isinstance(widget, Themed):
            widget.apply_theme(colours)
        widget.update()


def add_theme_menu(
    menu: QMenu, choice: str, chosen: Callable[[str], None], parent: QObject
) -> QActionGroup:
    """View > Theme: System, Light, Dark (one checked); `chosen(name)` on a choice."""
    submenu = menu.addMenu("&Theme")
    submenu.setObjectName("themeMenu")
    group = QActionGroup(parent)
    group.setExclusive(True)
    for name, label in THEME_LABELS.items():
        action = QAction(label, parent)
        action.setObjectName(f"action_theme_{name}")
        action.setCheckable(True)
        action.setChecked(name == choice)
        action.setStatusTip(
            "Use the desktop's colours" if name == "system"
            else f"Use Annotator's {name} colours"
        )
        action.triggered.connect(lambda _checked=False, n=name: chosen(n))
        group.addAction(action)
        submenu.addAction(action)
    return group
