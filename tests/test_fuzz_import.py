"""Hostile and broken input: every file given to `annotator import` is imported or refused
with an AnnotatorError, never another exception; a refused file writes nothing.

Runs a few hundred examples in the suite; `HYPOTHESIS_PROFILE=long pytest tests/test_fuzz_import.py`
is the separate long run.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import ops
from annotator.core.dataset import load_dataset
from annotator.core.errors import AnnotatorError
from annotator.core.exporters.registry import export
from annotator.core.importing import import_file
from annotator.core.store import Store, open_store
from tests.conftest import REPO_ROOT
from tests.core.importers.test_docx import docx_bytes
from tests.core.importers.test_pdf import hand_made_pdf

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def counts(db: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "units", "annotations", "annotation_tags", "tags")
        )
    finally:
        conn.close()


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One valid file of every kind the importer accepts, as bytes to mutate."""
    folder = tmp_path_factory.mktemp("valid")
    files: dict[str, bytes] = {
        ".txt": SAMPLE.read_bytes(),
        ".md": b"# Title\n\n- a bullet with a [link](http://x)\n\nA paragraph. Another.\n",
        ".html": b"<html><body><h1>T</h1><p>One. Two.</p><ul><li>x</li></ul></body></html>",
    }
    files[".docx"] = docx_bytes(
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Officials reported 14 attacks in 2024.</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>We assess this is likely to continue.</w:t></w:r></w:p></w:body>"
        "</w:document>"
    )
    files[".pdf"] = hand_made_pdf("Officials reported 14 attacks.", "We assess more will come.")
    with open_store(folder / "src.sqlite3") as store:
        doc_id = import_file(store, SAMPLE).document_id
        assert doc_id is not None
        ops.create_annotation(store, doc_id, 0, 20, "ana", ["claim", "figure"], note="n")
        dataset = load_dataset(store)
    for name, suffix in (("jsonl-spans", ".jsonl"), ("w3c", ".jsonld"), ("qdpx", ".qdpx")):
        files[suffix] = export(dataset, name, folder / f"x{suffix}").path.read_bytes()
    with open_store(folder / "check.sqlite3") as store:  # every seed imports as it is
        for suffix in (".docx", ".pdf"):
            (folder / f"seed{suffix}").write_bytes(files[suffix])
            assert import_file(store, folder / f"seed{suffix}").unit_count == 2
    return files


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Store]]:
    folder = tmp_path_factory.mktemp("target")
    db = folder / "target.sqlite3"
    with open_store(db) as store:
        import_file(store, SAMPLE)  # so annotation files find their document
        yield db, store


def _attempt(store: Store, db: Path, path: Path) -> None:
    before = counts(db)
    try:
        import_file(store, path, allow_duplicate=True)
    except AnnotatorError:
        assert counts(db) == before, f"a refused {path.name} wrote to the database"


@settings(max_examples=max(150, settings().max_examples))
@given(
    data=st.binary(max_size=4096),
    suffix=st.sampled_from(
        [".txt", ".md", ".html", ".pdf", ".docx", ".jsonl", ".jsonld", ".qdpx", ".bin"]
    ),
)
def test_random_bytes_are_imported_or_refused_cleanly(
    target: tuple[Path, Store], tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    db, store = target
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    _attempt(store, db, path)


@settings(max_examples=max(250, settings().max_examples))
@given(
    kind=st.sampled_from([".txt", ".md", ".html", ".docx", ".pdf", ".jsonl", ".jsonld", ".qdpx"]),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_mutated_valid_files_are_imported_or_refused_cleanly(
    target: tuple[Path, Store],
    valid_files: dict[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    edits: list[tuple[int, int]],
    cut: int | None,
) -> None:
    db, store = target
    data = bytearray(valid_files[kind])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = tmp_path_factory.mktemp("mutated") / f"input{kind}"
    path.write_bytes(bytes(data))
    _attempt(store, db, path)


def test_archive_paths_never_escape(tmp_path: Path, target: tuple[Path, Store]) -> None:
    db, store = target
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("../../escaped.txt", "x")
    evil = tmp_path / "evil.qdpx"
    evil.write_bytes(buffer.getvalue())
    before = counts(db)
    with pytest.raises(AnnotatorError):
        import_file(store, evil)
    assert counts(db) == before
    assert not (tmp_path.parent.parent / "escaped.txt").exists()
