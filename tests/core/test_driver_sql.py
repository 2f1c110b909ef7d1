"""The key-press statements run on the DB-API cursor (driver_sql.py), and the writes that change
no searched text (Store.write's `search_text`): same rows, same errors, fewer round trips."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from annotator.core import annotation_rows as rows
from annotator.core import ops, search_index
from annotator.core.driver_sql import run, run_sql
from annotator.core.errors import NotFound
from annotator.core.review import set_review_status
from annotator.core.search import search
from annotator.core.server_roles import add_user, init_server
from annotator.core.store import Store, open_store
from tests.backends import Backend
from tests.documents import add_text_document
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened. 🙂 مرحبا an assessment is likely. A figure of 12%."
UNITS = [(0, 5, "title"), (7, 33, "sentence"), (34, 69, "sentence"), (70, len(TEXT), "sentence")]


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open("driver") as opened:
        yield opened


@pytest.fixture
def doc(store: Store) -> int:
    return add_text_document(store, TEXT, UNITS)


def test_rows_are_those_sqlalchemy_reads(store: Store, doc: int) -> None:
    created = ops.create_annotation(
        store, doc, 34, 69, "ana", ["figure", "claim"], note="Zoë 🙂",
        fields={"figure": {"value": 12, "unit": "%"}}, suggested={"figure": ["unit"]},
    ).created_id
    assert created is not None
    with store.read() as session:
        connection = session.connection()
        values = {"annotation": created}
        fast = run(connection, rows._SELECT_ANNOTATION, values)
        slow = connection.execute(rows._SELECT_ANNOTATION, values).all()
        assert [tuple(row) for row in fast] == [tuple(row) for row in slow]
        assert fast[0].note == "Zoë 🙂" and fast[0].end == 69  # by name, as SQLAlchemy's
        assert {row.tag_name: row.fields for row in fast} == {
            "claim": {}, "figure": {"value": 12, "unit": "%"}
        }
        assert fast[0].created.tzinfo is not None  # the column type's own reading
        assert run(connection, rows._SELECT_ANNOTATION, {"annotation": created + 99}) == []


def test_an_error_is_sqlalchemys_and_the_transaction_rolls_back(store: Store, doc: int) -> None:
    annotation = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
    assert annotation is not None
    with pytest.raises(DBAPIError) as raised, store.write() as session:
        connection = session.connection()
        rows.write_change(connection, [rows.touching(annotation, ops.utcnow())], {
            "annotation_id": annotation, "document_id": doc + 1000, "action": "note",
            "actor": "ana", "at": ops.utcnow(), "before": None, "after": None, "comment": "",
        })  # no such document: the history row's foreign key refuses it
    assert "foreign key" in str(raised.value).lower() or "FOREIGN KEY" in str(raised.value)
    # nothing of it was kept, and the store writes on
    assert ops.snapshot_annotation(store, annotation).modified == ops.snapshot_annotation(
        store, annotation
    ).created
    ops.set_note(store, annotation, "still writable", actor="ana")
    assert ops.snapshot_annotation(store, annotation).note == "still writable"


def test_a_connection_the_server_dropped_is_replaced(pg_cluster: PgCluster) -> None:
    with open_store(pg_cluster.create_database()) as store:
        doc = add_text_document(store, TEXT, UNITS)
        annotation = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
        assert annotation is not None
        with pytest.raises(OperationalError) as raised, store.write() as session:
            connection = session.connection()
            (pid,) = run_sql(connection, "SELECT pg_backend_pid()")[0]
            with store.engine.connect() as other:  # another connection ends this one's
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
            rows.read_snapshot(connection, annotation)
        assert raised.value.connection_invalidated
        ops.set_note(store, annotation, "after", actor="ana")  # a new connection
        assert ops.snapshot_annotation(store, annotation).note == "after"


def test_a_refused_write_is_sqlalchemys_error(pg_cluster: PgCluster) -> None:
    """Row-level security refuses a colleague's annotation as it did through SQLAlchemy."""
    url = pg_cluster.create_database()
    with init_server(url) as admin:
        add_user(admin, "alice", "analyst")
        add_user(admin, "bob", "analyst")
        doc = add_text_document(admin, TEXT, UNITS)
    with open_store(url.replace("annotator_test@", "alice@", 1)) as alice:
        annotation = ops.create_annotation(alice, doc, 7, 33, "alice", ["claim"]).created_id
        assert annotation is not None
    with open_store(url.replace("annotator_test@", "bob@", 1)) as bob:
        with pytest.raises(ProgrammingError) as raised:
            ops.set_note(bob, annotation, "not mine")
        assert "row-level security" in str(raised.value) or "only the author" in str(
            raised.value
        )
        assert ops.snapshot_annotation(bob, annotation).note == ""


def _pending(store: Store) -> int:
    return search_index.backlog(store)


