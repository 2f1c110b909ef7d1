"""Bytes to text: BOMs, UTF-8, cp1252, Latin-1, line endings and every refusal."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError, ImportRefused
from annotator.core.importers import DEFAULT_MAX_BYTES, decode_bytes, read_text_file

SAMPLE = "Déclaration « café » — 5 € “quoted” ‘single’"


def refusal(excinfo: pytest.ExceptionInfo[ImportRefused]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.endswith("; nothing imported")
    return message


# ----- encodings


def test_utf8() -> None:
    assert decode_bytes(SAMPLE.encode("utf-8"), "a.txt") == SAMPLE


def test_utf8_bom_is_stripped() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "a.txt") == SAMPLE


def test_repeated_boms_are_all_stripped() -> None:
    """Files joined by tools that each wrote a BOM (found by the hypothesis property)."""
    twice = codecs.BOM_UTF8 * 2 + SAMPLE.encode("utf-8")
    assert decode_bytes(twice, "a.txt") == SAMPLE
    with pytest.raises(ImportRefused, match="empty file"):
        decode_bytes(codecs.BOM_UTF8 * 2, "boms.txt")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(bom: bytes, codec: str) -> None:
    text = SAMPLE + "\nالبيت الأبيض 🙂"
    assert decode_bytes(bom + text.encode(codec), "a.txt") == text


def test_cp1252_curly_quotes_and_euro() -> None:
    text = "“Smart quotes” cost 5 € – it’s Windows"
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_bytes(data, "a.txt") == text


def test_latin1_text() -> None:
    text = "Résumé naïve façade, señor, Ærø"
    data = text.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_bytes(data, "a.txt") == text


def test_undecodable_bytes_are_refused() -> None:
    # 0x81 and 0x9D are undefined in cp1252 and C1 controls in Latin-1.
    with pytest.raises(ImportRefused) as excinfo:
        decode_bytes(b"abc \x81\x9d def \xff", "odd.txt")
    assert refusal(excinfo).startswith("odd.txt: undecodable text")


def test_invalid_utf16_after_bom_is_refused() -> None:
    with pytest.raises(ImportRefused) as excinfo:
        decode_bytes(codecs.BOM_UTF16_LE + b"a\x00b", "odd.txt")  # odd number of bytes
    assert "undecodable" in refusal(excinfo)


def test_unpaired_surrogate_in_utf16_is_refused() -> None:
    with pytest.raises(ImportRefused):
        decode_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", "odd.txt")


# ----- line endings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"one\r\ntwo\r\n", "one\ntwo\n"),
        (b"one\rtwo\r", "one\ntwo\n"),
        (b"one\r\ntwo\rthree\nfour", "one\ntwo\nthree\nfour"),
        ("one\u2028two".encode(), "one\ntwo"),
    ],
)
def test_line_endings_are_normalised(raw: bytes, expected: str) -> None:
    assert decode_bytes(raw, "a.txt") == expected


def test_utf16_crlf_is_normalised() -> None:
    data = codecs.BOM_UTF16_LE + "a\r\nb\rc".encode("utf-16-le")
    assert decode_bytes(data, "a.txt") == "a\nb\nc"


# ----- refusals


def test_refusals_are_annotator_errors() -> None:
    assert issubclass(ImportRefused, AnnotatorError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(tmp_path / "gone.txt")
    assert refusal(excinfo) == "gone.txt: file not found; nothing imported"


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(folder)
    assert "folder" in refusal(excinfo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(pipe)
    assert "not a regular file" in refusal(excinfo)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path)
    assert refusal(excinfo) == "empty.txt: empty file; nothing imported"


@pytest.mark.parametrize(
    "data", [b"  \n\t\r\n ", codecs.BOM_UTF8 + b"\n\n", "\u00a0\u2028".encode()]
)
def test_whitespace_only_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(data)
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path)
    assert "only whitespace" in refusal(excinfo)


def test_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened although it is too large")

    monkeypatch.setattr(Path, "open", no_open)
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path, max_bytes=1000)
    message = refusal(excinfo)
    assert message.startswith("big.txt: file is 0.00 MB (5,000 bytes), over the 0.00 MB")
    assert "(1,000 bytes) limit" in message


def test_limit_message_in_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as stream:
        stream.truncate(3 * 1024 * 1024)  # sparse: no real disk use
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path, max_bytes=2 * 1024 * 1024)
    assert "file is 3.0 MB, over the 2.0 MB limit" in refusal(excinfo)


def test_default_limit_is_50_mb() -> None:
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "exact.txt"
    path.write_bytes(b"x" * 1000)
    assert read_text_file(path, max_bytes=1000) == "x" * 1000


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("text", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path)
    assert refusal(excinfo) == "secret.txt: permission denied; nothing imported"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_permission_denied_for_real(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("text", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ImportRefused, match="permission denied"):
        read_text_file(path)


def test_other_os_errors_become_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "flaky.txt"
    path.write_text("text", encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Path, "open", broken)
    with pytest.raises(ImportRefused) as excinfo:
        read_text_file(path)
    expected = "flaky.txt: cannot read the file (Input/output error); nothing imported"
    assert refusal(excinfo) == expected


def test_nul_bytes_are_binary() -> None:
    with pytest.raises(ImportRefused) as excinfo:
        decode_bytes(b"looks like text\x00\x00\x01 but is not", "notes.bin")
    assert refusal(excinfo) == "notes.bin: binary file (not text); nothing imported"


def test_utf16_without_bom_is_refused_as_binary() -> None:
    with pytest.raises(ImportRefused, match="binary"):
        decode_bytes("plain text".encode("utf-16-le"), "a.txt")


def test_many_control_characters_are_binary() -> None:
    data = bytes(range(1, 32)) * 20 + b"some text"
    with pytest.raises(ImportRefused, match="binary"):
        decode_bytes(data, "a.txt")


def test_a_few_control_characters_are_still_text() -> None:
    text = "Page one\fPage two\x1b[0m with one escape\n" + "words " * 100
    assert decode_bytes(text.encode(), "a.txt") == text


@pytest.mark.parametrize(
    ("magic", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image, not text)"),
        (b"GIF89a\x01\x00", "binary file (GIF image, not text)"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "binary file (JPEG image, not text)"),
        (b"\x7fELF\x02\x01\x01", "binary file (program, not text)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF file, not plain text (import it"),
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml word/document.xml", "Word (.docx) file"),
        (b"PK\x03\x04\x14\x00\x00\x00data.csv", "binary file (zip archive, not text)"),
        (b"{\\rtf1\\ansi\\deff0 {\\fonttbl}", "RTF import is not supported yet"),
    ],
)
def test_known_binary_formats(magic: bytes, expected: str) -> None:
    with pytest.raises(ImportRefused) as excinfo:
        decode_bytes(magic + b"more bytes", "file.txt")
    message = refusal(excinfo)
    assert message.startswith("file.txt: ")
    assert expected in message


def test_read_text_file_keeps_links_and_spacing(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"A [link](#) stays  \r\n\r\n- bullet\r\n")
    assert read_text_file(path) == "A [link](#) stays  \n\n- bullet\n"
