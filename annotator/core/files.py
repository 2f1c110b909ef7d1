"""Writing files so that a failure never leaves a half-written one.

Everything is written to a temporary file (or folder) beside the target, flushed to disk, then
renamed into place in one step. A process killed midway cannot delete its temporary file, so
the name says whose it is (`.NAME.annotator-<pid>-<host>-XXXX.part`) and `remove_stale_parts`
deletes those whose process is gone.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from annotator.core.errors import AnnotatorError


@functools.cache
def _scratch_name() -> re.Pattern[str]:
    """A scratch file's name (compiled at the first cleanup, not at import: issue 15).

    `kind`: "part" is being written; "old" is the previous folder export, kept until the new
    one is in place. SQLite writes its journal beside a database being written (a backup).
    """
    return re.compile(
        r"\.(?P<name>.+)\.annotator-(?P<pid>[0-9]{1,10})-(?P<host>[0-9a-f]{8})-[a-z0-9_]+"
        r"\.(?P<kind>part|old)(?P<journal>-journal|-wal|-shm)?",
        re.DOTALL,
    )


_MAX_NAME_BYTES = 190
_TRUNCATED = "\u2026"


class ExportFailed(AnnotatorError):
    """An output file or folder could not be written; nothing was left behind."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _usual_mode(path: Path, mode: int) -> None:
    """Temporary files are private (0600/0700); the final export gets the usual permissions."""
    with suppress(OSError):
        os.chmod(path, mode & ~_umask())


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@functools.cache
def _host_tag() -> str:
    # Another computer's process ids mean nothing here (a shared network folder): its
    # temporary files are never judged stale. A hash, so that names do not show the host.
    # (hashlib and socket load here, at the first write: the window is shown without them.)
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def scratch_prefix(name: str) -> str:
    """The start of the name of a temporary file or folder that will become `name`:
    `.NAME.annotator-<pid>-<host>-`; end it with a random part and `.part`."""
    encoded = os.fsencode(name)
    if len(encoded) > _MAX_NAME_BYTES:
        # File names stop at 255 bytes; the rest of the scratch name needs about 55.
        name = os.fsdecode(encoded[:_MAX_NAME_BYTES]) + _TRUNCATED
    return f".{name}.annotator-{os.getpid()}-{_host_tag()}-"


def scratch_path(target: Path) -> Path:
    """A new name (nothing is created) beside `target` for writing it before renaming it into
    place; `remove_stale_parts` removes it if this process dies first."""
    import secrets  # at the first write (see _host_tag)

    return target.parent / f"{scratch_prefix(target.name)}{secrets.token_hex(4)}.part"


def _zombie(pid: int) -> bool:
    """A Linux process that was killed but not yet waited for by its parent: it writes no more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


if sys.platform == "win32":
    import ctypes

    def _windows_running(pid: int) -> bool:
        # os.kill(pid, 0) would terminate the process on Windows.
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)


def _running(pid: int) -> bool:
    """Whether process `pid` of this computer may still be writing (when unsure: yes)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_running(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process (permission denied), or unknown
    return not _zombie(pid)


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete the temporary files and folders that an export or backup killed midway left in
    `folder`; the paths removed.

    Only names this module makes (`scratch_prefix`), written on this computer by a process
    that is no longer running: never another running process's, never a user's file. A
    folder export killed while swapping folders gets its previous version back. Never raises:
    what cannot be read or removed is left alone.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed: list[Path] = []
    for name in names:
        match = _scratch_name().fullmatch(name)
        if match is None or match["host"] != _host_tag() or _running(int(match["pid"])):
            continue
        path = folder / name
        target = folder / match["name"]
        if match["kind"] == "old" and not os.path.lexists(target):
            # Killed between the two renames: put the previous export back (or leave it,
            # when its name was too long to keep whole).
            if not match["name"].endswith(_TRUNCATED):
                with suppress(OSError):
                    os.replace(path, target)
            continue
        if _remove(path):
            removed.append(path)
    return removed


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` atomically."""
    folder = path.parent
    if not folder.is_dir():
        raise ExportFailed(f"{folder}: no such folder; nothing written")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=scratch_prefix(path.name), suffix=".part", dir=folder
        )
    except OSError as exc:
        raise ExportFailed(f"{path}: cannot write here ({exc.strerror}); nothing written") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _usual_mode(tmp, 0o666)
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportFailed(f"{path}: could not be written ({exc}); nothing written") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (the folder is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it takes the place of `path`.

    An existing folder at `path` is replaced only once the new one is complete.
    """
    parent = path.parent
    if not parent.is_dir():
        raise ExportFailed(f"{parent}: no such folder; nothing written")
    if path.exists() and not path.is_dir():
        raise ExportFailed(f"{path}: exists and is not a folder; nothing written")
    tmp = Path(tempfile.mkdtemp(prefix=scratch_prefix(path.name), suffix=".part", dir=parent))
    try:
        yield tmp
        _usual_mode(tmp, 0o777)
        old = None
        if path.exists():
            old = Path(
                tempfile.mkdtemp(prefix=scratch_prefix(path.name), suffix=".old", dir=parent)
            )
            old.rmdir()
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
