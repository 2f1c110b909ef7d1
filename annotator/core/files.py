"""Writing files so that a failure never leaves a half-written one.

Everything is written to a temporary file (or folder) beside the target, flushed to disk, then
renamed into place in one step.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from annotator.core.errors import AnnotatorError


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


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` atomically."""
    folder = path.parent
    if not folder.is_dir():
        raise ExportFailed(f"{folder}: no such folder; nothing written")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=parent))
    try:
        yield tmp
        _usual_mode(tmp, 0o777)
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            old.rmdir()
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
