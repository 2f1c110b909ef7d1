"""Reading a file safely and turning its bytes into text (BOM, UTF-8, cp1252, refusals)."""

from __future__ import annotations

import codecs
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import ImportRefused
from annotator.core.text import normalise_newlines

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_MIB = 1024 * 1024

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# (magic prefix, message tail). PDF and Word files are imported by their own converters
# (`read_document` recognises them before decoding), so here they are only named; other formats
# an analyst might plausibly try get a "not supported yet" message, the rest "binary file".
_PDF_NOT_TEXT = "PDF file, not plain text (import it to extract its text)"
_DOCX_NOT_TEXT = "Word (.docx) file, not plain text (import it to extract its text)"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", _PDF_NOT_TEXT),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word/Office 97-2003 import is not supported yet"),
    (b"{\\rtf", "RTF import is not supported yet (save it as text first)"),
    (b"\x89PNG\r\n\x1a\n", "binary file (PNG image, not text)"),
    (b"GIF87a", "binary file (GIF image, not text)"),
    (b"GIF89a", "binary file (GIF image, not text)"),
    (b"\xff\xd8\xff", "binary file (JPEG image, not text)"),
    (b"\x7fELF", "binary file (program, not text)"),
    (b"\x1f\x8b", "binary file (gzip archive, not text)"),
    (b"7z\xbc\xaf\x27\x1c", "binary file (7-Zip archive, not text)"),
    (b"Rar!\x1a\x07", "binary file (RAR archive, not text)"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# Control characters that are normal in text files.
_TEXT_CONTROLS = frozenset("\t\n\r\f")
_CONTROL_SAMPLE = 65536
_MAX_CONTROL_SHARE = 0.05

# How "surrogateescape" keeps a byte that is not part of valid UTF-8.
_BAD_BYTE = re.compile("[\udc80-\udcff]")
_ASCII = bytes(range(0x80))


@dataclass(frozen=True)
class Decoded:
    """A file's text and what the analyst should know about how it was read."""

    text: str
    warnings: tuple[str, ...] = ()


def refuse(name: str, reason: str) -> ImportRefused:
    """Build the one-line refusal shown to the analyst: '<file>: <reason>; nothing imported'."""
    return ImportRefused(f"{name}: {reason}; nothing imported")


def _size(n: int) -> str:
    if n >= _MIB:
        return f"{n / _MIB:.1f} MB"
    return f"{n / _MIB:.2f} MB ({n:,} bytes)"


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the raw bytes of `path`, checking its size before reading.

    Raises ImportRefused for a missing file, a folder, a non-regular file, a file over
    `max_bytes`, an empty file and any OS error (permission denied...).
    """
    name = path.name or str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse(name, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise refuse(name, "not a regular file")
        if info.st_size > max_bytes:
            raise refuse(name, f"file is {_size(info.st_size)}, over the {_size(max_bytes)} limit")
        with path.open("rb") as stream:
            # Read one byte more than allowed: the file may have grown since stat().
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise refuse(name, "file not found") from None
    except IsADirectoryError:
        raise refuse(name, "is a folder, not a file") from None
    except PermissionError:
        raise refuse(name, "permission denied") from None
    except OSError as error:
        raise refuse(name, f"cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise refuse(name, f"file is over the {_size(max_bytes)} limit")
    if not data:
        raise refuse(name, "empty file")
    return data


def bom_encoding(data: bytes) -> str | None:
    """The encoding named by a byte-order mark at the start of `data`, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def check_not_binary(data: bytes, name: str) -> None:
    """Raise ImportRefused when `data` (without a BOM) is a known binary format or has NULs."""
    for magic, reason in _MAGIC:
        if data.startswith(magic):
            raise refuse(name, reason)
    if data.startswith(_ZIP_MAGIC):
        head = data[:4096]
        if b"word/" in head:
            raise refuse(name, _DOCX_NOT_TEXT)
        if b"opendocument" in head:
            raise refuse(name, "OpenDocument import is not supported yet (save it as text first)")
        raise refuse(name, "binary file (zip archive, not text)")
    if b"\x00" in data:
        raise refuse(name, "binary file (not text)")


def _check_controls(text: str, name: str) -> None:
    if "\x00" in text:
        raise refuse(name, "binary file (not text)")
    sample = text[:_CONTROL_SAMPLE]
    controls = sum(
        1 for ch in sample if (ch < " " or "\x7f" <= ch <= "\x9f") and ch not in _TEXT_CONTROLS
    )
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        raise refuse(name, "binary file (not text)")


def _replaced_warning(name: str, count: int) -> str:
    were = "byte was" if count == 1 else "bytes were"
    replaced = "was" if count == 1 else "were"
    return f"{name}: {count} {were} not valid UTF-8 and {replaced} replaced (shown as \ufffd)"


def _utf8_replacing(data: bytes, name: str) -> tuple[Decoded, int, int]:
    """`data` read as UTF-8 with each invalid byte made U+FFFD (and a warning when there are
    any), the number of invalid bytes and the number of valid multi-byte sequences."""
    escaped = data.decode("utf-8", "surrogateescape")
    bad = len(_BAD_BYTE.findall(escaped))
    ascii_bytes = len(data) - len(data.translate(None, _ASCII))
    multibyte = len(escaped) - ascii_bytes - bad
    if not bad:
        return Decoded(escaped), bad, multibyte
    replaced = Decoded(_BAD_BYTE.sub("\ufffd", escaped), (_replaced_warning(name, bad),))
    return replaced, bad, multibyte


def _decode_fallbacks(data: bytes, name: str) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    # Genuine cp1252 or Latin-1 text forms a valid multi-byte UTF-8 sequence only by accident
    # (an "Ã" right before a "©"), and each such accident comes with many invalid bytes; a
    # UTF-8 file damaged in a few places has at least as many valid sequences as bad bytes.
    mostly_utf8, bad, multibyte = _utf8_replacing(data, name)
    if multibyte >= bad:
        return mostly_utf8
    try:
        return Decoded(data.decode("cp1252"))
    except UnicodeDecodeError:
        pass
    # cp1252 fails only on bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D, which latin-1 turns into C1
    # controls, so this last step refuses in practice; it stays so the rule holds if the
    # cp1252 step ever changes.
    text = data.decode("latin-1")
    if any("\x80" <= ch <= "\x9f" for ch in text):
        raise refuse(name, "undecodable text (not UTF-8, Windows-1252 or Latin-1)")
    return Decoded(text)


def _finish(decoded: Decoded, name: str) -> Decoded:
    return Decoded(_finish_text(decoded.text, name), decoded.warnings)


def _finish_text(text: str, name: str) -> str:
    # Every leading BOM: files joined by tools that each wrote one start with several.
    text = text.lstrip("\ufeff")
    _check_controls(text, name)
    text = normalise_newlines(text)
    if not text.strip():
        raise refuse(name, "empty file (only whitespace)")
    return text


def decode_text(data: bytes, name: str, declared: str | None = None) -> Decoded:
    """Decode file bytes to text with `\\n` line ends, and the warnings for the analyst.

    A BOM first, else the `declared` charset (HTML <meta>; ignored when unknown or when it
    does not fit the bytes), else UTF-8, else cp1252, else Latin-1. Mostly valid UTF-8 with a
    few invalid bytes is read as UTF-8 with U+FFFD in their place and a warning naming how
    many. `name` is the file name used in messages. Raises ImportRefused for empty, binary or
    undecodable data.
    """
    if not data:
        raise refuse(name, "empty file")
    encoding = bom_encoding(data)
    if encoding == "utf-8":
        # The BOM says UTF-8: invalid bytes are damage, whatever their number.
        return _finish(_utf8_replacing(data[len(codecs.BOM_UTF8) :], name)[0], name)
    if encoding is not None:
        try:
            return _finish(Decoded(data.decode(encoding)), name)
        except UnicodeError:
            raise refuse(name, f"undecodable text (invalid {encoding} after its BOM)") from None
    check_not_binary(data, name)
    if declared is not None:
        try:
            return _finish(Decoded(data.decode(declared)), name)
        except (UnicodeError, LookupError):
            pass
    return _finish(_decode_fallbacks(data, name), name)


def decode_declared(data: bytes, name: str, declared: str | None) -> str:
    """The text of `decode_text(data, name, declared)`, without its warnings."""
    return decode_text(data, name, declared).text


def decode_bytes(data: bytes, name: str) -> str:
    """Decode file bytes to text with `\\n` line ends: BOM, else UTF-8, else cp1252.

    The text of `decode_text`, without its warnings. Raises ImportRefused for empty, binary or
    undecodable data.
    """
    return decode_text(data, name).text


def read_text_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read `path` as text: decode and normalise line endings only. Raises ImportRefused.

    Text files only: offsets into the result must index the file's own characters (as the
    corpus gold does), which a PDF or a .docx does not have, so those are refused like any
    binary file; `read_document` extracts their text.
    """
    return read_text(path, max_bytes=max_bytes).text


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Decoded:
    """`read_text_file` with the warnings about how the file was decoded. Raises ImportRefused."""
    return decode_text(read_bytes(path, max_bytes=max_bytes), path.name or str(path))