@pytest.fixture
def queue_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the writes that read the search queue before committing."""
    reads: list[int] = []
    real = search_index.refresh_own_and_left

    def counted(driver: Any, after: int) -> tuple[bool, bool]:
        reads.append(after)
        return real(driver, after)

    monkeypatch.setattr(search_index, "refresh_own_and_left", counted)
    return reads


def test_writes_of_no_searched_text_leave_the_queue_unread(
    backend: Backend, store: Store, doc: int, queue_reads: list[int]
) -> None:
    # a create or a note: folded at once; on a server from the text the write read itself
    # (its span cut in the statement that read the tags, or the annotation), not the queue
    known = 0 if backend.is_server else 1
    annotation = ops.create_annotation(store, doc, 34, 69, "ana", ["claim"]).created_id
    assert annotation is not None
    assert len(queue_reads) == known and _pending(store) == 0
    assert search(store, "مرحبا").hit_count == 1  # its sentence, indexed
    queue_reads.clear()
    ops.set_tag(store, annotation, "assessment", True, actor="ana")
    ops.set_tag(store, annotation, "claim", False, actor="ana")
    ops.set_fields(store, annotation, "assessment", {"likelihood": "likely"}, actor="ana")
    set_review_status(store, annotation, "accepted", "rev")
    assert queue_reads == []  # four round trips less on a server
    assert _pending(store) == 0  # and rightly so: they queued nothing
    ops.set_note(store, annotation, "Naïve words 🙂")
    assert len(queue_reads) == known and _pending(store) == 0  # a note is searched: folded
    assert search(store, "naive").hit_count == 1
    assert search(store, "مرحبا").hit_count == 1  # the sentence's words are still there
    queue_reads.clear()
    ops.delete_annotation(store, annotation, actor="ana")
    assert queue_reads == [] and _pending(store) == 0
    assert search(store, "naive").hit_count == 0


def test_a_write_indexes_its_rows_as_the_queue_would_have(pg_cluster: PgCluster) -> None:
    """On a server a create or a note indexes its own row in its own statements: the index
    rows are those folding its queued row writes (annotation_rows.indexing against
    search_server.refresh)."""
    from annotator.core import search_server

    with open_store(pg_cluster.create_database()) as store:
        doc = add_text_document(store, TEXT, UNITS)

        def index_rows() -> list[Any]:
            with store.read() as session:
                return [
                    (table, *row)
                    for table in ("search_annotations", "search_notes", "search_sort_text")
                    for row in session.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
                ]

        def folded_from_the_queue(annotation: int) -> list[Any]:
            with store.write() as session:  # queue it again and fold it from the queue
                session.execute(
                    text("INSERT INTO search_pending (kind, id) VALUES ('a', :a)"),
                    {"a": annotation},
                )
                driver = session.connection().connection.driver_connection
                assert search_server.refresh(driver.cursor(), 0, None) == 1
            return index_rows()

        first = ops.create_annotation(store, doc, 34, 69, "ana", ["claim"], note="Zoë").created_id
        assert first is not None
        assert _pending(store) == 0
        created = index_rows()
        assert [row[0] for row in created] == [
            "search_annotations", "search_notes", "search_sort_text"
        ]
        assert folded_from_the_queue(first) == created
        for note in ("ÉTÉ 2024 naïve 🙂", "ÉTÉ 2024 naïve 🙂", ""):  # changed, the same, none
            ops.set_note(store, first, note, actor="ana")
            assert _pending(store) == 0
            noted = index_rows()
            assert folded_from_the_queue(first) == noted
            assert ("search_notes" in [row[0] for row in noted]) == bool(note)


def test_the_first_key_presses_compile_nothing_and_run_prepared(
    pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team database's store compiles the key presses' statements when it opens, and the
    server prepares each at its first run (not after psycopg's five)."""
    from annotator.core import driver_sql

    url = pg_cluster.create_database()
    driver_sql._COMPILED.clear()  # as in a new process
    with open_store(url) as store:
        doc = add_text_document(store, TEXT, UNITS)
        compiled: list[str] = []
        real = driver_sql._Compiled.__init__

        def counted(self: Any, statement: Any, dialect: Any) -> None:
            compiled.append(str(statement)[:60])
            real(self, statement, dialect)

        monkeypatch.setattr(driver_sql._Compiled, "__init__", counted)
        annotation = ops.create_annotation(store, doc, 7, 33, "ana", ["claim"]).created_id
        assert annotation is not None
        ops.set_tag(store, annotation, "assessment", True, actor="ana")
        ops.set_tag(store, annotation, "assessment", False, actor="ana")
        ops.set_note(store, annotation, "a note", actor="ana")
        ops.set_note(store, annotation, "", actor="ana")
        ops.delete_annotation(store, annotation, actor="ana")
        assert compiled == []
        with store.read() as session:
            connection = session.connection()
            with pytest.raises(NotFound):  # deleted: a read all the same
                rows.read_snapshot(connection, annotation)
            prepared = run_sql(connection, "SELECT statement FROM pg_prepared_statements")
        assert any("FROM annotations LEFT OUTER JOIN" in row[0] for row in prepared)


def test_an_edit_plans_its_statements_once_a_bulk_write_as_postgresql_chooses(
    pg_cluster: PgCluster,
) -> None:
    with open_store(pg_cluster.create_database()) as store:

        def mode(session: Any) -> str:
            return str(run_sql(session.connection(), "SHOW plan_cache_mode")[0][0])

        with store.write(annotations=(1,)) as session:  # an edit: its statements by id
            assert mode(session) == "force_generic_plan"
        with store.write() as session:  # a bulk write
            assert mode(session) == "auto"
        with store.read() as session:  # and nothing after the edit keeps it
            assert mode(session) == "auto"
