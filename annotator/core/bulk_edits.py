"""The edits of a bulk edit and what it did: plain types, free of SQLAlchemy.

The annotations table builds these before anything touches the database (the window is shown
before SQLAlchemy is imported, issue 15); `core.bulk_edit` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.facts import AnnotationSnapshot, Changes
from annotator.core.fields import field_label

# -- the edits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetField:
    """Set one form field of `tag` on every annotation carrying that tag (others are left as
    they are); `value` None or blank empties the field. The value is confirmed: the field is no
    longer marked as a suggestion."""

    tag: str
    field: str
    value: object


@dataclass(frozen=True)
class AddTag:
    """Add `tag` (with empty fields) to every annotation not carrying it yet."""

    tag: str


@dataclass(frozen=True)
class RemoveTag:
    """Remove `tag` (and its fields) from every annotation carrying it."""

    tag: str


@dataclass(frozen=True)
class SetStatus:
    """Set the review status (one of `STATUSES`), with the analyst as reviewer, now as the
    review time and `comment`. The annotation's content and modification time are unchanged."""

    status: str
    comment: str = ""


Edit = SetField | AddTag | RemoveTag | SetStatus


@dataclass(frozen=True)
class BulkResult:
    """What a bulk edit did."""

    changes: Changes
    before: tuple[AnnotationSnapshot, ...]  # every changed annotation as it was
    after: tuple[AnnotationSnapshot, ...]  # ... and as it is now, in the same order
    colleagues: int  # colleagues' annotations left unchanged
    unchanged: int  # own annotations the edit did not change (a no-op for them)
    missing: int  # ids with no annotation (deleted meanwhile)

    @property
    def changed(self) -> int:
        return len(self.after)


def describe(edit: Edit) -> str:
    """The edit in a few words, for the Undo menu: "Set analytic confidence", "Add tag claim"."""
    if isinstance(edit, SetField):
        label = field_label(edit.tag, edit.field)
        return f"Set {label[:1].lower()}{label[1:]}"
    if isinstance(edit, AddTag):
        return f"Add tag {edit.tag}"
    if isinstance(edit, RemoveTag):
        return f"Remove tag {edit.tag}"
    return f"Mark {edit.status}"


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def summary(result: BulkResult) -> str:
    """What a bulk edit did, in a line for the analyst: "3 annotations changed. 2 annotations
    of colleagues were left unchanged (each analyst's layer is theirs)." """
    parts = [f"{_count(result.changed, 'annotation')} changed."]
    if result.unchanged:
        parts.append(f"{_count(result.unchanged, 'annotation')} needed no change.")
    if result.colleagues:
        parts.append(
            f"{_count(result.colleagues, 'annotation')} of colleagues "
            f"{'was' if result.colleagues == 1 else 'were'} left unchanged "
            "(each analyst's layer is theirs)."
        )
    if result.missing:
        parts.append(f"{_count(result.missing, 'annotation')} no longer existed.")
    return " ".join(parts)
