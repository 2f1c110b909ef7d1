"""Reading zip archives and XML from untrusted files without being hurt by them.

Every importer of a zip or XML file goes through here. An archive is refused (ImportRefused,
"<file>: <reason>; nothing imported") when its directory is hostile or damaged: too many entries,
a name that could escape a folder (absolute, "..", backslash, drive letter), encrypted or duplicate
entries, declared sizes over the budget, or a compression ratio only a zip bomb has. Headers are not
trusted alone: members are read in chunks through a cap on what was declared and on the total
budget, and zipfile's CRC check catches data that does not match its header.

XML is parsed with defusedxml with DTDs forbidden: no entity expansion (billion laughs), no external
entities or DTDs are ever fetched. Nothing here touches the network or writes to disk.

A file that an imported file names on disk (a REFI-QDA source kept beside the project) is found
only inside the folder it is relative to (no absolute name, no "..", no link leading out) and read
only when it is a regular file of a bounded size (`ExternalFileRefused` says why not).
"""

from __future__ import annotations

import lzma
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from annotator.core.errors import ImportRefused

MAX_MEMBERS = 50_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100.0
# Small members may compress very well (an empty-ish file, a run of spaces); only members
# larger than this are held to MAX_RATIO.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK = 1024 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f\\:*?"<>|]')


class ExternalFileRefused(ImportRefused):
    """A file named by an imported file was not found or is unsafe to read; `reason` says which.

    The reason names neither the importing file nor the path: the caller adds what it knows.
    `missing` tells "nothing there" from "there but refused".
    """

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def refusal(source: str, reason: str) -> ImportRefused:
    """The standard refusal message for a file that could not be imported."""
    return ImportRefused(f"{source}: {reason}; nothing imported")


def member_name_problem(name: str) -> str | None:
    """Why a zip entry name is unsafe to use (None when it is fine)."""
    if not name or "\x00" in name:
        return "an entry has an empty or binary name"
    if "\\" in name:
        return f"entry {name!r} uses backslashes in its name"
    if name.startswith("/") or _DRIVE.match(name):
        return f"entry {name!r} has an absolute path or a drive letter"
    if any(part == ".." for part in name.split("/")):
        return f"entry {name!r} points outside the archive (\"..\")"
    return None


def safe_member_name(name: str) -> str:
    """A zip entry name built from free text that every reader accepts (see member_name_problem).

    Each "/"-separated part loses control and reserved characters; empty, "." and ".." parts are
    dropped; an empty result becomes "unnamed".
    """
    parts = []
    for part in name.replace("\\", "/").split("/"):
        clean = _UNSAFE_NAME_CHARS.sub("_", part).strip(" .")
        if clean and clean not in (".", ".."):
            parts.append(clean[:120])
    result = "/".join(parts) or "unnamed"
    if _DRIVE.match(result):
        result = "_" + result
    return result


class SafeArchive:
    """A zip archive whose directory was checked; members are read through a size cap."""

    def __init__(
        self, archive: zipfile.ZipFile, source: str, max_total_bytes: int
    ) -> None:
        self._archive = archive
        self._source = source
        self._budget = max_total_bytes
        self._read_bytes = 0
        self._infos = {info.filename: info for info in archive.infolist()}

    def namelist(self) -> list[str]:
        return [name for name, info in self._infos.items() if not info.is_dir()]

    def size(self, name: str) -> int:
        """The size the member declares (0 when there is no such member)."""
        info = self._infos.get(name)
        return info.file_size if info is not None else 0

    def read(self, name: str) -> bytes:
        """The member's bytes; ImportRefused if it is missing, damaged or over the budget."""
        info = self._infos.get(name)
        if info is None or info.is_dir():
            raise refusal(self._source, f"{name} is missing from the archive")
        left = self._budget - self._read_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            with self._archive.open(info) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > info.file_size:
                        raise refusal(
                            self._source, f"{name} unpacks to more than it declares (zip bomb?)"
                        )
                    if size > left:
                        raise refusal(
                            self._source,
                            f"the archive unpacks to more than {_megabytes(self._budget)} "
                            "(zip bomb?)",
                        )
                    chunks.append(chunk)
        except (
            zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError
        ) as exc:
            raise refusal(self._source, f"{name} is damaged ({exc})") from exc
        if size != info.file_size:
            raise refusal(self._source, f"{name} is damaged (shorter than its header says)")
        self._read_bytes += size
        return b"".join(chunks)

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _check_directory(
    infos: list[zipfile.ZipInfo],
    source: str,
    max_members: int,
    max_total_bytes: int,
    max_ratio: float,
) -> None:
    if len(infos) > max_members:
        raise refusal(source, f"the archive has {len(infos)} entries (limit {max_members})")
    seen: set[str] = set()
    total = 0
    for info in infos:
        problem = member_name_problem(info.filename)
        if problem:
            raise refusal(source, problem)
        if info.filename in seen:
            raise refusal(source, f"entry {info.filename!r} appears twice in the archive")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise refusal(source, f"entry {info.filename!r} is encrypted")
        total += info.file_size
        if total > max_total_bytes:
            limit = _megabytes(max_total_bytes)
            raise refusal(source, f"the archive unpacks to more than {limit} (zip bomb?)")
        if (
            info.file_size > RATIO_FLOOR_BYTES
            and info.file_size > max_ratio * max(info.compress_size, 1)
        ):
            raise refusal(
                source,
                f"entry {info.filename!r} is compressed more than {max_ratio:g} to 1 (zip bomb?)",
            )


