"""`sslmode=verify-full` against a real TLS server (issue 17): the README's advice works.

A throwaway cluster listens on localhost over TCP with TLS, serving a certificate that a test
certificate authority signed for `localhost`. Annotator connects with libpq's options in the
URL (`sslmode=verify-full&sslrootcert=CA`): the connection is encrypted and the server checked;
a server signed by another authority, or reached by a name its certificate does not carry, is
refused with the server check's reason, never a traceback, and nothing is written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.core.errors import DatabaseRefused
from annotator.core.store import open_store
from tests.backends import start_cluster
from tests.pg_cluster import SUPERUSER, ClusterUnavailable, PgCluster, TlsFiles

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[tuple[PgCluster, TlsFiles]]:
    with tempfile.TemporaryDirectory(prefix="annotator-tls-") as folder:
        files = TlsFiles(Path(folder), _free_port())
        try:
            files.make()
        except ClusterUnavailable as exc:  # no openssl: as no PostgreSQL (tests/backends.py)
            if os.environ.get("CI"):
                pytest.fail(f"openssl is required under CI: {exc}", pytrace=False)
            pytest.skip(str(exc))
        cluster = start_cluster(tls=files)
        try:
            yield cluster, files
        finally:
            cluster.stop()


def _tcp_url(
    cluster: PgCluster, files: TlsFiles, host: str, ca: Path, *, migrated: bool = False
) -> str:
    database = cluster.create_database(migrated=migrated).split("@/", 1)[1].split("?", 1)[0]
    return (
        f"postgresql://{SUPERUSER}@{host}:{files.port}/{database}"
        f"?sslmode=verify-full&sslrootcert={ca}"
    )


def test_verify_full_connects_encrypted_to_a_server_it_checked(
    tls_cluster: tuple[PgCluster, TlsFiles],
) -> None:
    cluster, files = tls_cluster
    url = _tcp_url(cluster, files, "localhost", files.ca)
    # open_store creates the schema over the encrypted connection
    with open_store(url) as store, store.read() as session:
        encrypted = session.execute(
            text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        ).scalar()
        tables = session.execute(text("SELECT count(*) FROM annotations")).scalar()
    assert encrypted is True
    assert tables == 0


def test_a_server_signed_by_another_authority_is_refused(
    tls_cluster: tuple[PgCluster, TlsFiles], tmp_path: Path
) -> None:
    cluster, files = tls_cluster
    stranger = TlsFiles(tmp_path, files.port).make()  # another CA, unrelated to the server's
    url = _tcp_url(cluster, files, "localhost", stranger.ca)
    with pytest.raises(DatabaseRefused, match="certificate verify failed"):
        open_store(url)
    import psycopg

    database = url.split(f":{files.port}/", 1)[1].split("?", 1)[0]
    with psycopg.connect(
        host=str(cluster.socket_dir), port=files.port, user=SUPERUSER, dbname=database
    ) as conn:  # the refused connection created nothing: the schema is still absent
        assert conn.execute("SELECT to_regclass('annotations')").fetchone() == (None,)


def test_a_name_the_certificate_does_not_carry_is_refused(
    tls_cluster: tuple[PgCluster, TlsFiles],
) -> None:
    cluster, files = tls_cluster
    url = _tcp_url(cluster, files, "127.0.0.1", files.ca)  # the certificate names localhost
    with pytest.raises(DatabaseRefused, match="does not match host name"):
        open_store(url)


def test_the_command_line_takes_the_tls_options_in_the_url(
    tls_cluster: tuple[PgCluster, TlsFiles], tmp_path: Path
) -> None:
    cluster, files = tls_cluster
    url = _tcp_url(cluster, files, "localhost", files.ca, migrated=True)
    stranger = _with_ca(url, TlsFiles(tmp_path, files.port).make().ca)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }

    def annotator(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "annotator", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=120,
            check=False,
        )

    done = annotator("--db", url, "list")
    assert done.returncode == 0, done.stderr
    refused = annotator("--db", stranger, "list")
    assert refused.returncode != 0
    assert "certificate verify failed" in refused.stderr
    assert "Traceback" not in refused.stderr


def _with_ca(url: str, ca: Path) -> str:
    return url.split("&sslrootcert=", 1)[0] + f"&sslrootcert={ca}"
