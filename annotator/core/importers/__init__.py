"""Document importers: a file on disk -> cleaned text plus guessed metadata (no Qt here).

`read_document` picks the converter from the file extension (.txt/.text, .md/.markdown,
.html/.htm/.xhtml; an unknown extension is accepted only when the content is HTML) and
refuses anything else with an `ImportRefused` whose message names the file and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.core.importers.dates import parse_date_value
from annotator.core.importers.decode import (
    DEFAULT_MAX_BYTES,
    bom_encoding,
    decode_bytes,
    decode_declared,
    read_bytes,
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
from annotator.core.importers.html import convert_html, declared_charset, looks_like_html
from annotator.core.importers.language import normalise_language_tag
from annotator.core.importers.markdown import convert_markdown
from annotator.core.importers.metadata import guess_metadata
from annotator.core.importers.plain import convert_plain

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "DateCertainty",
    "DocumentMetadata",
    "ImportedDocument",
    "decode_bytes",
    "guess_metadata",
    "read_document",
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
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)

_CONVERTERS: dict[str, Callable[[str], Converted]] = {
    "txt": convert_plain,
    "md": convert_markdown,
    "html": convert_html,
}
_NOT_YET = {
    ".pdf": "PDF import is not supported yet (save it as text or HTML first)",
    ".docx": "Word (.docx) import is not supported yet (save it as text first)",
    ".doc": "Word/Office 97-2003 import is not supported yet",
    ".odt": "OpenDocument import is not supported yet (save it as text first)",
    ".rtf": "RTF import is not supported yet (save it as text first)",
}
# Scripts that identify a language more reliably than a page's declared lang attribute.
_SCRIPT_LANGUAGES = frozenset(
    {"ar", "fa", "ur", "ru", "uk", "el", "he", "hi", "th", "ko", "ja", "zh"}
)


def _decode_html(data: bytes, name: str) -> str:
    declared = None if bom_encoding(data) else declared_charset(data)
    return decode_declared(data, name, declared)


def _apply_hints(metadata: DocumentMetadata, hints: FormatHints) -> DocumentMetadata:
    """Merge what the format declared (HTML <meta>, front matter) into the text guesses."""
    language = metadata.language
    declared = normalise_language_tag(hints.language)
    if declared and (language is None or language not in _SCRIPT_LANGUAGES):
        language = declared
    published, certainty, note = metadata.published, metadata.date_certainty, metadata.date_note
    if hints.date:
        stated = parse_date_value(hints.date, language)
        if stated.published is not None:
            published, certainty, note = stated.published, stated.certainty, stated.note
    return DocumentMetadata(
        title=hints.title or metadata.title or hints.fallback_title,
        issuer=hints.issuer or metadata.issuer or hints.fallback_issuer,
        published=published,
        date_certainty=certainty,
        date_note=note,
        language=language,
    )


def read_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedDocument:
    """Read and clean one document (.txt, .md or .html) and guess its metadata.

    Raises ImportRefused (one line naming the file and the reason) for missing, empty,
    oversized, binary, undecodable or unsupported files and for files with no text.
    """
    name = path.name or str(path)
    suffix = path.suffix.lower()
    data = read_bytes(path, max_bytes=max_bytes)
    source_format = _FORMATS.get(suffix)
    if source_format is None and suffix in _NOT_YET:
        raise refuse(name, _NOT_YET[suffix])
    text = _decode_html(data, name) if source_format == "html" else decode_bytes(data, name)
    if source_format is None:
        if not looks_like_html(text):
            kind = f"'{suffix}'" if suffix else "no extension"
            raise refuse(name, f"unsupported file type ({kind}; use .txt, .md or .html)")
        source_format = "html"
        text = _decode_html(data, name)
    converted = _CONVERTERS[source_format](text)
    if not converted.text.strip():
        raise refuse(name, "no text found")
    metadata = _apply_hints(guess_metadata(converted.text), converted.hints)
    return ImportedDocument(converted.text, metadata, name, source_format)
