"""The annotation form and the annotation list, driven through their real widgets."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from annotator.core.queries import AnnotationTagView, AnnotationView, TagInfo
from annotator.gui.form import AnnotationForm, AnnotationList
from annotator.gui.form.fields import ChoiceField, LineField, TagFieldsBox
from tests.growth import assert_linear

TAGS = [
    TagInfo(1, "claim", "#0072B2", "1"),
    TagInfo(2, "assessment", "#E69F00", "2"),
    TagInfo(3, "figure", "#009E73", "3"),
]
CREATED = dt.datetime(2024, 6, 12, 14, 3, tzinfo=dt.UTC)
MODIFIED = dt.datetime(2024, 12, 1, 9, 41, tzinfo=dt.UTC)
SENTENCE = "The Ministry said on 12 June 2024 that about 1,200 troops had crossed the border."
ALL_SIGNALS = ("tagToggled", "fieldsEdited", "noteEdited", "deleteRequested")


def view(
    annotation_id: int = 7,
    tags: dict[str, dict[str, object]] | None = None,
    suggested: dict[str, tuple[str, ...]] | None = None,
    note: str = "",
    start: int = 0,
    end: int = 20,
    author: str = "ana",
) -> AnnotationView:
    tags = {"figure": {}} if tags is None else tags
    suggested = suggested or {}
    return AnnotationView(
        id=annotation_id,
        document_id=1,
        start=start,
        end=end,
        author=author,
        created=CREATED,
        modified=MODIFIED,
        note=note,
        tags=tuple(
            AnnotationTagView(name, dict(fields), suggested.get(name, ()))
            for name, fields in tags.items()
        ),
    )


@pytest.fixture
def form(qtbot: QtBot) -> AnnotationForm:
    widget = AnnotationForm()
    qtbot.addWidget(widget)
    widget.set_tags(TAGS)
    widget.resize(420, 900)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def editor(form: AnnotationForm, tag: str, name: str) -> Any:
    return form.boxes[tag].editors[name]


def type_into(qtbot: QtBot, field: QLineEdit, text: str, key: Qt.Key = Qt.Key.Key_Return) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, key)


def invalid(widget: QWidget) -> bool:
    return bool(widget.property("invalid"))


# -- fields --------------------------------------------------------------------------------


def test_number_with_separators_is_saved_as_a_number(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"unit": "troops"}}), SENTENCE)
    value = editor(form, "figure", "value")
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, value, "1,000,000")
    assert blocker.args == [7, "figure", {"unit": "troops", "value": 1000000}, []]
    assert value.text() == "1,000,000"
    assert not invalid(value)


def test_leaving_a_field_commits_it_normalised(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"value": 5}}), SENTENCE)
    unit = editor(form, "figure", "unit")
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, unit, "  tonnes ", key=Qt.Key.Key_Tab)
    assert blocker.args[2] == {"value": 5, "unit": "tonnes"}
    assert QApplication.focusWidget() is not unit


def test_decimal_and_date_values(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {}, "claim": {}}), SENTENCE)
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, editor(form, "figure", "value"), "2.5")
    assert blocker.args[2] == {"value": 2.5}
    for text in ("2024-06-12", "2024-06", "2024"):
        with qtbot.waitSignal(form.fieldsEdited) as blocker:
            type_into(qtbot, editor(form, "claim", "event_date"), text)
        assert blocker.args[1:3] == ["claim", {"event_date": text}]


def test_likelihood_chosen_with_the_keyboard(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"assessment": {}}), SENTENCE)
    combo = editor(form, "assessment", "likelihood")
    assert combo.itemText(0) == ""
    assert "likely (55-80%)" in [combo.itemText(i) for i in range(combo.count())]
    combo.setFocus()
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.keyClicks(combo, "likely")
    assert blocker.args[1:] == ["assessment", {"likelihood": "likely"}, []]
    assert combo.currentText() == "likely (55-80%)"
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert blocker.args[2] == {"likelihood": "very_likely"}


def test_likelihood_chosen_with_the_mouse(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"assessment": {"confidence": "high"}}), SENTENCE)
    combo: QComboBox = editor(form, "assessment", "likelihood")
    combo.showPopup()
    popup = combo.view()
    qtbot.waitUntil(popup.isVisible)
    row = combo.findData("likely")
    rect = popup.visualRect(popup.model().index(row, 0))
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[2] == {"likelihood": "likely", "confidence": "high"}


def test_wheel_over_an_unfocused_combo_changes_nothing(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"assessment": {}}), SENTENCE)
    combo = editor(form, "assessment", "confidence")
    form.note.setFocus()
    centre = combo.rect().center()
    wheel = QWheelEvent(
        centre,
        combo.mapToGlobal(centre),
        QPoint(),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    with qtbot.assertNotEmitted(form.fieldsEdited):
        QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == 0


@pytest.mark.parametrize(
    ("tag", "name", "text", "message"),
    [
        ("figure", "value", "a few", "is not a number"),
        ("figure", "value", "1e6", "is not a number"),
        ("claim", "event_date", "2024-02-30", "is not a real date"),
        ("claim", "event_date", "12/06/2024", "is not a date"),
    ],
)
def test_invalid_values_are_marked_and_never_saved(
    qtbot: QtBot, form: AnnotationForm, tag: str, name: str, text: str, message: str
) -> None:
    form.show_annotation(view(tags={tag: {}}), SENTENCE)
    field = editor(form, tag, name)
    box = form.boxes[tag]
    with qtbot.assertNotEmitted(form.fieldsEdited):
        type_into(qtbot, field, text)
        type_into(qtbot, field, text, key=Qt.Key.Key_Tab)
    assert invalid(field)
    assert message in field.toolTip()
    assert box.error_label.isVisible() and message in box.error_label.text()
    with qtbot.waitSignal(form.fieldsEdited):
        type_into(qtbot, field, "2024")
    assert not invalid(field)
    assert not box.error_label.isVisible()


def test_range_low_above_high_is_invalid(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {}}), SENTENCE)
    low, high = editor(form, "figure", "range_low"), editor(form, "figure", "range_high")
    with qtbot.waitSignal(form.fieldsEdited):
        type_into(qtbot, low, "10")
    with qtbot.assertNotEmitted(form.fieldsEdited):
        type_into(qtbot, high, "5")
    assert invalid(high) and not invalid(low)
    assert "must not be below" in form.boxes["figure"].error_label.text()
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, high, "12")
    assert blocker.args[2] == {"range_low": 10, "range_high": 12}


def test_escape_reverts_a_draft(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"value": 12}}), SENTENCE)
    value = editor(form, "figure", "value")
    with qtbot.assertNotEmitted(form.fieldsEdited):
        type_into(qtbot, value, "twelve")
        assert invalid(value)
        qtbot.keyClick(value, Qt.Key.Key_Escape)
        form.note.setFocus()
    assert value.text() == "12" and not invalid(value)


def test_invalid_stored_values_are_shown_invalid(form: AnnotationForm) -> None:
    form.show_annotation(
        view(tags={"figure": {"value": "approx 5", "qualifier": "roughly", "extra": 1}}),
        SENTENCE,
    )
    assert editor(form, "figure", "value").text() == "approx 5"
    assert invalid(editor(form, "figure", "value"))
    qualifier = editor(form, "figure", "qualifier")
    assert invalid(qualifier) and qualifier.currentText().startswith("roughly")


def test_unknown_stored_keys_are_announced(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"legacy": "x"}}), SENTENCE)
    notice = form.boxes["figure"].extra_label
    assert notice.isVisible() and "legacy" in notice.text()
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, editor(form, "figure", "unit"), "km")
    assert blocker.args[2] == {"unit": "km"}  # exactly validate_fields' output
    assert not notice.isVisible()


def test_numbers_read_with_separators(form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"value": 1e16, "range_low": 0.25}}), SENTENCE)
    assert editor(form, "figure", "value").text() == "10,000,000,000,000,000"
    assert editor(form, "figure", "range_low").text() == "0.25"


# -- suggestions ---------------------------------------------------------------------------

SUGGESTED_FIGURE = {"value": 1200, "unit": "troops", "figure_kind": "count"}


def show_suggested(form: AnnotationForm) -> TagFieldsBox:
    form.show_annotation(
        view(
            tags={"figure": {**SUGGESTED_FIGURE, "qualifier": "approximately"}},
            suggested={"figure": ("value", "unit", "figure_kind")},
        ),
        SENTENCE,
    )
    return form.boxes["figure"]


def test_suggestions_are_shown_distinctly(form: AnnotationForm) -> None:
    box = show_suggested(form)
    for name in ("value", "unit", "figure_kind"):
        assert box.editors[name].property("suggested") is True
        assert box.markers[name].isVisible()
        assert "Suggested" in box.editors[name].toolTip()
    assert not box.editors["qualifier"].property("suggested")
    assert not box.markers["qualifier"].isVisible()
    assert box.accept_button.isVisible()
    assert box.suggestion_hint.text() == "3 suggested values"


def test_accepting_suggestions(qtbot: QtBot, form: AnnotationForm) -> None:
    box = show_suggested(form)
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.mouseClick(box.accept_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [7, "figure", {**SUGGESTED_FIGURE, "qualifier": "approximately"}, []]
    assert not box.accept_button.isVisible()
    assert not any(box.editors[n].property("suggested") for n in box.editors)


def test_editing_a_suggested_field_drops_it(qtbot: QtBot, form: AnnotationForm) -> None:
    show_suggested(form)
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        type_into(qtbot, editor(form, "figure", "unit"), "soldiers")
    assert blocker.args[2]["unit"] == "soldiers"
    assert blocker.args[3] == ["value", "figure_kind"]
    assert not editor(form, "figure", "unit").property("suggested")
    assert form.boxes["figure"].suggestion_hint.text() == "2 suggested values"
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        kind = editor(form, "figure", "figure_kind")
        kind.setFocus()
        qtbot.keyClick(kind, Qt.Key.Key_Down)
    assert blocker.args[3] == ["value"]


def test_enter_on_an_unchanged_suggestion_confirms_it(qtbot: QtBot, form: AnnotationForm) -> None:
    show_suggested(form)
    value = editor(form, "figure", "value")
    value.setFocus()
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.keyClick(value, Qt.Key.Key_Return)
    assert blocker.args[2]["value"] == 1200
    assert blocker.args[3] == ["unit", "figure_kind"]
    with qtbot.assertNotEmitted(form.fieldsEdited):  # leaving it unchanged saves nothing
        editor(form, "figure", "unit").setFocus()
        form.note.setFocus()


# -- note, tags, delete, times -------------------------------------------------------------


def test_note_is_saved_once_when_leaving_it(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(note="old"), SENTENCE)
    emitted: list[tuple[int, str]] = []
    form.noteEdited.connect(lambda i, n: emitted.append((i, n)))
    form.note.setFocus()
    form.note.moveCursor(form.note.textCursor().MoveOperation.End)
    qtbot.keyClicks(form.note, " and new")
    editor(form, "figure", "unit").setFocus()
    form.note.setFocus()
    editor(form, "figure", "unit").setFocus()
    assert emitted == [(7, "old and new")]


def test_note_is_saved_after_a_pause(qtbot: QtBot, form: AnnotationForm) -> None:
    form.note_timer.setInterval(50)
    form.show_annotation(view(), SENTENCE)
    form.note.setFocus()
    with qtbot.waitSignal(form.noteEdited, timeout=2000) as blocker:
        qtbot.keyClicks(form.note, "check")
    assert blocker.args == [7, "check"]
    with qtbot.assertNotEmitted(form.noteEdited, wait=150):
        form.show_annotation(view(note="check"), SENTENCE)  # the refresh after the save
    assert form.note.hasFocus()


def test_tag_buttons_toggle_and_show_the_tags(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"claim": {}}), SENTENCE)
    buttons = form.tag_buttons
    assert [b.isChecked() for b in buttons.values()] == [True, False, False]
    assert "(key 3)" in buttons["figure"].toolTip()
    with qtbot.waitSignal(form.tagToggled) as blocker:
        qtbot.mouseClick(buttons["figure"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["figure"]
    assert not buttons["figure"].isChecked()  # until the annotation says otherwise
    form.show_annotation(view(tags={"claim": {}, "figure": {}}), SENTENCE)
    assert [b.isChecked() for b in buttons.values()] == [True, False, True]
    assert form.boxes["figure"].isVisible() and not form.boxes["assessment"].isVisible()
    buttons["claim"].setFocus()
    with qtbot.waitSignal(form.tagToggled) as blocker:
        qtbot.keyClick(buttons["claim"], Qt.Key.Key_Space)
    assert blocker.args == ["claim"]


def test_selection_and_empty_states(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_selection("1,200 troops")
    assert form.current_annotation_id() is None
    assert form.text_label.text() == "1,200 troops"
    assert not any(box.isVisible() for box in form.boxes.values())
    assert not form.note.isVisible() and not form.delete_button.isEnabled()
    with qtbot.waitSignal(form.tagToggled) as blocker:
        qtbot.mouseClick(form.tag_buttons["figure"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["figure"]
    form.show_annotation(None)
    assert form.empty_hint.isVisible() and form.tag_buttons["claim"].isEnabled()


def test_delete_button(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(annotation_id=12), SENTENCE)
    assert form.current_annotation_id() == 12
    with qtbot.waitSignal(form.deleteRequested) as blocker:
        qtbot.mouseClick(form.delete_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [12]


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "Europe/Berlin")
        time.tzset()
        yield
    time.tzset()


def test_times_are_shown_in_local_time(form: AnnotationForm, berlin: None) -> None:
    form.show_annotation(view(author="j.morgan"), SENTENCE)
    assert form.author_label.text() == "j.morgan"
    assert form.created_label.text() == "2024-06-12 16:03 CEST"  # summer: UTC+2
    assert form.modified_label.text() == "2024-12-01 10:41 CET"  # winter: UTC+1


def test_long_text_is_elided(form: AnnotationForm) -> None:
    text = "word " * 1000
    form.show_annotation(view(), text)
    assert len(form.text_label.text()) < 700 and "…" in form.text_label.text()


# -- refreshing ----------------------------------------------------------------------------


def test_showing_emits_nothing(qtbot: QtBot, form: AnnotationForm) -> None:
    signals = [getattr(form, name) for name in ALL_SIGNALS]
    first = view(tags={"claim": {"event_date": "2024"}, "figure": {"value": 3}}, note="n")
    with (
        qtbot.assertNotEmitted(signals[0]),
        qtbot.assertNotEmitted(signals[1]),
        qtbot.assertNotEmitted(signals[2]),
        qtbot.assertNotEmitted(signals[3], wait=100),
    ):
        form.show_annotation(first, SENTENCE)
        form.show_annotation(view(tags={"assessment": {"likelihood": "likely"}}), "x")
        form.show_annotation(view(annotation_id=8, note="other"), "y")
        form.show_selection("z")
        form.show_annotation(None)
        form.show_annotation(first, SENTENCE)


def test_refresh_keeps_focus_and_the_draft(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"figure": {"value": 1200}}, note="a"), SENTENCE)
    unit = editor(form, "figure", "unit")
    unit.setFocus()
    qtbot.keyClicks(unit, "tonn")
    # An undo elsewhere changes the value while the analyst types the unit.
    form.show_annotation(view(tags={"figure": {"value": 1300}}, note="b"), SENTENCE)
    assert editor(form, "figure", "value").text() == "1,300"
    assert form.note.toPlainText() == "b"
    assert unit.hasFocus() and unit.text() == "tonn"
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        qtbot.keyClicks(unit, "es")
        qtbot.keyClick(unit, Qt.Key.Key_Return)
    assert blocker.args[2] == {"value": 1300, "unit": "tonnes"}


def test_refresh_replaces_values_not_being_typed(qtbot: QtBot, form: AnnotationForm) -> None:
    show_suggested(form)
    value = editor(form, "figure", "value")
    value.setFocus()
    form.show_annotation(view(tags={"figure": {"value": 9}}), SENTENCE)  # e.g. undo
    assert value.hasFocus() and value.text() == "9"
    assert not value.property("suggested") and not form.boxes["figure"].accept_button.isVisible()
    assert editor(form, "figure", "unit").text() == ""


def test_switching_annotation_saves_what_was_typed(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(annotation_id=1), SENTENCE)
    unit = editor(form, "figure", "unit")
    unit.setFocus()
    qtbot.keyClicks(unit, "km")
    with qtbot.waitSignal(form.fieldsEdited) as blocker:
        form.show_annotation(view(annotation_id=2), SENTENCE)
    assert blocker.args == [1, "figure", {"unit": "km"}, []]
    assert form.current_annotation_id() == 2 and unit.text() == ""
    form.note.setFocus()
    qtbot.keyClicks(form.note, "see annex")  # the idle timer has not fired yet
    with qtbot.waitSignal(form.noteEdited) as blocker:
        form.show_annotation(view(annotation_id=3), SENTENCE)
    assert blocker.args == [2, "see annex"]
    assert form.note.toPlainText() == "" and form.current_annotation_id() == 3


class LayoutEvents(QObject):
    """Counts the events of widgets shown, hidden, added, removed or laid out again."""

    KINDS = frozenset({
        QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest,
        QEvent.Type.ChildAdded, QEvent.Type.ChildRemoved,
    })

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in self.KINDS:
            self.seen[event.type().name] += 1
        return False


def test_show_annotation_is_cheap(form: AnnotationForm) -> None:
    tags = {"claim": {"attributed_to": "MoD", "event_date": "2024-06"}, "figure": {"value": 3}}
    first, second = view(1, tags, note="x"), view(2, {"assessment": {"confidence": "low"}})
    form.show_annotation(first, SENTENCE)
    form.show_annotation(second, SENTENCE)
    QApplication.processEvents()
    widgets = form.findChildren(QWidget)
    events = LayoutEvents()
    QApplication.instance().installEventFilter(events)
    try:
        form.show_annotation(second, SENTENCE)  # the refresh after each save of the shown one
        QApplication.processEvents()
        assert events.seen == Counter(), "a refresh re-laid out the form"
        for _ in range(40):
            form.show_annotation(first, SENTENCE)
            form.show_annotation(second, SENTENCE)
        QApplication.processEvents()
    finally:
        QApplication.instance().removeEventFilter(events)
    assert form.findChildren(QWidget) == widgets, "switching annotations rebuilt widgets"


def test_every_control_is_reachable_by_tab(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(
        view(tags={"claim": {}, "figure": {"value": 1}}, suggested={"figure": ("value",)}), SENTENCE
    )
    first = form.tag_buttons["claim"]
    first.setFocus()
    seen: list[QWidget] = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        assert widget is not None
        if widget in seen:
            break
        seen.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    expected = [*form.tag_buttons.values()]
    for tag in ("claim", "figure"):
        expected += form.boxes[tag].editors.values()
    expected += [form.boxes["figure"].accept_button, form.note, form.delete_button]
    assert [w for w in seen if w in expected] == expected


def test_labels_have_buddies_and_mnemonics(qtbot: QtBot, form: AnnotationForm) -> None:
    form.show_annotation(view(tags={"claim": {}, "figure": {}}), SENTENCE)
    for box in form.boxes.values():
        letters = set()
        for name, label in box.labels.items():
            assert label.buddy() is box.editors[name]
            assert "&" in label.text()
            letters.add(label.text()[label.text().index("&") + 1].casefold())
        assert len(letters) == len(box.labels)
        assert not letters & {"f", "e", "v", "h", "n", "d"}  # menus, Note, Delete
    assert form.note_label.buddy() is form.note
    assert isinstance(editor(form, "figure", "value"), LineField)
    assert isinstance(editor(form, "figure", "qualifier"), ChoiceField)


# -- annotation list -----------------------------------------------------------------------

LINE = "Sentence {:05d} says troops moved. "
LINE_LENGTH = len(LINE.format(0))
ROWS = 10_000


def list_view(
    i: int, tags: tuple[str, ...] | None = None, start: int | None = None
) -> AnnotationView:
    start = i * LINE_LENGTH if start is None else start
    names = tags if tags is not None else (TAGS[i % 3].name,)
    return view(
        annotation_id=i,
        tags={name: {} for name in names},
        start=start,
        end=start + LINE_LENGTH - 1,
        author="ben" if i % 2 else "ana",
    )


@pytest.fixture
def big_list(qtbot: QtBot) -> AnnotationList:
    widget = AnnotationList()
    qtbot.addWidget(widget)
    widget.set_tags(TAGS)
    widget.resize(420, 400)
    widget.show()
    qtbot.waitExposed(widget)
    text = "".join(LINE.format(i) for i in range(ROWS))
    widget.load(text, list_views(ROWS))
    QApplication.processEvents()
    return widget


def list_views(rows: int) -> list[AnnotationView]:
    views = [list_view(i) for i in range(rows)]
    return views[1::2] + views[::2]  # not in text order


def test_list_load_grows_linearly(qtbot: QtBot) -> None:
    widget = AnnotationList()
    qtbot.addWidget(widget)
    widget.set_tags(TAGS)
    widget.show()

    def rows(scale: float) -> tuple[str, list[AnnotationView]]:
        count = round(ROWS * scale)
        return "".join(LINE.format(i) for i in range(count)), list_views(count)

    def load(data: tuple[str, list[AnnotationView]]) -> None:
        widget.load(*data)
        QApplication.processEvents()

    assert_linear(load, rows)


def ids_in_order(widget: AnnotationList) -> list[int]:
    return [view.id for view in widget.model.rows]


def test_list_loads_in_text_order(big_list: AnnotationList) -> None:
    assert big_list.proxy.rowCount() == ROWS
    assert ids_in_order(big_list) == list(range(ROWS))
    assert big_list.count_label.text() == "10,000 annotations"
    first = big_list.proxy.index(0, 0)
    assert first.data() == "Sentence 00000 says troops moved."
    assert big_list.proxy.index(1, 1).data() == "assessment"
    assert big_list.proxy.index(1, 2).data() == "ben"


def test_list_updates_rows_without_reset(
    qtbot: QtBot, big_list: AnnotationList, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = big_list.model
    big_list.select(5000)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(model.layoutChanged):
        with qtbot.waitSignal(model.dataChanged):
            big_list.update([list_view(10, tags=("claim", "figure"))], [])
        assert big_list.proxy.index(10, 1).data() == "claim, figure"
        with qtbot.waitSignal(model.rowsMoved):  # its span moved to the end of the text
            big_list.update([list_view(3, start=ROWS * LINE_LENGTH - 20)], [])
        assert ids_in_order(big_list)[-1] == 3 and ids_in_order(big_list)[3] == 4
        with qtbot.waitSignal(model.rowsRemoved):
            big_list.update([], [20])
        with qtbot.waitSignal(model.rowsInserted):
            big_list.update([list_view(ROWS, start=25 * LINE_LENGTH + 1)], [])
        filtered: list[int] = []
        accepts = big_list.proxy.filterAcceptsRow

        def counted(row: int, parent: Any) -> bool:
            filtered.append(row)
            return accepts(row, parent)

        monkeypatch.setattr(big_list.proxy, "filterAcceptsRow", counted)
        for i in range(100, 200):
            big_list.update([list_view(i, tags=("figure",))], [])
        monkeypatch.setattr(big_list.proxy, "filterAcceptsRow", accepts)
        assert len(filtered) <= 2 * 100, "an update of one row filtered the whole list again"
    order = ids_in_order(big_list)
    assert len(order) == ROWS and 20 not in order
    assert order[order.index(25) + 1] == ROWS
    assert order == sorted(order, key=lambda i: model.rows[order.index(i)].start)
    assert big_list.selected_id() == 5000
    big_list.update()  # still QWidget.update() (a repaint) without arguments


def test_list_filters_by_tag_author_and_text(qtbot: QtBot, big_list: AnnotationList) -> None:
    big_list.tag_filter.setCurrentIndex(big_list.tag_filter.findData("figure"))
    assert big_list.proxy.rowCount() == 3333
    assert big_list.count_label.text() == "3,333 of 10,000 annotations"
    big_list.search.setFocus()
    qtbot.keyClicks(big_list.search, "BEN")
    assert big_list.proxy.rowCount() == 1666  # odd ids among the figures
    big_list.tag_filter.setCurrentIndex(0)
    big_list.search.clear()
    qtbot.keyClicks(big_list.search, "sentence 0421")
    assert big_list.proxy.rowCount() == 11  # 00421 and 04210-04219
    big_list.update([list_view(4215, tags=("claim",))], [])
    assert big_list.proxy.rowCount() == 11
    big_list.set_filter("", "assessment")
    assert big_list.proxy.rowCount() == 3333
    big_list.set_filter()
    assert big_list.proxy.rowCount() == ROWS


def test_list_row_click_and_enter_activate(qtbot: QtBot, big_list: AnnotationList) -> None:
    table = big_list.table
    index = big_list.proxy.index(2, 0)
    with qtbot.waitSignal(big_list.annotationActivated) as blocker:
        qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
        )
    assert blocker.args == [2]
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    with qtbot.waitSignal(big_list.annotationActivated) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert blocker.args == [3]


def test_list_select_follows_the_form(qtbot: QtBot, big_list: AnnotationList) -> None:
    with qtbot.assertNotEmitted(big_list.annotationActivated):
        big_list.select(9000)
        assert big_list.selected_id() == 9000
        index = big_list.table.currentIndex()
        assert big_list.table.viewport().rect().intersects(big_list.table.visualRect(index))
        big_list.select(None)
        assert big_list.selected_id() is None
        big_list.set_filter("", "claim")
        big_list.select(1)  # an assessment: filtered out
        assert big_list.selected_id() is None


def test_many_tags_wrap_onto_rows_inside_the_form(qtbot: QtBot) -> None:
    """An imported codebook can bring a dozen tags: their buttons wrap, nothing is cut off and
    the form needs no horizontal scrolling."""
    many = [*TAGS] + [
        TagInfo(10 + i, f"code {i} {'x' * (i % 4)}", "#888888", None) for i in range(12)
    ]
    widget = AnnotationForm()
    qtbot.addWidget(widget)
    widget.set_tags(many)
    widget.resize(340, 700)
    widget.show()
    qtbot.waitExposed(widget)
    buttons = list(widget.tag_buttons.values())
    assert len(buttons) == len(many)
    viewport = widget.scroll.viewport()
    rows = set()
    for button in buttons:
        assert button.isVisible()
        top_left = button.mapTo(viewport, button.rect().topLeft())
        assert top_left.x() >= 0 and top_left.x() + button.width() <= viewport.width()
        rows.add(top_left.y())
    assert len(rows) > 1
    assert not widget.scroll.horizontalScrollBar().isVisible()
    # In the order of the tags, row by row.
    order = sorted(buttons, key=lambda b: (b.mapTo(viewport, b.rect().topLeft()).y(), b.x()))
    assert order == buttons
    # Set again (tags reloaded after an import): the old buttons are gone, none is lost.
    widget.set_tags(many[:5])
    qtbot.waitUntil(lambda: len(widget.findChildren(type(buttons[0]))) == 5)
