"""The review panel: choose authors, step through their disagreements, adjudicate each.

It reads the open document's annotations from the workspace (no queries of its own), computes
the unit states with `core.review.unit_states`, feeds the reader's lanes, and turns each
decision into one undoable `core.review.adjudicate` through the context. The adjudicated layer
is the analyst's own: author "adjudicated by <analyst name>".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from annotator.core.fields import field_label, value_text
from annotator.core.review_terms import STATE_LABELS, adjudicated_author, is_adjudicated
from annotator.gui import deferred
from annotator.gui.context import AppContext
from annotator.gui.reader.lanes import LaneUnit, paint_state_marker
from annotator.gui.theme import tag_looks, theme_of, unlisted_look
from annotator.gui.theme_colours import ThemeColours
from annotator.gui.undo import AnnotationCommand
from annotator.gui.workspace import Workspace

if TYPE_CHECKING:
    from annotator.core import ops
    from annotator.core.facts import AnnotationView
    from annotator.core.review import (
        UnitReview,
        accept_agreed,
        adjudicate,
        proposed_union,
        unit_states,
    )
else:  # deferred: these load SQLAlchemy, which the window is shown without (issue 15)
    ops = deferred.module("annotator.core.ops")
    accept_agreed, adjudicate, proposed_union, unit_states = deferred.functions(
        "annotator.core.review", "accept_agreed", "adjudicate", "proposed_union", "unit_states"
    )

UNIT_ROLE = Qt.ItemDataRole.UserRole + 1


# Fields whose values the detail shows for every author (the scales reviewers compare).
SHOWN_FIELDS = ("likelihood", "confidence", "source_reliability", "information_credibility",
                "figure_kind", "qualifier")


def state_icon(state: str, palette: QPalette, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_state_marker(painter, QRectF(1, 1, size - 2, size - 2), state, palette)
    painter.end()
    return QIcon(pixmap)


def _snippet(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class ReviewPanel(QWidget):
    """Authors to compare, the list of disagreements, and the decision buttons."""

    message = Signal(str)  # a short note for the status bar
    lanesChanged = Signal(list)  # the compared authors, in lane order

    def __init__(
        self, ctx: AppContext, workspace: Workspace, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self.ctx = ctx
        self.workspace = workspace
        self.active = False
        self.chosen: list[str] = []
        self.reviews: list[UnitReview] = []
        self.rows: list[UnitReview] = []
        self._unchecked: set[str] = set()
        self._filling = False
        workspace.visibilityChanged.connect(self._show_lanes)
        self.author_buttons: dict[str, QPushButton] = {}
        self._build()
        ctx.changed.connect(lambda _changes: self.refresh())
        workspace.documentOpened.connect(lambda _id: self.refresh())
        workspace.documentClosed.connect(self.refresh)
        workspace.reader.spanSelected.connect(self._follow_reader)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(5)
        title = QLabel("<b>Review</b> — compare authors, decide each disagreement", self)
        title.setWordWrap(True)
        self.authors = QListWidget(self)
        self.authors.setObjectName("reviewAuthors")
        self.authors.setAccessibleName("Authors to compare (lane order)")
        self.authors.setToolTip("Tick two or more authors; their lanes appear in this order")
        self.authors.itemChanged.connect(self._on_author_ticked)
        self.summary = QLabel(self)
        self.summary.setObjectName("reviewSummary")
        self.summary.setWordWrap(True)
        self.units_list = QListWidget(self)
        self.units_list.setObjectName("disagreementList")
        self.units_list.setAccessibleName("Disagreements")
        self.units_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.units_list.setIconSize(QSize(16, 16))
        self.units_list.setWordWrap(True)
        self.units_list.setUniformItemSizes(True)
        self.units_list.currentRowChanged.connect(self._on_row)
        self.detail = QLabel(self)
        self.detail.setObjectName("reviewDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.comment = QLineEdit(self)
        self.comment.setObjectName("reviewComment")
        self.comment.setPlaceholderText("Comment, saved with the next decision")
        self.comment.setClearButtonEnabled(True)
        self.buttons = QGridLayout()
        self.buttons.setSpacing(4)
        self.union_button = self._button("Accept union", "acceptUnion", "union")
        self.reject_button = self._button("Reject all", "rejectAll", "reject_all")
        self.edit_button = self._button("Edit…", "editAdjudication", "edit")
        self.agreed_button = QPushButton("Accept all agreed units", self)
        self.agreed_button.setObjectName("acceptAgreed")
        self.agreed_button.clicked.connect(self.accept_agreed)
        layout.addWidget(title)
        layout.addWidget(self.authors)
        layout.addWidget(self.summary)
        layout.addWidget(self.units_list, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.comment)
        layout.addLayout(self.buttons)
        layout.addWidget(self.agreed_button)
        self._layout_buttons()

    def _button(self, text: str, name: str, decision: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: self.decide(decision))
        return button

    def _layout_buttons(self) -> None:
        while self.buttons.count():
            item = self.buttons.takeAt(0)
            if item is not None and item.widget() in self.author_buttons.values():
                item.widget().deleteLater()
        self.author_buttons = {}
        for lane, author in enumerate(self.chosen):
            button = QPushButton(f"Accept {author}", self)
            button.setObjectName(f"acceptAuthor{lane + 1}")
            button.setToolTip(f"Accept {author}'s tags on this unit (lane {lane + 1}"
                              + (f", Alt+{lane + 1})" if lane < 4 else ")"))
            button.clicked.connect(lambda _c=False, a=author: self.decide("accept_author", a))
            self.author_buttons[author] = button
            self.buttons.addWidget(button, lane // 2, lane % 2)
        row = (len(self.chosen) + 1) // 2
        self.buttons.addWidget(self.union_button, row, 0)
        self.buttons.addWidget(self.reject_button, row, 1)
        self.buttons.addWidget(self.edit_button, row + 1, 0, 1, 2)
        self._update_buttons()

    # -- state -----------------------------------------------------------------------------

    @property
    def layer(self) -> str:
        return adjudicated_author(self.ctx.author)

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.refresh()
        else:
            self.workspace.reader.clear_review_lanes()

    def _document_authors(self) -> list[str]:
        return sorted(
            {v.author for v in self.workspace.annotations.values() if not is_adjudicated(v.author)}
        )

    def refresh(self) -> None:
        """Recompute the unit states from the workspace's annotations and show them."""
        if not self.active:
            return
        authors = self._document_authors()
        self._fill_authors(authors)
        chosen = [a for a in authors if a not in self._unchecked]
        if chosen != self.chosen:
            self.chosen = chosen
            self._layout_buttons()
        tag_order = [tag.name for tag in self.workspace.tags]
        self.reviews = unit_states(
            self.workspace.units, self.workspace.annotations.values(), self.chosen, tag_order
        )
        self.rows = (
            [r for r in self.reviews if r.is_disagreement] if len(self.chosen) >= 2 else []
        )
        self._fill_rows()
        self._show_lanes()

    def _fill_authors(self, authors: Sequence[str]) -> None:
        self._filling = True
        self.authors.clear()
        lane = 0
        for author in authors:
            checked = author not in self._unchecked
            lane += checked
            item = QListWidgetItem(f"{lane} · {author}" if checked else author, self.authors)
            item.setData(UNIT_ROLE, author)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        rows = min(max(2, len(authors)), 5)
        self.authors.setFixedHeight(rows * max(self.authors.sizeHintForRow(0), 16) + 6)
        self._filling = False

    def _on_author_ticked(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        author = item.data(UNIT_ROLE)
        if item.checkState() == Qt.CheckState.Checked:
            self._unchecked.discard(author)
        else:
            self._unchecked.add(author)
        self.refresh()

    def set_authors(self, authors: Sequence[str]) -> None:
        """Compare exactly these authors (the others of the document are unticked)."""
        self._unchecked = set(self._document_authors()) - set(authors)
        self.refresh()

    def decisions(self) -> dict[tuple[int, int], AnnotationView]:
        """The analyst's adjudicated annotations of the open document, by span."""
        layer = self.layer
        return {
            (v.start, v.end): v for v in self.workspace.annotations.values() if v.author == layer
        }

    def _fill_rows(self) -> None:
        current = self.current_review()
        decided = self.decisions()
        text = self.workspace.text
        self.units_list.blockSignals(True)
        self.units_list.clear()
        for review in self.rows:
            line = f"Unit {review.index + 1}: {STATE_LABELS[review.state]}"
            decision = decided.get(review.span)
            if decision is not None:
                line += f"  {self._decision_words(decision)}"
            item = QListWidgetItem(state_icon(review.state, self.palette()), line,
                                   self.units_list)
            item.setData(UNIT_ROLE, review.index)
            item.setToolTip(f"{_snippet(text[review.start : review.end], 200)}\n"
                            + "\n".join(self._who_tagged(review)))
        self.units_list.blockSignals(False)
        if current is not None:
            self._select_row_of(current.index, scroll=False)
        self._update_summary()
        self._show_detail()

    def _decision_words(self, decision: AnnotationView) -> str:
        """"✔ accepted Ana's tags", "✖ rejected all tags"...: the note's decision part."""
        status = self.workspace.statuses.get(decision.id, "accepted")
        words = decision.note.removeprefix("Adjudicated: ").split(" — ", 1)[0]
        words = words.split(" (", 1)[0] if status == "rejected" else words
        return f"{'✖' if status == 'rejected' else '✔'} {words}"

    def _update_summary(self) -> None:
        if len(self.chosen) < 2:
            self.summary.setText("Tick two or more authors to compare.")
            return
        counts = {state: 0 for state in STATE_LABELS}
        for review in self.reviews:
            counts[review.state] += 1
        decided = self.decisions()
        open_rows = sum(1 for r in self.rows if r.span not in decided)
        parts = [f"{counts[s]} {STATE_LABELS[s]}" for s in ("agree", "differ", "partial", "field")]
        self.summary.setText(
            f"{len(self.rows)} disagreement(s), {open_rows} undecided · " + ", ".join(parts)
        )

    def _who_tagged(self, review: UnitReview) -> list[str]:
        return [
            f"{lane + 1} {author}: {', '.join(review.tags[author]) or '—'}"
            for lane, author in enumerate(self.chosen)
        ]

    def _show_lanes(self) -> None:
        reader = self.workspace.reader
        if not self.active or self.workspace.document_id is None:
            reader.clear_review_lanes()
            return
        # Hidden tags and layers (View > Show Tags / Layers) are not painted in the lanes; the
        # lanes keep their places, so that Alt+1…4 still name the same authors.
        hidden_tags, hidden_authors = self.workspace.hidden_tags, self.workspace.hidden_authors
        units = [
            LaneUnit(
                r.start, r.end, r.state if len(self.chosen) >= 2 else "untagged",
                tuple(
                    () if a in hidden_authors
                    else tuple(t for t in r.tags[a] if t not in hidden_tags)
                    for a in self.chosen
                ),
                f"{STATE_LABELS[r.state]}\n" + "\n".join(self._who_tagged(r)),
            )
            for r in self.reviews
            if r.state != "untagged"
        ]
        reader.set_review_lanes(self.chosen, units)
        self.lanesChanged.emit(list(self.chosen))

    # -- navigation ------------------------------------------------------------------------

    def current_review(self) -> UnitReview | None:
        item = self.units_list.currentItem()
        if item is None:
            return None
        index = item.data(UNIT_ROLE)
        return next((r for r in self.rows if r.index == index), None)

    def _select_row_of(self, unit_index: int, *, scroll: bool = True) -> bool:
        for row in range(self.units_list.count()):
            if self.units_list.item(row).data(UNIT_ROLE) == unit_index:
                if not scroll:
                    self.units_list.blockSignals(True)
                self.units_list.setCurrentRow(row)
                self.units_list.blockSignals(False)
                return True
        return False

    def _reference(self) -> int:
        current = self.current_review()
        if current is not None:
            return current.start
        selection = self.workspace.selection
        return selection[0] if selection else -1

    def next_disagreement(self) -> bool:
        """Select the first disagreement after the current one (or after the selection)."""
        here = self._reference()
        found = next((r for r in self.rows if r.start > here), None)
        if found is None:
            self.message.emit("No further disagreement in this document.")
            return False
        return self._select_row_of(found.index)

    def previous_disagreement(self) -> bool:
        here = self._reference()
        found = next((r for r in reversed(self.rows) if r.start < here), None)
        if found is None:
            self.message.emit("No earlier disagreement in this document.")
            return False
        return self._select_row_of(found.index)

    def _on_row(self, _row: int) -> None:
        review = self.current_review()
        if review is not None:
            self.workspace.reader.select_span(review.start, review.end)
        self._show_detail()

    def _follow_reader(self, start: int, end: int) -> None:
        if not self.active or start < 0:
            return
        current = self.current_review()
        if current is not None and current.span == (start, end):
            return
        match = next((r for r in self.rows if r.span == (start, end)), None)
        if match is not None:
            self._select_row_of(match.index, scroll=False)
            self._show_detail()

    # -- detail ----------------------------------------------------------------------------

    def apply_theme(self, _colours: ThemeColours) -> None:
        """Another theme: the state icons and the detail's colours are built again."""
        if self.active:
            self._fill_rows()

    def _chips(self, tags: Sequence[str]) -> str:
        if not tags:
            return "<i>no tag</i>"
        palette = self.palette()
        looks = tag_looks({tag.name: tag.colour for tag in self.workspace.tags}, palette)
        chips = []
        for tag in tags:
            look = looks.get(tag) or unlisted_look(palette)
            chips.append(
                f'<span style="background:{look.line.name()}; color:{look.on_line.name()};">'
                f"&nbsp;{html.escape(tag)}&nbsp;</span>"
            )
        return " ".join(chips)

    @staticmethod
    def _field_text(tag: str, name: str, value: object) -> str:
        """ "Likelihood: very likely (80-95%)": labels, never storage codes."""
        return f"{html.escape(field_label(tag, name))}: {html.escape(value_text(tag, name, value))}"

    def _show_detail(self) -> None:
        review = self.current_review()
        self._update_buttons()
        if review is None:
            self.detail.setText(
                "<i>Press ] or F6 for the next disagreement, [ or Shift+F6 for the previous.</i>"
                if self.rows else "<i>No disagreement to review.</i>"
            )
            return
        differing = {(d.tag, d.field): d for d in review.field_differences}
        colours = theme_of(self.palette())
        colour = colours.state_colour(review.state) or colours.muted
        lines = [
            f'<b>Unit {review.index + 1}</b> — <span style="color:{colour};"><b>'
            f"{STATE_LABELS[review.state]}</b></span><table cellspacing='3'>"
        ]
        for lane, author in enumerate(self.chosen):
            fields = []
            for tag, values in review.fields[author].items():
                for (diff_tag, name), difference in differing.items():
                    if diff_tag == tag and author in difference.values:
                        fields.append(
                            f'<span style="color:{colours.attention};"><b>'
                            f"{self._field_text(tag, name, difference.values[author])}</b></span>"
                        )
                fields.extend(
                    self._field_text(tag, k, v)
                    for k, v in values.items()
                    if k in SHOWN_FIELDS and (tag, k) not in differing
                )
            lines.append(
                f"<tr><td>{lane + 1}</td><td><b>{html.escape(author)}</b></td>"
                f"<td>{self._chips(review.tags[author])}</td>"
                f"<td>{'; '.join(fields)}</td></tr>"
            )
        lines.append("</table>")
        decision = self.decisions().get(review.span)
        if decision is not None:
            lines.append(
                f"<b>Adjudicated</b> ({html.escape(self.layer)}): "
                f"{self._chips(decision.tag_names)} — {html.escape(decision.note)}"
            )
        self.detail.setText("".join(lines))

    def _update_buttons(self) -> None:
        enabled = self.current_review() is not None
        for button in (*self.author_buttons.values(), self.union_button, self.reject_button,
                       self.edit_button):
            button.setEnabled(enabled)
        self.agreed_button.setEnabled(any(r.state == "agree" for r in self.reviews)
                                      and len(self.chosen) >= 2)

    # -- decisions -------------------------------------------------------------------------

    def decide(self, decision: str, author: str | None = None) -> bool:
        """Adjudicate the selected unit (one undoable step); then go to the next one."""
        review = self.current_review()
        document_id = self.workspace.document_id
        if review is None or document_id is None:
            self.workspace.notice.emit("Select a disagreement first (] or F6 for the next one).")
            return False
        existing = self.decisions().get(review.span)
        store, reviewer, chosen = self.ctx.store, self.ctx.author, list(self.chosen)
        comment = self.comment.text().strip()
        tags: list[str] | None = None
        fields: dict[str, dict[str, object]] | None = None
        if decision == "edit":
            if existing is not None and existing.tags:
                fields = {t.name: dict(t.fields) for t in existing.tags}
            else:
                fields = proposed_union(review)
            tags = list(fields)
        words = {
            "accept_author": f"Accept {author}'s tags",
            "union": "Accept union",
            "reject_all": "Reject all",
            "edit": "Edit adjudication",
        }[decision]
        changes = self.ctx.edit_annotation(
            words,
            existing.id if existing is not None else None,
            lambda: adjudicate(
                store, document_id, review.span, decision, reviewer, comment,
                author_choice=author, tags=tags, fields=fields, authors=chosen,
            ),
        )
        if changes is None:
            return False
        self.comment.clear()
        if decision == "edit" and changes.created_id is not None:
            self.workspace.activate_annotation(changes.created_id)
            self.message.emit("Edit the adjudicated tags and fields in the form (keys 1/2/3 "
                              "toggle tags on it).")
        else:
            self.next_disagreement()
        return True

    def accept_lane(self, lane: int) -> bool:
        """Accept the tags of the author in lane `lane` (1-based)."""
        if not 1 <= lane <= len(self.chosen):
            return False
        return self.decide("accept_author", self.chosen[lane - 1])

    def accept_agreed(self) -> int:
        """Adjudicate every unit on which all compared authors agree (one undo step)."""
        document_id = self.workspace.document_id
        if document_id is None or len(self.chosen) < 2:
            return 0
        store, reviewer, reviews = self.ctx.store, self.ctx.author, list(self.reviews)
        comment = self.comment.text().strip()
        changes = self.ctx.run(lambda: accept_agreed(store, document_id, reviews, reviewer,
                                                     comment))
        if changes is None or not changes.annotations:
            self.message.emit("Every agreed unit is already decided.")
            return 0
        stack = self.ctx.undo_stack
        stack.beginMacro(f"Accept {len(changes.annotations)} agreed units")
        for annotation_id in sorted(changes.annotations):
            after = ops.snapshot_annotation(store, annotation_id)
            stack.push(AnnotationCommand("Accept agreed unit", self.ctx, None, after))
        stack.endMacro()
        self.message.emit(f"{len(changes.annotations)} agreed unit(s) accepted.")
        return len(changes.annotations)

