"""A throwaway PostgreSQL cluster for the tests that run on both back ends.

`PgCluster.start()` runs `initdb` into a fresh temporary folder and starts `postgres` listening
on a Unix socket in that folder only (no TCP port: `listen_addresses=''`), with the settings of
a test machine (no fsync: the cluster is thrown away). `create_database()` gives each test a
database of its own; `stop()` stops the server and removes the folder.

PostgreSQL refuses to run as root, so under root (a CI container) the server runs as the
`postgres` user that Debian's `postgresql` package creates (or `nobody`), through `runuser`.

Where the binaries are missing the PostgreSQL runs are skipped with the reason, except under CI
(the `CI` variable set), where a missing PostgreSQL is a failure: `.ci/run` installs it.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

BIN_ENV_VAR = "ANNOTATOR_PG_BIN"  # a folder holding initdb, pg_ctl and postgres
SUPERUSER = "annotator_test"  # the cluster's superuser (the tests connect as it)
_BINARIES = ("initdb", "pg_ctl", "postgres")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (or cannot be run here)."""


def find_binaries() -> Path:
    """The folder of initdb/pg_ctl/postgres: $ANNOTATOR_PG_BIN, PATH, then Debian's
    /usr/lib/postgresql/<version>/bin (the newest). Raises ClusterUnavailable."""
    candidates: list[Path] = []
    if os.environ.get(BIN_ENV_VAR):
        candidates.append(Path(os.environ[BIN_ENV_VAR]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [
            int(part) if part.isdigit() else 0 for part in Path(p).parent.name.split(".")
        ],
        reverse=True,
    )
    candidates.extend(Path(folder) for folder in debian)
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in _BINARIES):
            return folder
    raise ClusterUnavailable(
        "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found: install "
        f"Debian's `postgresql` package or set {BIN_ENV_VAR}"
    )


def _server_user() -> str | None:
    """Whom to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ClusterUnavailable(
        "running as root, and no `postgres` or `nobody` user to run the server"
    )


class TlsFiles:
    """A certificate authority of its own and a server certificate it signed for `localhost`
    (openssl, as Debian's postgresql package brings it): what a TLS test serves and trusts."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.ca = folder / "ca.crt"

    def make(self) -> TlsFiles:
        def openssl(*args: str) -> None:
            done = subprocess.run(
                ["openssl", *args], capture_output=True, text=True, cwd=self.folder, check=False
            )
            if done.returncode != 0:
                raise ClusterUnavailable(f"openssl {args[0]} failed: {done.stderr.strip()}")

        key = ("-newkey", "rsa:2048", "-nodes")
        openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=Annotator test CA")
        openssl("req", *key, "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost")
        (self.folder / "san.ext").write_text("subjectAltName=DNS:localhost\n", encoding="utf-8")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
        return self

    def install_certificate(self, cluster_folder: Path, user: str | None) -> Path:
        """Copy the server's certificate and key into the cluster's folder, readable by the
        server alone (PostgreSQL refuses a key others can read); the certificate's path."""
        certificate = cluster_folder / "server.crt"
        key = cluster_folder / "server.key"
        shutil.copyfile(self.folder / "server.crt", certificate)
        shutil.copyfile(self.folder / "server.key", key)
        key.chmod(0o600)
        if user is not None:
            entry = pwd.getpwnam(user)
            for path in (certificate, key):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        return certificate


class PgCluster:
    """One temporary PostgreSQL cluster listening on a Unix socket in its own folder."""

    def __init__(self, binaries: Path | None = None) -> None:
        self.binaries = binaries or find_binaries()
        self.user = _server_user()
        self.folder: Path | None = None
        self._names = itertools.count(1)
        self._lock = threading.RLock()
        self._template: str | None = None
        self.password: str | None = None  # the superuser's, when the cluster asks for one
        self._options = ""  # the server's settings (pg_ctl -o), kept for start_server
        self.port: int | None = None  # set when it listens on TCP too (its socket is named so)

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.folder is not None
        return self.folder

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )
        if result.returncode != 0:
            raise ClusterUnavailable(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
            )
        return result

    def start(
        self, *, durable: bool = False, password: str | None = None, tls: TlsFiles | None = None
    ) -> PgCluster:
        """Make and start the cluster; `durable` keeps fsync and synchronous commits on (the
        benchmarks: a real server's costs), else they are off (tests). With `password`, every
        connection must give it (SCRAM), else none is asked for (trust). With `tls`, it also
        listens on TCP at localhost:`tls.port` with TLS on, serving `tls`'s certificate."""
        # Not under pytest's tmp folders: they are private to their owner (0700), and the
        # server may run as another user. Short, too: a socket path has at most 107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        try:
            if self.user is not None:
                entry = pwd.getpwnam(self.user)
                os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.folder.chmod(0o755)
            auth = ["--auth=trust"]
            if password is not None:
                secret = self.folder / "pwfile"
                secret.write_text(password + "\n", encoding="utf-8")
                if self.user is not None:
                    os.chown(secret, entry.pw_uid, entry.pw_gid)
                auth = ["--auth=scram-sha-256", f"--pwfile={secret}"]
                self.password = password
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                *auth,
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            if password is not None:
                secret.unlink()
            listen = "-c listen_addresses=''"
            if tls is not None:
                self.port = tls.port
                listen = " ".join((
                    f"-c listen_addresses=localhost -c port={tls.port} -c ssl=on",
                    f"-c ssl_cert_file={tls.install_certificate(self.folder, self.user)}",
                    f"-c ssl_key_file={self.folder / 'server.key'}",
                ))
            options = self._options = " ".join(
                (
                    listen,
                    f"-c unix_socket_directories={self.socket_dir}",
                    "-c unix_socket_permissions=0777",
                    "" if durable else
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                    "-c max_connections=200 -c shared_buffers=32MB",
                )
            )
            self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
        except BaseException:
            self._remove()
            raise
        return self

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """The SQLAlchemy URL of `database` on this cluster (a Unix socket, no password)."""
        port = "" if self.port is None else f"&port={self.port}"
        return f"postgresql+psycopg://{user}@/{database}?host={self.socket_dir}{port}"

    def create_database(self, *, migrated: bool = False) -> str:
        """A new database, empty or (`migrated`) holding the current schema; its URL.

        A migrated one is a copy of a template the migrations built once for the session:
        copying it costs a fraction of running them for each test."""
        template = self._migrated_template() if migrated else "template0"
        return self.url(self._new_database(template))

    def _new_database(self, template: str) -> str:
        import psycopg

        with self._lock:
            name = f"test_{next(self._names)}"
        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True,
            password=self.password, port=self.port,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def _migrated_template(self) -> str:
        with self._lock:
            if self._template is None:
                from annotator.core.store import open_store

                name = self._new_database("template0")
                open_store(self.url(name)).close()  # the migrations; connections closed after
                self._template = name
            return self._template

    def stop_server(self) -> None:
        """Stop the server as an administrator's restart does (its clients' connections are
        cut), keeping its data. (Not as a crash: the cluster runs without synchronous
        commits, and a crash would lose the last ones.)"""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_server(self) -> None:
        """Start it again after `stop_server`, with the same settings."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / "server.log"),
            "-o", self._options, "-w", "-t", "60", "start",
        )

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (ClusterUnavailable, subprocess.TimeoutExpired):
            pass
        finally:
            self._remove()

    def _remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
