"""PDF (.pdf): the text layer, read with pypdf and rebuilt into clean paragraphs (no OCR).

pypdf reports every run of text with its position, size and font. Lines are rebuilt from the
runs in the order the PDF draws them (the reading order of ordinary single-flow documents);
text drawn at another angle than most of its page (margin stamps, diagonal watermarks) is left
out. Then, in `pdf_layout`: repeated headers and footers and bare page numbers are dropped,
hard-wrapped lines are joined into paragraphs, end-of-line hyphenation is undone, and headings
and bullet items stay on lines of their own.

Refused with one line each: a damaged or truncated file, a password-protected file, a file
with no text layer (a scan) or one whose fonts give no Unicode text; never another exception.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import zlib
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, DeprecationError, PyPdfError

from annotator.core.importers.decode import refuse
from annotator.core.importers.document import Converted, FormatHints
from annotator.core.importers.hints import looks_like_name, real_title
from annotator.core.importers.pdf_layout import Run, build_text

# pypdf reports recoverable damage through logging; with no handler configured, Python's
# last-resort handler would print those warnings under the analyst's one-line message.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

# What pypdf raises on damaged input: its own errors, plus the built-in ones its parser lets
# through on garbage (found by fuzzing truncated and mutated files). MemoryError and anything
# else still propagate: they are not a property of the file.
_DAMAGED = (
    PyPdfError,
    DeprecationError,
    NotImplementedError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
    AssertionError,
    ArithmeticError,
    RecursionError,
    zlib.error,
    struct.error,
)
_HEADER_WINDOW = 1024  # readers accept junk before "%PDF-" within the first KB
_PDF_DATE = re.compile(r"(?:D:)?\s*(\d{4})(\d{2})(\d{2})")
_BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold", re.I)
_ANGLE_TOLERANCE = 0.1  # radians either side of a multiple of 90 degrees
# Replacement and private-use characters: what a font without a Unicode mapping gives.
_UNMAPPED = re.compile(r"[\ufffd\ue000-\uf8ff]")
_MAX_UNMAPPED_SHARE = 0.3


def looks_like_pdf(data: bytes) -> bool:
    """Whether `data` carries the "%PDF-" header (within the first KB, as readers allow)."""
    return b"%PDF-" in data[:_HEADER_WINDOW]


def _multiply(m: list[float], n: list[float]) -> list[float]:
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _matrix(value: Any) -> list[float] | None:
    try:
        matrix = [float(number) for number in value]
    except (TypeError, ValueError):
        return None
    return matrix if len(matrix) == 6 and all(map(math.isfinite, matrix)) else None


def _is_bold(font: Any) -> bool:
    try:
        name = font.get("/BaseFont") if font is not None else None
    except AttributeError:
        return False
    return isinstance(name, str) and _BOLD_FONT.search(name) is not None


class _RunCollector:
    """The `visitor_text` callback of one page: keeps each run of text with its geometry."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self._line_ended = False

    def __call__(self, text: Any, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        if not isinstance(text, str) or not text:
            return
        for index, piece in enumerate(text.split("\n")):
            if index:
                self._line_ended = True
            if piece.strip():
                self._add(piece, cm, tm, font, font_size)
            elif piece and self.runs and not self._line_ended:
                self.runs[-1].text += " "

    def _add(self, piece: str, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        text_matrix, page_matrix = _matrix(tm), _matrix(cm)
        if text_matrix is None or page_matrix is None:
            return
        m = _multiply(text_matrix, page_matrix)
        scale_x, scale_y = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
        size = (float(font_size) if isinstance(font_size, int | float) else 0.0) * scale_y
        if scale_x == 0 or not math.isfinite(size) or size <= 0:
            return
        # Turn the page so the run reads left to right: x along its baseline, y upwards.
        cos, sin = m[0] / scale_x, m[1] / scale_x
        angle = math.atan2(sin, cos) / (math.pi / 2)
        upright = abs(angle - round(angle)) * math.pi / 2 < _ANGLE_TOLERANCE
        turn = round(angle) % 4 if upright else -1
        x, y = cos * m[4] + sin * m[5], -sin * m[4] + cos * m[5]
        self.runs.append(Run(piece, x, y, size, _is_bold(font), turn, self._line_ended))
        self._line_ended = False


def _info_text(info: Any, key: str) -> str | None:
    value: Any = info.get(key) if info is not None else None
    if value is not None and hasattr(value, "get_object"):
        value = value.get_object()
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _read(data: bytes, name: str) -> tuple[list[list[Run]], dict[str, str | None]]:
    """Every page's runs and the document information fields; only pypdf is called here."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise refuse(name, "password-protected PDF (save an unprotected copy to import it)")
        if len(reader.pages) == 0:
            raise refuse(name, "damaged or incomplete PDF (no pages found)")
        pages: list[list[Run]] = []
        for page in reader.pages:
            collector = _RunCollector()
            page.extract_text(visitor_text=collector)
            pages.append(collector.runs)
        info = reader.metadata
        fields = {
            key: _info_text(info, key) for key in ("/Title", "/Author", "/Company", "/CreationDate")
        }
    except DependencyError:
        raise refuse(
            name, "encrypted PDF that this installation cannot decrypt (save an unencrypted copy)"
        ) from None
    except _DAMAGED as error:
        raise refuse(name, f"damaged or incomplete PDF ({_describe(error)})") from None
    return pages, fields


def _describe(error: BaseException) -> str:
    message = " ".join(str(error).split())
    if not message or not isinstance(error, PyPdfError):
        return "cannot be read"
    return message if len(message) <= 100 else message[:97] + "..."


def _creation_date(value: str | None) -> str | None:
    match = _PDF_DATE.match(value or "")
    if match is None:
        return None
    year, month, day = match.groups()
    return f"{year}-{month}-{day}"


def _hints(fields: dict[str, str | None]) -> FormatHints:
    author = fields["/Author"]
    return FormatHints(
        title=real_title(fields["/Title"]),
        fallback_issuer=fields["/Company"] or (author if looks_like_name(author) else None),
        fallback_date=_creation_date(fields["/CreationDate"]),
    )


def convert_pdf(data: bytes, name: str) -> Converted:
    """Extract the clean text of a PDF (see the module docstring).

    `name` is the file name used in messages. Raises ImportRefused for a file that is not a
    PDF, is damaged or password-protected, or has no readable text layer.
    """
    if not looks_like_pdf(data):
        raise refuse(name, "not a PDF file (no %PDF header)")
    pages, fields = _read(data, name)
    text = build_text(pages)
    if not text.strip():
        raise refuse(name, "no text layer (scanned image?)")
    visible = sum(1 for ch in text if not ch.isspace())
    if len(_UNMAPPED.findall(text)) > _MAX_UNMAPPED_SHARE * visible:
        raise refuse(name, "the text layer cannot be read (its fonts do not map to Unicode)")
    return Converted(text, _hints(fields))
