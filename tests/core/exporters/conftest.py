"""Fixtures for the exporter tests: the sample database (built once per module) and its dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.dataset import Dataset
from annotator.core.store import Store
from tests.backends import BACKENDS
from tests.core.exporters.sample import build_store, dataset_of


@pytest.fixture(scope="module", params=BACKENDS)
def sample_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The sample database, as a file and on the test cluster (tests/backends.py): every
    export must come out the same from both."""
    target: Path | str = tmp_path_factory.mktemp("sample") / "sample.sqlite3"
    if request.param == "postgresql":
        target = request.getfixturevalue("pg_cluster").create_database(migrated=True)
    store = build_store(target)
    yield store
    store.close()


@pytest.fixture
def dataset(sample_store: Store) -> Dataset:
    """The whole sample database, caveat set, with the fixed export time."""
    return dataset_of(sample_store)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
