"""Exports killed midway leave no `.part` file or folder behind: the next export (or
`remove_stale_parts`) removes what a dead process left, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.exporters.registry import export_store
from annotator.core.files import atomic_output, remove_stale_parts, scratch_path, scratch_prefix
from annotator.core.importing import document_from_text
from annotator.core.store import open_store
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills a child with SIGKILL")

# The child runs a real export and stops just before renaming its temporary file (or folder)
# into place: the moment a kill leaves one behind, reached every time, however fast the export.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from annotator.core.exporters.registry import export_store
    from annotator.core.store import open_store

    db, fmt, out = sys.argv[1:4]
    real_replace = os.replace

    def stall(src, dst):
        if str(src).endswith(".part"):
            print("part written", flush=True)
            time.sleep(600)
        real_replace(src, dst)

    os.replace = stall
    with open_store(Path(db), create=False, daily_backup=False) as store:
        export_store(store, fmt, Path(out))
    """
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with one long briefing (3,000 sentences) and an annotation."""
    path = tmp_path / "db.sqlite3"
    text = "".join(f"Officials reported {n} attacks near the border. " for n in range(3000))
    with open_store(path, daily_backup=False) as store:
        document_id = ops.add_document(
            store, document_from_text(text, title="Long brief", source_name="long.txt")
        ).created_id
        assert document_id is not None
        ops.create_annotation(store, document_id, 0, 46, "ana", ["claim"])
    return path


def start_export(db: Path, fmt: str, out: Path) -> subprocess.Popen[str]:
    """A child process exporting `db` to `out`, returned once its temporary output is written."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), fmt, str(out)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line != "part written\n":
        child.kill()
        raise AssertionError(f"the child export did not start: {child.communicate()[1]}")
    return child


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.communicate()


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()


def hidden(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_a_killed_file_export_leaves_a_part_that_the_next_export_removes(
    db: Path, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    child = start_export(db, "jsonl", folder / "units.jsonl")
    children.append(child)
    kill(child)
    (left,) = hidden(folder)
    assert left.startswith(f".units.jsonl.annotator-{child.pid}-") and left.endswith(".part")
    assert (folder / left).stat().st_size > 100_000  # killed with the data written
    assert not (folder / "units.jsonl").exists()

    with open_store(db, create=False, daily_backup=False) as store:
        export_store(store, "csv", folder / "tags.csv")
    assert hidden(folder) == []
    assert sorted(os.listdir(folder)) == ["tags.csv"]


def test_a_killed_folder_export_gets_its_previous_version_back(
    db: Path, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    out = tmp_path / "brat"
    with open_store(db, create=False, daily_backup=False) as store:
        export_store(store, "brat", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "mine.txt").write_text("the analyst's own note", encoding="utf-8")

    child = start_export(db, "brat", out)  # stops after moving the old folder aside
    children.append(child)
    kill(child)
    assert not out.exists()
    assert sorted(name.rsplit(".", 1)[1] for name in hidden(tmp_path)) == ["old", "part"]

    removed = remove_stale_parts(tmp_path)
    assert [path.suffix for path in removed] == [".part"]
    assert hidden(tmp_path) == []
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "mine.txt"} == before
    assert (out / "mine.txt").read_text(encoding="utf-8") == "the analyst's own note"


def test_the_part_of_a_running_export_is_kept(
    db: Path, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    child = start_export(db, "csv", tmp_path / "live.csv")
    children.append(child)
    (part,) = [name for name in hidden(tmp_path) if name.endswith(".part")]
    assert remove_stale_parts(tmp_path) == []
    with open_store(db, create=False, daily_backup=False) as store:
        export_store(store, "csv", tmp_path / "mine.csv")
    assert (tmp_path / part).exists()

    kill(child)
    assert remove_stale_parts(tmp_path) == [tmp_path / part]


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_process_not_yet_waited_for_counts_as_gone(
    db: Path, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    child = start_export(db, "csv", tmp_path / "z.csv")
    children.append(child)
    os.kill(child.pid, signal.SIGKILL)
    stat = Path(f"/proc/{child.pid}/stat")
    deadline = time.monotonic() + 30
    while stat.read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child did not die"
        time.sleep(0.01)
    (removed,) = remove_stale_parts(tmp_path)
    assert removed.name.startswith(f".z.csv.annotator-{child.pid}-")


def test_own_part_is_kept_while_writing(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "out.csv") as tmp:
        tmp.write_text("half", encoding="utf-8")
        assert tmp.name.startswith(scratch_prefix("out.csv")) and tmp.name.endswith(".part")
        assert remove_stale_parts(tmp_path) == []
        assert tmp.exists()
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "half"
    assert os.listdir(tmp_path) == ["out.csv"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_our_names_of_dead_processes_are_removed(tmp_path: Path) -> None:
    gone = dead_pid()
    ours = scratch_prefix("report.csv").replace(f"-{os.getpid()}-", f"-{gone}-")
    stale = [f"{ours}k3j4h5g6.part", f"{ours}abcdefgh.part-journal", f"{ours}x_9.part"]
    for name in stale[:2]:
        (tmp_path / name).write_text("half", encoding="utf-8")
    (tmp_path / stale[2]).mkdir()
    (tmp_path / stale[2] / "doc.ann").write_text("half", encoding="utf-8")
    other_host = ours.replace(ours.split("-")[-2], "0" * 8)
    users = [
        "report.csv.part",  # a user's own file
        ".report.csv.part",
        ".report.csv.x1y2z3.part",  # the names of earlier versions: not provably ours
        f".report.csv.annotator-{gone}.part",
        f"{other_host}k3j4h5g6.part",  # written on another computer (a shared folder)
        f"{ours}k3j4h5g6.partial",
        f"{ours}k3j4h5g6.part.txt",
        "report.csv",
    ]
    for name in users:
        (tmp_path / name).write_text("keep", encoding="utf-8")
    # A link with one of our names is removed, never what it points to.
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("keep", encoding="utf-8")
    stale.append(f"{ours}link.part")
    (tmp_path / stale[-1]).symlink_to(tmp_path / "folder", target_is_directory=True)

    removed = remove_stale_parts(tmp_path)
    assert sorted(removed) == sorted(tmp_path / name for name in stale)
    assert sorted(os.listdir(tmp_path)) == sorted([*users, "folder"])
    assert (tmp_path / "folder" / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_scratch_path_is_cleaned_like_any_part(tmp_path: Path) -> None:
    """What the backup code uses for a copy it writes with SQLite."""
    target = tmp_path / "annotator.sqlite3"
    part = scratch_path(target)
    assert part.parent == tmp_path and not part.exists()
    part.write_bytes(b"half")
    assert remove_stale_parts(tmp_path) == []  # this process is alive
    assert part.exists()


def test_a_missing_or_unreadable_folder_is_not_an_error(tmp_path: Path) -> None:
    assert remove_stale_parts(tmp_path / "nowhere") == []
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    assert remove_stale_parts(tmp_path / "file") == []


def test_long_names_still_fit(tmp_path: Path) -> None:
    name = "é" * 120 + ".csv"  # 244 bytes: at the limit of a file name
    with atomic_output(tmp_path / name) as tmp:
        assert len(os.fsencode(tmp.name)) <= 255
        tmp.write_text("x", encoding="utf-8")
    assert (tmp_path / name).read_text(encoding="utf-8") == "x"
