"""The throwaway PostgreSQL cluster of the tests (tests/pg_cluster.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg_cluster import BIN_ENV_VAR, ClusterUnavailable, PgCluster, find_binaries


def test_a_database_per_call_on_a_unix_socket_only(pg_cluster: PgCluster) -> None:
    import psycopg

    first, second = pg_cluster.create_database(), pg_cluster.create_database()
    assert first != second
    with psycopg.connect(first.replace("+psycopg", "")) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SELECT current_database()").fetchone()[0] in first
    assert (pg_cluster.socket_dir / ".s.PGSQL.5432").exists()


def test_missing_binaries_are_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BIN_ENV_VAR, str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("tests.pg_cluster.glob.glob", lambda _pattern: [])
    with pytest.raises(ClusterUnavailable, match="initdb, pg_ctl, postgres"):
        find_binaries()


def test_a_stopped_cluster_leaves_nothing_behind() -> None:
    try:
        cluster = PgCluster().start()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    folder = cluster.folder
    assert folder is not None and (folder / "data" / "postmaster.pid").exists()
    cluster.stop()
    assert not folder.exists()
