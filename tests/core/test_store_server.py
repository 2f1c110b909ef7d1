"""A team database on PostgreSQL: open_store on a URL, what differs from a file (server.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, text

from annotator.core import ops
from annotator.core.errors import AnnotatorError, DatabaseRefused
from annotator.core.model import AnnotationHistory, AnnotationTag, Tag
from annotator.core.queries import annotations_by_id
from annotator.core.server_address import is_server_url, parse_server_url
from annotator.core.storage_errors import Problem, storage_problem
from annotator.core.store import HEAD_REVISION, open_store
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened. An assessment is likely."
UNITS = [(0, 5, "title"), (7, 33, "sentence"), (34, len(TEXT), "sentence")]


def new_document(store: object) -> int:
    created = ops.add_document(
        store,  # type: ignore[arg-type]
        ops.NewDocument(
            text=TEXT,
            title="T",
            issuer=None,
            published=dt.date(2025, 1, 2),
            date_certainty="exact",
            date_note=None,
            language="en",
            source_name="t.txt",
            source_format="txt",
            units=UNITS,
        ),
    ).created_id
    assert created is not None
    return created


def raw(url: str) -> object:
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def test_a_url_is_not_a_path() -> None:
    assert is_server_url("postgresql://ana@db.example.org/team")
    assert is_server_url("postgres://ana@db/team") and is_server_url("postgresql+psycopg://h/d")
    assert not is_server_url("team.sqlite3") and not is_server_url("/srv/postgresql/x.sqlite3")
    address = parse_server_url(
        "postgresql://ana:s3cret@db.example.org:5433/team?sslmode=verify-full"
    )
    assert address.display == "ana@db.example.org:5433/team"
    assert "s3cret" not in address.key and "s3cret" not in address.masked
    assert address.masked == "postgresql://ana:***@db.example.org:5433/team?sslmode=verify-full"
    assert address.key == "postgresql://ana@db.example.org:5433/team?sslmode=verify-full"
    assert "s3cret" in address.driver_url  # only what connects sees it


def test_a_url_made_a_path_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseRefused, match="server URL taken for a file path"):
        open_store(Path("postgresql://ana@db.example.org/team"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["postgresql://ana:s3cret@db.example.org", "postgresql://ana:s3cret@host:99999/x"]
)
def test_a_bad_url_is_refused_with_the_password_masked(url: str) -> None:
    with pytest.raises(DatabaseRefused) as refused:
        open_store(url)
    assert "s3cret" not in str(refused.value) and "***" in str(refused.value)


def test_an_unreachable_server_is_one_line_without_the_password(pg_cluster: PgCluster) -> None:
    url = f"postgresql://ana:s3cret@/nowhere?host={pg_cluster.socket_dir}/missing"
    with pytest.raises(DatabaseRefused, match="cannot connect to the server") as refused:
        open_store(url)
    assert "s3cret" not in str(refused.value)
    assert refused.value.__cause__ is not None
    assert storage_problem(refused.value.__cause__).kind is Problem.OFFLINE


def test_created_migrated_and_shared_on_the_server(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with open_store(url) as store:
        assert store.on_server and store.path is None and store.revision() == HEAD_REVISION
        database = parse_server_url(url).database
        assert store.label == f"annotator_test@{pg_cluster.socket_dir}/{database}"
        with pytest.raises(AnnotatorError, match="server database, not a file"):
            _ = store.file
        with store.read() as session:
            names = session.scalars(select(Tag.name).order_by(Tag.position)).all()
        assert names == ["claim", "assessment", "figure"]
        with open_store(url, create=False) as again:
            assert again.engine is store.engine  # one engine per database in a process
    with open_store(url, create=False) as reopened:
        assert reopened.revision() == HEAD_REVISION


def test_an_empty_database_is_not_created_unless_asked(pg_cluster: PgCluster) -> None:
    with pytest.raises(DatabaseRefused, match="no Annotator database here"):
        open_store(pg_cluster.create_database(), create=False)


def test_a_database_of_someone_else_is_left_untouched(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with raw(url) as conn:  # type: ignore[attr-defined]
        conn.execute("CREATE TABLE payroll (id int)")
    with pytest.raises(DatabaseRefused, match="not Annotator's"):
        open_store(url)
    with raw(url) as conn:  # type: ignore[attr-defined]
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert tables == {"payroll"}


def test_a_database_not_in_utf8_is_refused_and_left_untouched(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with raw(url) as conn:  # type: ignore[attr-defined]
        conn.execute(
            "CREATE DATABASE latin_only ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' "
            "TEMPLATE template0"
        )
    other = url.replace(url.split("?")[0].rsplit("/", 1)[1] + "?", "latin_only?", 1)
    assert "latin_only?" in other
    with pytest.raises(DatabaseRefused, match="encoding is SQL_ASCII.*needs a UTF8 database"):
        open_store(other)  # not SQLAlchemy's TypeError on the server's version string
    with raw(other) as conn:  # type: ignore[attr-defined]
        count = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert count == (0,)


def test_a_newer_schema_is_refused(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    open_store(url).close()
    with raw(url) as conn:  # type: ignore[attr-defined]
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseRefused, match="newer version"):
        open_store(url)


def test_json_is_stored_as_text_and_ids_are_never_reused(pg_cluster: PgCluster) -> None:
    with open_store(pg_cluster.create_database()) as store:
        doc = new_document(store)
        first = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
        assert first is not None
        ops.set_tag(store, first, "figure", True, fields={"value": 12}, suggested=["value"])
        with store.read() as session:
            stored = session.execute(
                text("SELECT fields, suggested FROM annotation_tags ORDER BY tag_id")
            ).all()
            history = session.scalars(select(AnnotationHistory.before)).all()
            fields = session.scalars(select(AnnotationTag.fields)).all()
        assert stored[-1] == ('{"value": 12}', '["value"]')
        assert None in history and {"value": 12} in fields
        snapshot = ops.snapshot_annotation(store, first)
        ops.delete_annotation(store, first)
        second = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
        assert second is not None and second > first  # a deleted annotation's id stays its own
        ops.restore_annotation(store, snapshot)  # under its own id, written explicitly
        third = ops.create_annotation(store, doc, 34, 40, "ana", ["claim"]).created_id
        assert third is not None and third > second  # the id sequence followed
        assert set(annotations_by_id(store, {first, second, third})) == {first, second, third}


def test_the_watcher_sees_colleagues_commits_not_its_own(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database()
    with open_store(url) as store:
        watcher = store.watcher()
        try:
            seen = watcher.token()
            doc = new_document(store)
            ops.create_annotation(store, doc, 7, 33, "ana", ["claim"])
            assert watcher.token() == seen  # this process's own commits
            with raw(url) as colleague:  # type: ignore[attr-defined]
                colleague.execute("UPDATE annotations SET note = 'theirs'")
            assert _changes(watcher, seen)
            seen = watcher.token()
            with raw(url) as colleague, colleague.transaction():  # type: ignore[attr-defined]
                colleague.execute("UPDATE annotations SET note = 'undone'")
                raise_rollback(colleague)
            assert watcher.token() == seen  # rolled back: nothing to announce
        finally:
            watcher.close()


def raise_rollback(conn: object) -> None:
    import psycopg

    raise psycopg.Rollback()


def _changes(watcher: object, seen: int) -> bool:
    import time

    deadline = time.monotonic() + 10  # a guard, not a speed check
    while time.monotonic() < deadline:
        if watcher.token() != seen:  # type: ignore[attr-defined]
            return True
        time.sleep(0.02)
    return False


def test_concurrent_writers_lose_nothing(pg_cluster: PgCluster) -> None:
    """Writers of separate engines (separate processes, in effect) pick ids and check owners
    as on SQLite: one write transaction at a time (server.WRITE_LOCK)."""
    import threading

    url = pg_cluster.create_database(migrated=True)
    with open_store(url) as store:
        doc = new_document(store)
    failures: list[BaseException] = []

    def analyst(n: int) -> None:
        # another URL (application_name): another engine, as another process would have
        with open_store(f"{url}&application_name=analyst{n}") as own:
            for _ in range(12):
                try:
                    ops.bulk_add_annotations(
                        own, doc, [ops.NewAnnotation(7, 33, f"a{n}", ["claim"], "", {})]
                    )
                    ops.create_annotation(own, doc, 34, 40, f"a{n}", ["figure"])
                except BaseException as exc:  # noqa: BLE001 - collected, asserted below
                    failures.append(exc)

    threads = [threading.Thread(target=analyst, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with open_store(url) as store, store.read() as session:
        assert session.execute(text("SELECT count(*) FROM annotations")).scalar() == 72
        assert session.execute(text("SELECT count(*) FROM annotation_history")).scalar() == 72


@pytest.mark.parametrize(
    ("error", "kind", "says"),
    [
        ("DiskFull", Problem.FULL, "the database server's disk is full"),
        ("DeadlockDetected", Problem.LOCKED, "saved at the same moment"),
        ("SerializationFailure", Problem.LOCKED, "saved at the same moment"),
        ("ReadOnlySqlTransaction", Problem.READ_ONLY, "accepts no changes now"),
        ("InsufficientPrivilege", Problem.REFUSED, "does not allow your role"),
        ("InvalidPassword", Problem.CANNOT_OPEN, "refused the connection"),
        ("AdminShutdown", Problem.OFFLINE, "cannot be reached"),
        ("ConnectionFailure", Problem.OFFLINE, "cannot be reached"),
    ],
)
def test_the_servers_failures_in_the_analysts_words(
    error: str, kind: Problem, says: str
) -> None:
    import psycopg
    from sqlalchemy.exc import DBAPIError

    raised = getattr(psycopg.errors, error)("INSERT INTO annotations ... Operation NIGHTJAR")
    wrapped = DBAPIError("INSERT ... 'Operation NIGHTJAR'", {}, raised)
    problem = storage_problem(wrapped)
    assert problem.kind is kind and says in problem.line()
    assert "NIGHTJAR" not in problem.line() and "INSERT" not in problem.line()


def test_a_password_the_server_asks_for_is_given_not_kept(
    pg_cluster_with_password: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core.server import PasswordNeeded
    from tests.backends import PASSWORD

    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = pg_cluster_with_password.create_database()  # its URL holds no password
    with pytest.raises(PasswordNeeded, match="asks for a password") as asked:
        open_store(url)
    assert PASSWORD not in str(asked.value)
    address = parse_server_url(url).with_password(PASSWORD)
    with open_store(address) as store:
        assert store.revision() == HEAD_REVISION
        assert PASSWORD not in store.key + store.label and store.user == "annotator_test"
    wrong = parse_server_url(url).with_password("not-it")
    with pytest.raises(DatabaseRefused, match="password authentication failed") as refused:
        open_store(wrong)
    assert "not-it" not in str(refused.value)


def test_a_no_wait_write_fails_at_once_while_a_colleague_writes(pg_cluster: PgCluster) -> None:
    """`Store.write(wait=False)` on a server: the write lock taken elsewhere is "locked" at
    once (as SQLite's BEGIN IMMEDIATE with no busy timeout), never a wait."""
    from annotator.core.search_index import is_busy

    url = pg_cluster.create_database(migrated=True)
    with open_store(url) as ours, open_store(f"{url}&application_name=colleague") as theirs:
        with theirs.write() as session:
            session.connection()  # the colleague's transaction holds the write lock
            with pytest.raises(Exception) as caught, ours.write(wait=False) as mine:
                mine.connection()
            assert is_busy(caught.value)
            assert storage_problem(caught.value).kind is Problem.LOCKED
        with ours.write(wait=False) as mine:  # the colleague committed: free again
            mine.execute(text("UPDATE meta SET value = value"))


def test_search_indexes_on_a_server_and_sources_are_announced(pg_cluster: PgCluster) -> None:
    """Migration 0007 makes the search indexes on a server: a write folds its own rows before
    it commits, and Find in All Documents answers; a colleague's change to the claim sources
    (0005) reaches an open window as other changes do."""
    from annotator.core import search_index
    from annotator.core.search import search
    from annotator.core.sources import set_default_reliability

    url = pg_cluster.create_database()
    with open_store(url) as store:
        with store.read() as session:
            tables = set(
                session.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).scalars()
            )
        assert "sources" in tables
        assert {t for t in tables if t.startswith("search_")} == {
            "search_pending",
            "search_units",
            "search_notes",
            "search_annotations",
            "search_sort_text",
        }
        doc = new_document(store)
        ops.create_annotation(store, doc, 7, 33, "ana", ["claim"])
        assert search_index.backlog(store) == 0 and search_index.fold_step(store) == 0
        assert not store.search_backlog_left
        (found,) = search(store, "CLAIM happened").documents
        assert [(h.kind, h.text, h.tags) for h in found.hits] == [
            ("text", "The first claim happened. ", ("claim",))
        ]
        watcher = store.watcher()
        try:
            seen = watcher.token()
            with open_store(f"{url}&application_name=colleague") as colleague:
                set_default_reliability(colleague, "Reuters", "B", actor="ben")
            assert _changes(watcher, seen)
        finally:
            watcher.close()
