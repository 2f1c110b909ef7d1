"""The two back ends the core tests run on: one parametrized fixture, `backend`.

`backend.target(name)` is where a test's database `name` lives: a file in the test's tmp folder
(SQLite) or a fresh database on the session's throwaway PostgreSQL cluster (tests/pg_cluster.py).
`backend.open(name)` opens it with `open_store`. The SQLite run is the tests' old one, unchanged;
the PostgreSQL run is skipped (with the reason) where PostgreSQL is not installed, except under
CI, where that fails (`.ci/run` installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pg_cluster import ClusterUnavailable, PgCluster

BACKENDS = ("sqlite", "postgresql")


def start_cluster(**options: Any) -> PgCluster:
    """A throwaway cluster started with `options` (PgCluster.start), or the test skipped with
    the reason where PostgreSQL is missing; under CI that is a failure (`.ci/run` installs it)."""
    try:
        return PgCluster().start(**options)
    except ClusterUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL here: {exc}")


def _running(**options: Any) -> Iterator[PgCluster]:
    cluster = start_cluster(**options)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL cluster, started on first use and stopped at the end."""
    yield from _running()


PASSWORD = "s3cret-scram"  # the superuser's on `pg_cluster_with_password`


@pytest.fixture(scope="session")
def pg_cluster_with_password() -> Iterator[PgCluster]:
    """A second cluster that asks every connection for a password (SCRAM)."""
    yield from _running(password=PASSWORD)


@pytest.fixture
def own_cluster() -> Iterator[PgCluster]:
    """A cluster of the test's own: it may stop and start it again mid-test."""
    yield from _running()


class Backend:
    """Where one test's databases live, on one back end."""

    def __init__(self, name: str, tmp_path: Path, cluster: PgCluster | None) -> None:
        self.name = name
        self._tmp_path = tmp_path
        self._cluster = cluster
        self._urls: dict[str, str] = {}

    @property
    def is_server(self) -> bool:
        return self._cluster is not None

    def target(self, name: str, *, empty: bool = False) -> Path | str:
        """The database `name` of this test: `tmp_path/name.sqlite3`, or a URL. On the server
        it holds the current schema already (as `open_store` leaves a new one) unless `empty`
        (a test of the migrations themselves)."""
        if self._cluster is None:
            return self._tmp_path / f"{name}.sqlite3"
        if name not in self._urls:
            self._urls[name] = self._cluster.create_database(migrated=not empty)
        return self._urls[name]

    def open(self, name: str, **options: Any) -> Any:
        from annotator.core.store import open_store

        return open_store(self.target(name), **options)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    cluster = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    return Backend(request.param, tmp_path, cluster)