def open_zip_safely(
    path: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
) -> SafeArchive:
    """Open a zip archive after checking its directory; ImportRefused if hostile or not a zip."""
    source = path.name
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise refusal(source, "no such file") from exc
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError
    ) as exc:
        raise refusal(source, "is not a zip archive, or it is damaged") from exc
    except OSError as exc:
        raise refusal(source, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        _check_directory(archive.infolist(), source, max_members, max_total_bytes, max_ratio)
    except BaseException:
        archive.close()
        raise
    return SafeArchive(archive, source, max_total_bytes)


def zip_member_names(path: Path) -> list[str] | None:
    """The entry names of a zip archive (directory only, nothing unpacked); None if not a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
        NotImplementedError,  # e.g. a damaged "version needed to extract"
    ):
        return None


def read_zip_members(
    path: Path,
    wanted: Callable[[str], bool],
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
) -> dict[str, bytes]:
    """{name: bytes} of the members `wanted(name)` accepts; refuses like open_zip_safely."""
    with open_zip_safely(
        path, max_members=max_members, max_total_bytes=max_total_bytes, max_ratio=max_ratio
    ) as archive:
        return {name: archive.read(name) for name in archive.namelist() if wanted(name)}


def parse_xml_safely(data: bytes, source: str) -> Element:
    """The root element of `data`; ImportRefused for DTDs, entities, external refs or bad XML.

    `source` names the file in messages (e.g. "project.qdpx: project.qde").
    """
    try:
        root: Element = SafeElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise refusal(
            source,
            "the XML declares a DTD or entities, which are refused (they can expand without "
            "limit or read other files)",
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise refusal(source, f"is not well-formed XML (line {line}, column {column})") from exc
    return root


def local_name(element: Element) -> str:
    """The element's tag without its namespace ("{urn:...}Code" -> "Code")."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _relative_parts(relative: str) -> str:
    """`relative` as a clean "/"-separated path; ExternalFileRefused if it leads out of its folder.

    Windows tools write backslashes, so both separators are accepted.
    """
    name = relative.replace("\\", "/")
    if "\x00" in name:
        raise ExternalFileRefused("the path has a binary character in it")
    if name.startswith("/") or _DRIVE.match(name):
        raise ExternalFileRefused("the path is absolute, not relative to the project folder")
    clean = posixpath.normpath(name) if name.strip() else ""
    if clean in ("", "."):
        raise ExternalFileRefused("the path names no file")
    if clean == ".." or clean.startswith("../"):
        raise ExternalFileRefused('the path leads outside the project folder ("..")')
    return clean


def file_inside(folders: list[Path], relative: str) -> Path:
    """The resolved path of `relative` in the first of `folders` that has it.

    Links are followed only while they stay inside that folder. Raises ExternalFileRefused when
    the path leads outside (absolute, "..", a link pointing out) or no folder has it.
    """
    clean = _relative_parts(relative)
    for folder in folders:
        candidate = folder / clean
        if not os.path.lexists(candidate):
            continue
        try:
            root = folder.resolve(strict=True)
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop (before 3.13)
            raise ExternalFileRefused("the path is a broken or looping link") from exc
        if not resolved.is_relative_to(root):
            raise ExternalFileRefused("the path is a link to a place outside the project folder")
        return resolved
    raise ExternalFileRefused("not found", missing=True)


def _check_regular(info: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ExternalFileRefused("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ExternalFileRefused("is not a regular file (a device or a pipe?)")
    # Kernel files (/proc, /sys) claim a size of 0 and yet produce text: refused as empty.
    if info.st_size == 0:
        raise ExternalFileRefused("is empty")
    if info.st_size > max_bytes:
        raise ExternalFileRefused(
            f"is {_megabytes(info.st_size)}, over the {_megabytes(max_bytes)} limit"
        )


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path` if it is a regular, non-empty file of at most `max_bytes`.

    Opened without following a final link and without waiting on a pipe, then checked on the
    open descriptor, so a file swapped after it was found cannot slip through. Raises
    ExternalFileRefused (folders, devices, pipes, empty or special files, too large, unreadable).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError as exc:
        raise ExternalFileRefused("not found", missing=True) from exc
    except IsADirectoryError as exc:
        raise ExternalFileRefused("is a folder, not a file") from exc
    except OSError as exc:
        raise ExternalFileRefused(f"cannot be read ({exc.strerror or exc})") from exc
    try:
        _check_regular(os.fstat(descriptor), max_bytes)
        stream = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        try:
            data = stream.read(max_bytes + 1)
        except OSError as exc:
            raise ExternalFileRefused(f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise ExternalFileRefused(f"is over the {_megabytes(max_bytes)} limit")
    return data


__all__ = [
    "ExternalFileRefused",
    "SafeArchive",
    "file_inside",
    "local_name",
    "member_name_problem",
    "open_zip_safely",
    "parse_xml_safely",
    "read_regular_file",
    "read_zip_members",
    "refusal",
    "safe_member_name",
    "zip_member_names",
]
