"""The values every importer produces: the cleaned text and the guessed metadata."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from annotator.core.text import text_sha256


class DateCertainty(StrEnum):
    """How sure the importer is about `DocumentMetadata.published`."""

    EXACT = "exact"  # unambiguous date (ISO, month name, or unambiguous numeric)
    AMBIGUOUS = "ambiguous"  # d/m vs m/d both possible, or only a file date: see date_note
    NONE = "none"  # no date found, or only a partial one: never invented


@dataclass
class DocumentMetadata:
    """Guesses about a document; the analyst can edit every one of them."""

    title: str | None
    issuer: str | None
    published: datetime.date | None
    date_certainty: DateCertainty
    date_note: str | None
    language: str | None  # ISO 639-1 code, or None when unsure


@dataclass
class ImportedDocument:
    """A file turned into the text that will be stored and annotated."""

    text: str
    metadata: DocumentMetadata
    source_name: str  # file name, no directories
    source_format: str  # "txt" | "md" | "html" | "pdf" | "docx"
    # One line each, for the analyst: what was imported differently from the file (bytes
    # that were not valid UTF-8...).
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of `text` (how the store recognises a document it already has)."""
        return text_sha256(self.text)


@dataclass(frozen=True)
class FormatHints:
    """Metadata a format states outright (HTML <meta>, front matter, PDF info, DOCX properties)."""

    title: str | None = None  # preferred over the guess from the text
    fallback_title: str | None = None  # used only when the text gives no title
    issuer: str | None = None
    fallback_issuer: str | None = None
    date: str | None = None
    fallback_date: str | None = None  # a file's creation date: used only when the text has none
    language: str | None = None


@dataclass(frozen=True)
class Converted:
    """The result of one format converter: cleaned text plus what the format declared."""

    text: str
    hints: FormatHints = FormatHints()


def join_blocks(blocks: Iterable[tuple[str, str]]) -> str:
    """The stored text of a document read as blocks (kind, text): paragraphs and headings
    separated by a blank line, consecutive bullets by a line break; ends with one newline."""
    parts: list[str] = []
    previous = None
    for kind, text in blocks:
        if previous is not None:
            parts.append("\n" if kind == previous == "bullet" else "\n\n")
        parts.append(text)
        previous = kind
    return "".join(parts) + "\n" if parts else ""
