"""Where a team database lives: a `postgresql://USER@HOST/DB` URL, told apart from a file path.

`--db` (and ANNOTATOR_DB) takes either a database file or a PostgreSQL URL. A URL is never a
path: nothing is created, backed up or watched on disk for it. A password may be given in the
URL, but it is never shown, logged or kept in the settings: `display`, `key` and `masked` drop
it. The usual way is libpq's own: a `~/.pgpass` file, a service file (`?service=NAME`,
PGSERVICE) or PGPASSWORD; `sslmode=verify-full` and the other libpq options pass through the
query string.

No SQLAlchemy here: the window names its database before SQLAlchemy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from annotator.core.errors import DatabaseRefused

SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
DRIVER_SCHEME = "postgresql+psycopg"


def is_server_url(target: object) -> bool:
    """True when `target` (a --db value) is a PostgreSQL URL rather than a file path."""
    if not isinstance(target, str):
        return False
    scheme, sep, _rest = target.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def mangled_url(target: object) -> bool:
    """True for a path that was a server URL before something made it a Path (which folds
    `//` into `/`): `postgresql:/user@host/db` must not become a folder named `postgresql:`."""
    scheme, sep, _rest = str(target).partition(":")
    return bool(sep) and scheme.lower() in SCHEMES and not is_server_url(target)


@dataclass(frozen=True)
class ServerAddress:
    """A PostgreSQL database named by a URL (see the module's docstring)."""

    user: str  # "" when libpq chooses (the login name, PGUSER, a service file)
    password: str  # "" unless given in the URL; never shown or stored
    host: str  # a name, an address, a Unix socket folder, or "" for libpq's default
    port: int | None
    database: str
    query: tuple[tuple[str, str], ...]  # libpq options: sslmode, service, host=/socket/dir...

    @property
    def shown_host(self) -> str:
        host = self.host or dict(self.query).get("host", "") or "localhost"
        return f"{host}:{self.port}" if self.port else host

    @property
    def display(self) -> str:
        """`user@host/db` for the title bar, the status bar and messages."""
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.shown_host}/{self.database}"

    def _url(self, scheme: str, password: str) -> str:
        from urllib.parse import quote

        auth = quote(self.user, safe="")
        if password:
            auth += ":" + password
        netloc = (auth + "@" if auth else "") + _bracketed(self.host)
        if self.port:
            netloc += f":{self.port}"
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{scheme}://{netloc}/{quote(self.database, safe='')}{query}"

    @property
    def key(self) -> str:
        """The URL without any password: what the settings remember (recent databases...)."""
        return self._url("postgresql", "")

    @property
    def masked(self) -> str:
        """The URL with its password (if any) shown as ***: for logs and messages."""
        return self._url("postgresql", "***" if self.password else "")

    @property
    def driver_url(self) -> str:
        """The SQLAlchemy URL (psycopg 3), with the password when one was given."""
        from urllib.parse import quote

        return self._url(DRIVER_SCHEME, quote(self.password, safe="") if self.password else "")

    def with_password(self, password: str) -> ServerAddress:
        """This address with a password asked for (kept in memory only, never shown)."""
        from dataclasses import replace

        return replace(self, password=password)

    @property
    def name(self) -> str:
        """What a title bar shows (a file shows its name): user@host/db."""
        return self.display

    def __str__(self) -> str:
        return self.key


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def parse_server_url(text: str) -> ServerAddress:
    """The address a `postgresql://` URL names. Raises DatabaseRefused (with the password
    masked) when it is not a usable URL."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise DatabaseRefused(f"{_masked_text(text)}: not a PostgreSQL URL ({exc})") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise DatabaseRefused(f"{_masked_text(text)}: not a PostgreSQL URL")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise DatabaseRefused(
            f"{_masked_text(text)}: name the database after the host, as in "
            "postgresql://USER@HOST/DATABASE"
        )
    if parts.fragment:
        raise DatabaseRefused(f"{_masked_text(text)}: a PostgreSQL URL has no #fragment")
    return ServerAddress(
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=parts.hostname or "",
        port=port,
        database=database,
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
    )


def _masked_text(text: str) -> str:
    """`text` with whatever sits between `user:` and `@` replaced by ***."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    auth, at, host = rest.rpartition("@")
    if not at or ":" not in auth:
        return text
    user = auth.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def database_label(target: Path | ServerAddress) -> str:
    """What the window calls a database: its file's path, or user@host/db."""
    return target.display if isinstance(target, ServerAddress) else str(target)


def database_target(text: str | Path) -> Path | ServerAddress:
    """A database named by the analyst or the settings: a server's address for a URL, else a
    file's path. Raises DatabaseRefused for a URL that cannot be used."""
    if isinstance(text, Path):
        return text
    return parse_server_url(text) if is_server_url(text) else Path(text).expanduser()


def default_database() -> Path | ServerAddress:
    """The database used when none is named: $ANNOTATOR_DB (a file or a URL), else the file
    in the user data folder."""
    import os

    from annotator.core.settings import DB_ENV_VAR, default_db_path

    env = os.environ.get(DB_ENV_VAR)
    return parse_server_url(env) if env and is_server_url(env) else default_db_path()
