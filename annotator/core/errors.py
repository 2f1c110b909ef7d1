"""Errors raised by the core, each carrying a message written for the analyst."""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base class: `str(error)` is a one-line message fit to show the analyst."""


class ImportRefused(AnnotatorError):
    """A file could not be imported; nothing was written."""


class DuplicateDocument(ImportRefused):
    """The text is already stored (same sha256); nothing was written."""

    def __init__(self, message: str, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class DatabaseRefused(AnnotatorError):
    """A database file cannot be opened (not ours, too new, damaged); it was left untouched."""


class DatabaseDamaged(DatabaseRefused):
    """The database file is damaged (truncated, overwritten, not a database); left untouched."""


class DatabaseReadOnly(AnnotatorError):
    """The database was opened read-only (its file or folder cannot be written)."""


class NotFound(AnnotatorError):
    """A document, annotation or tag that was asked for does not exist."""


class InvalidValue(AnnotatorError):
    """A value given by the analyst is not valid (bad offsets, bad field value...)."""


class NotAReviewer(AnnotatorError):
    """On a team database, a role that is not a reviewer tried to set the review status of
    another author's annotation; the server wrote nothing."""

    def __init__(self, author: str, role: str) -> None:
        super().__init__(
            f"Only a reviewer may set the review status of {author}'s annotation; "
            f"{role} is not one on this team database (its administrator can make {role} "
            "one: annotator server add-user --role reviewer)."
        )
        self.author = author


class NotYourAnnotation(AnnotatorError):
    """An analyst tried to change another author's annotation; nothing was written."""

    def __init__(self, author: str) -> None:
        whose = author if author.startswith("adjudicated by ") else f"{author}'s"
        super().__init__(
            f"That annotation is {whose}; you can change only your own. "
            "Use Review Mode to adjudicate."
        )
        self.author = author
