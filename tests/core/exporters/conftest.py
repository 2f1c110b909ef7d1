"""Fixtures for the exporter tests: the sample database (built once per module) and its dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.dataset import Dataset
from annotator.core.store import Store
from tests.core.exporters.sample import build_store, dataset_of


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = build_store(tmp_path_factory.mktemp("sample") / "sample.sqlite3")
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
