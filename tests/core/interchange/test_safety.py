"""The zip and XML guards every importer of zip or XML files goes through."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from annotator.core.errors import ImportRefused
from annotator.core.interchange.safety import (
    local_name,
    member_name_problem,
    open_zip_safely,
    parse_xml_safely,
    read_zip_members,
    safe_member_name,
    zip_member_names,
)


def make_zip(path: Path, members: dict[str, bytes], level: int = 6) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/abs", "C:/x", "c:x", "a\\b", "", "a\x00b"],
)
def test_unsafe_names_are_named(name: str) -> None:
    assert member_name_problem(name) is not None


@pytest.mark.parametrize(
    "name", ["project.qde", "sources/a.txt", "a..b/c", "sources/", "notes:v2.txt"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert member_name_problem(name) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sources/brief.txt", "sources/brief.txt"),
        ("../../etc/passwd", "etc/passwd"),
        ("C:\\Users\\x\\notes.txt", "C_/Users/x/notes.txt"),
        ("/abs/path", "abs/path"),
        ("..", "unnamed"),
        ("a/./b//c", "a/b/c"),
        ('we<ird>:"na|me?*', "we_ird___na_me__"),
        ("تقرير 🙂.txt", "تقرير 🙂.txt"),
    ],
)
def test_safe_member_name(raw: str, expected: str) -> None:
    assert safe_member_name(raw) == expected
    assert member_name_problem(safe_member_name(raw)) is None


def test_limits_on_entries_total_size_and_ratio(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", {f"f{i}.txt": b"hello" for i in range(5)})
    with pytest.raises(ImportRefused, match=r"^a.zip: the archive has 5 entries \(limit 4\)"):
        open_zip_safely(path, max_members=4)
    with pytest.raises(ImportRefused, match="unpacks to more than 20 bytes"):
        open_zip_safely(path, max_total_bytes=20)
    zeros = make_zip(tmp_path / "z.zip", {"z.bin": bytes(3 * 1024 * 1024)})
    with pytest.raises(ImportRefused, match="compressed more than 100 to 1"):
        open_zip_safely(zeros)
    with open_zip_safely(zeros, max_ratio=100_000) as archive:
        assert archive.read("z.bin") == bytes(3 * 1024 * 1024)


def test_total_budget_is_counted_on_what_is_read(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "b.zip", {"one": b"1" * 600, "two": b"2" * 600})
    with open_zip_safely(path, max_total_bytes=1500) as archive:
        assert archive.read("one") == b"1" * 600
        assert archive.read("two") == b"2" * 600
        with pytest.raises(ImportRefused, match="more than 1500 bytes"):
            archive.read("one")  # a third read would pass the budget
        with pytest.raises(ImportRefused, match="missing"):
            archive.read("three")


def test_duplicate_and_encrypted_entries_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("same.txt", b"a")
        archive.writestr("same.txt", b"b")
    (tmp_path / "dup.zip").write_bytes(buffer.getvalue())
    with pytest.raises(ImportRefused, match="appears twice"):
        open_zip_safely(tmp_path / "dup.zip")
    data = bytearray(make_zip(tmp_path / "enc.zip", {"secret.txt": b"x"}).read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        flags = struct.unpack_from("<H", data, at + offset)[0]
        struct.pack_into("<H", data, at + offset, flags | 0x1)
    (tmp_path / "enc.zip").write_bytes(bytes(data))
    with pytest.raises(ImportRefused, match="encrypted"):
        open_zip_safely(tmp_path / "enc.zip")


def test_missing_and_non_zip_files(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="no such file"):
        open_zip_safely(tmp_path / "absent.zip")
    (tmp_path / "text.zip").write_text("just text", encoding="utf-8")
    with pytest.raises(ImportRefused, match="not a zip archive"):
        open_zip_safely(tmp_path / "text.zip")
    assert zip_member_names(tmp_path / "text.zip") is None
    assert zip_member_names(tmp_path / "absent.zip") is None


def test_read_zip_members_returns_only_the_wanted(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "c.zip", {"a.xml": b"<a/>", "b.txt": b"b", "dir/c.xml": b"<c/>"})
    got = read_zip_members(path, lambda name: name.endswith(".xml"))
    assert got == {"a.xml": b"<a/>", "dir/c.xml": b"<c/>"}


def test_parse_xml_safely() -> None:
    root = parse_xml_safely(b'<r xmlns="urn:x"><c>\xc3\xa9</c></r>', "f.xml")
    assert local_name(root) == "r" and root[0].text == "é"
    for hostile in (
        b'<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
        b'<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r/>',
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    ):
        with pytest.raises(ImportRefused, match=r"^f.xml: the XML declares a DTD"):
            parse_xml_safely(hostile, "f.xml")
    with pytest.raises(ImportRefused, match=r"line 1, column 3\); nothing imported$"):
        parse_xml_safely(b"<r><", "f.xml")


def test_a_zip_claiming_an_unknown_version_is_refused_like_any_damaged_zip(
    tmp_path: Path,
) -> None:
    # Found by the fuzzer: zipfile raises NotImplementedError ("zip file version 6.4") when the
    # central directory asks for a newer "version needed to extract".
    from annotator.core.importing import import_file
    from annotator.core.store import open_store

    data = bytearray(make_zip(tmp_path / "ok.zip", {"project.qde": b"<Project/>"}).read_bytes())
    directory = data.index(b"PK\x01\x02")
    data[directory + 6 : directory + 8] = struct.pack("<H", 64)
    for suffix in (".qdpx", ".docx"):
        path = tmp_path / f"damaged{suffix}"
        path.write_bytes(bytes(data))
        assert zip_member_names(path) is None
        with pytest.raises(ImportRefused, match="damaged"):
            open_zip_safely(path)
        with (
            open_store(tmp_path / f"db{suffix}.sqlite3", daily_backup=False) as store,
            pytest.raises(ImportRefused),
        ):
            import_file(store, path)


def test_a_member_with_broken_lzma_data_is_refused_as_damaged(tmp_path: Path) -> None:
    # Stored bytes relabelled as LZMA (method 14), with properties LZMA cannot accept: zipfile
    # lets lzma.LZMAError through, which is not an OSError.
    path = tmp_path / "lzma.qdpx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("project.qde", b"\x09\x14\x05\x00" + b"\xff" * 5 + b"x" * 50)
    data = bytearray(buffer.getvalue())
    for header, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.index(header) + offset
        data[at : at + 2] = struct.pack("<H", zipfile.ZIP_LZMA)
    path.write_bytes(bytes(data))
    with open_zip_safely(path) as archive, pytest.raises(ImportRefused, match="damaged"):
        archive.read("project.qde")
