"""Document importers: a file on disk -> cleaned text plus guessed metadata (no Qt here).

`read_document` picks the converter from the file extension (.txt/.text, .md/.markdown,
.html/.htm/.xhtml, .pdf, .docx). Content wins over the extension for PDF and Word files (a PDF
saved as "report.txt" imports as a PDF), and an unknown extension is accepted only when the
content is HTML. Anything else is refused with an `ImportRefused` whose message names the file
and the reason. `read_text_file` reads text files only (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.core.importers.dates import parse_date_value
from annotator.core.importers.decode import (
    DEFAULT_MAX_BYTES,
    Decoded,
    bom_encoding,
    decode_bytes,
    decode_text,
    read_bytes,
    read_text,
    read_text_file,
    refuse,
)
from annotator.core.importers.document import (
    Converted,
    DateCertainty,
    DocumentMetadata,
    FormatHints,
    ImportedDocument,
)
from annotator.core.importers.docx import convert_docx, looks_like_docx
from annotator.core.importers.html import convert_html, declared_charset, looks_like_html
from annotator.core.importers.language import normalise_language_tag
from annotator.core.importers.markdown import convert_markdown
from annotator.core.importers.metadata import guess_metadata
from annotator.core.importers.pdf import convert_pdf, looks_like_pdf
from annotator.core.importers.plain import convert_plain
from annotator.core.text import clean_title, unicode_name

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "DateCertainty",
    "Decoded",
    "DocumentMetadata",
    "ImportedDocument",
    "decode_bytes",
    "decode_text",
    "guess_metadata",
    "read_document",
    "read_text",
    "read_text_file",
]

_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)
_SUPPORTED_NAMES = ".txt, .md, .html, .pdf or .docx"

_CONVERTERS: dict[str, Callable[[str], Converted]] = {
    "txt": convert_plain,
    "md": convert_markdown,
    "html": convert_html,
}
_NOT_YET = {
    ".doc": "Word/Office 97-2003 import is not supported yet",
    ".odt": "OpenDocument import is not supported yet (save it as text first)",
    ".rtf": "RTF import is not supported yet (save it as text first)",
}
# Scripts that identify a language more reliably than a page's declared lang attribute.
_SCRIPT_LANGUAGES = frozenset(
    {"ar", "fa", "ur", "ru", "uk", "el", "he", "hi", "th", "ko", "ja", "zh"}
)


def _decode_html(data: bytes, name: str) -> Decoded:
    declared = None if bom_encoding(data) else declared_charset(data)
    return decode_text(data, name, declared)


def _apply_hints(metadata: DocumentMetadata, hints: FormatHints) -> DocumentMetadata:
    """Merge what the format declared (HTML <meta>, front matter, PDF or DOCX properties)
    into the guesses from the text."""
    language = metadata.language
    declared = normalise_language_tag(hints.language)
    if declared and (language is None or language not in _SCRIPT_LANGUAGES):
        language = declared
    published, certainty, note = metadata.published, metadata.date_certainty, metadata.date_note
    if hints.date:
        stated = parse_date_value(hints.date, language)
        if stated.published is not None:
            published, certainty, note = stated.published, stated.certainty, stated.note
    if published is None and hints.fallback_date:
        created = parse_date_value(hints.fallback_date).published
        if created is not None:
            # A file's creation date is often, not always, its publication date.
            published, certainty = created, DateCertainty.AMBIGUOUS
            found = f" ({note})" if note else ""
            note = f"the file's creation date; the text states no full date{found}"
    title = hints.title or metadata.title or hints.fallback_title
    return DocumentMetadata(
        title=(clean_title(title) or None) if title else None,
        issuer=hints.issuer or metadata.issuer or hints.fallback_issuer,
        published=published,
        date_certainty=certainty,
        date_note=note,
        language=language,
    )


def _document_format(suffix: str, data: bytes) -> str | None:
    """The format ("pdf" or "docx") the content or the extension names, else None."""
    if data.startswith(b"%PDF-") or (suffix == ".pdf" and looks_like_pdf(data)):
        return "pdf"
    if looks_like_docx(data):
        return "docx"
    return _FORMATS[suffix] if suffix in (".pdf", ".docx") else None


def _convert(path: Path, data: bytes) -> tuple[str, Converted, tuple[str, ...]]:
    """(source format, converted text, warnings) of a file's bytes; raises ImportRefused."""
    name = path.name or str(path)
    suffix = path.suffix.lower()
    document_format = _document_format(suffix, data)
    if document_format == "pdf":
        return "pdf", convert_pdf(data, name), ()
    if document_format == "docx":
        return "docx", convert_docx(data, path), ()
    source_format = _FORMATS.get(suffix)
    if source_format is None and suffix in _NOT_YET:
        raise refuse(name, _NOT_YET[suffix])
    decoded = _decode_html(data, name) if source_format == "html" else decode_text(data, name)
    if source_format is None:
        if not looks_like_html(decoded.text):
            kind = f"'{suffix}'" if suffix else "no extension"
            raise refuse(name, f"unsupported file type ({kind}; use {_SUPPORTED_NAMES})")
        source_format = "html"
        decoded = _decode_html(data, name)
    return source_format, _CONVERTERS[source_format](decoded.text), decoded.warnings


def read_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedDocument:
    """Read and clean one document (.txt, .md, .html, .pdf or .docx) and guess its metadata.

    Raises ImportRefused (one line naming the file and the reason) for missing, empty,
    oversized, binary, undecodable, damaged, password-protected or unsupported files and for
    files with no text (a scanned PDF). What the analyst should know about a file that was
    imported (bytes that were not valid UTF-8...) is in the document's `warnings`.
    """
    name = path.name or str(path)
    data = read_bytes(path, max_bytes=max_bytes)
    source_format, converted, warnings = _convert(path, data)
    if not converted.text.strip():
        raise refuse(name, "no text found")
    metadata = _apply_hints(guess_metadata(converted.text), converted.hints)
    # Stored, so valid Unicode; the messages above keep the name's bytes for the terminal.
    return ImportedDocument(converted.text, metadata, unicode_name(name), source_format, warnings)
