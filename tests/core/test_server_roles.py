"""Row-level security on a team database: each role tries the writes it must not make, with
raw SQL on its own connection, and PostgreSQL refuses them (server_roles.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from annotator.core import ops
from annotator.core.errors import InvalidValue
from annotator.core.server_roles import add_user, init_server
from annotator.core.storage_errors import Problem, storage_problem
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened. An assessment is likely."
NOW = "2025-01-01T00:00:00.000000+00:00"


@pytest.fixture
def team(pg_cluster: PgCluster) -> Iterator[dict[str, Any]]:
    url = pg_cluster.create_database()
    store = init_server(url)
    try:
        for name, role in (("ana", "analyst"), ("ben", "analyst"), ("rev", "reviewer"),
                           ("adm", "admin")):
            add_user(store, name, role)
        document = ops.add_document(store, ops.NewDocument(
            text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name="t.txt", source_format="txt",
            units=[(0, 5, "title"), (7, 31, "sentence"), (32, len(TEXT), "sentence")],
        )).created_id
        assert document is not None
        ids = {
            author: ops.create_annotation(store, document, 7, 31, author, ["claim"]).created_id
            for author in ("ana", "ben")
        }
        yield {"url": url, "document": document, "ids": ids}
    finally:
        store.close()


def connect(url: str, user: str) -> Any:
    import psycopg

    plain = url.replace("postgresql+psycopg://annotator_test@", f"postgresql://{user}@")
    return psycopg.connect(plain, autocommit=True)


def refused(conn: Any, sql: str, *params: object) -> str:
    import psycopg

    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql, params)
    assert storage_problem(caught.value).kind is Problem.REFUSED
    return str(caught.value)


def changed(conn: Any, sql: str, *params: object) -> int:
    return int(conn.execute(sql, params).rowcount)


def insert(author: str, document: int) -> str:
    return (
        'INSERT INTO annotations (document_id, start, "end", author, created, modified, note) '
        f"VALUES ({document}, 32, 40, '{author}', '{NOW}', '{NOW}', '')"
    )


def test_an_analyst_writes_only_their_own_layer(team: dict[str, Any]) -> None:
    ana, ben = team["ids"]["ana"], team["ids"]["ben"]
    with connect(team["url"], "ana") as conn:
        assert conn.execute("SELECT count(*) FROM annotations").fetchone() == (2,)  # reads all
        conn.execute(insert("ana", team["document"]))  # their own: fine
        assert "row-level security" in refused(conn, insert("ben", team["document"]))
        assert changed(conn, "UPDATE annotations SET note = 'mine' WHERE id = %s", ana) == 1
        assert changed(conn, "UPDATE annotations SET note = 'x' WHERE id = %s", ben) == 0
        refused(conn, "UPDATE annotations SET author = 'ben' WHERE id = %s", ana)
        assert changed(conn, "DELETE FROM annotation_tags WHERE annotation_id = %s", ben) == 0
        refused(conn, "INSERT INTO annotation_tags (annotation_id, tag_id, fields) "
                "VALUES (%s, 2, '{}')", ben)
        assert changed(conn, "DELETE FROM annotations WHERE id = %s", ben) == 0
        refused(conn, "INSERT INTO annotation_history (annotation_id, document_id, action, "
                f"actor, at) VALUES ({ben}, {team['document']}, 'edit', 'ben', '{NOW}')")
        assert changed(conn, "DELETE FROM annotation_history WHERE actor = 'ben'") == 0
        refused(conn, "DELETE FROM documents")
        refused(conn, "UPDATE meta SET value = 'x'")
        refused(conn, "UPDATE tags SET colour = '#000000'")
        assert changed(conn, "DELETE FROM annotations WHERE id = %s", ana) == 1
    with connect(team["url"], "ben") as conn:
        rows = conn.execute("SELECT author, note FROM annotations ORDER BY id").fetchall()
        assert ("ben", "") in rows and all(author != "ana" or note != "x" for author, note in rows)
        assert conn.execute(
            "SELECT count(*) FROM annotation_history WHERE actor = 'ben'"
        ).fetchone() == (1,)


def test_a_reviewer_sets_review_status_and_writes_the_adjudicated_layer(
    team: dict[str, Any],
) -> None:
    ben = team["ids"]["ben"]
    with connect(team["url"], "rev") as conn:
        assert changed(
            conn, "UPDATE annotations SET status = 'accepted', reviewer = 'rev' WHERE id = %s",
            ben,
        ) == 1
        assert "only the author" in refused(
            conn, "UPDATE annotations SET note = 'rewritten' WHERE id = %s", ben
        )
        conn.execute(insert("adjudicated by rev", team["document"]))
        refused(conn, insert("adjudicated by someone", team["document"]))
        refused(conn, insert("ben", team["document"]))
        assert changed(conn, "DELETE FROM annotations WHERE id = %s", ben) == 0


def test_only_a_reviewer_sets_the_review_status_of_a_colleagues_annotation(
    team: dict[str, Any],
) -> None:
    """Through the app's own operation: an analyst is told why (not a database error), and
    nothing is written; the reviewer's is recorded."""
    from annotator.core.errors import NotAReviewer
    from annotator.core.review import set_review_status
    from annotator.core.store import open_store

    ana = team["ids"]["ana"]
    refusal = "Only a reviewer may set the review status of ana's annotation; ben is not one"
    with (
        open_store(team["url"].replace("annotator_test@", "ben@")) as store,
        pytest.raises(NotAReviewer, match=refusal),
    ):
        set_review_status(store, ana, "rejected", "ben")
    with open_store(team["url"].replace("annotator_test@", "rev@")) as store:
        set_review_status(store, ana, "accepted", "rev")
    with connect(team["url"], "ana") as conn:
        assert conn.execute(
            "SELECT status, reviewer FROM annotations WHERE id = %s", (ana,)
        ).fetchone() == ("accepted", "rev")
        assert conn.execute(
            "SELECT actor FROM annotation_history WHERE action = 'review'"
        ).fetchall() == [("rev",)]


def test_an_admin_writes_everything(team: dict[str, Any]) -> None:
    with connect(team["url"], "adm") as conn:
        conn.execute(insert("ben", team["document"]))
        assert changed(conn, "UPDATE annotations SET note = 'fixed' WHERE author = 'ana'") == 1
        assert changed(conn, "DELETE FROM documents") == 1
        assert conn.execute("SELECT count(*) FROM annotations").fetchone() == (0,)


def test_init_again_and_bad_users_are_refused(team: dict[str, Any]) -> None:
    store = init_server(team["url"])  # twice is harmless
    try:
        with pytest.raises(InvalidValue, match="a role is one of"):
            add_user(store, "cai", "boss")
        with pytest.raises(InvalidValue, match="not a user name"):
            add_user(store, 'x"; DROP TABLE annotations; --', "analyst")
        add_user(store, "ana", "reviewer")  # a new role replaces the old one
        with connect(team["url"], "ana") as conn:
            conn.execute(insert("adjudicated by ana", team["document"]))
    finally:
        store.close()


def test_an_analyst_registers_grades_and_removes_claim_sources(team: dict[str, Any]) -> None:
    """Claim sources are shared reference data (sources.py): any analyst's claim registers its
    source, and any analyst grades one or removes one no claim names."""
    from annotator.core.sources import find_source, remove_source, set_default_reliability
    from annotator.core.store import open_store

    ana = team["ids"]["ana"]
    with open_store(team["url"].replace("annotator_test@", "ana@")) as store:
        assert store.user == "ana"
        ops.set_fields(store, ana, "claim", {"attributed_to": "Reuters"}, actor="ana",
                       owner="ana")
        set_default_reliability(store, "reuters", "B", actor="ana")
        set_default_reliability(store, "Reutres", None, actor="ana")  # a slip
        remove_source(store, "reutres")
        found = find_source(store, "REUTERS")
        assert found is not None and (found.claims, found.reliability) == (1, "B")
        assert find_source(store, "Reutres") is None


def test_each_analyst_finds_everyones_work_and_folds_a_colleagues_backlog(
    team: dict[str, Any],
) -> None:
    """Find in All Documents on a team database (migration 0007): an analyst's write folds its
    own rows into the indexes (the triggers queue them as that role), everyone's sentences and
    notes are found (analysts read every layer), and rows a colleague left queued are folded
    by whoever folds next."""
    from annotator.core import search_index
    from annotator.core.search import search
    from annotator.core.store import open_store

    ana, ben = team["ids"]["ana"], team["ids"]["ben"]
    with open_store(team["url"].replace("annotator_test@", "ana@")) as store:
        ops.set_note(store, ana, "Crème brûlée at the border", actor="ana", owner="ana")
        assert search_index.backlog(store) == 0  # folded by ana's own transaction
    with connect(team["url"], "ben") as conn:  # ben's client writes without folding
        conn.execute("UPDATE annotations SET note = 'Naïve forecasts' WHERE id = %s", (ben,))
    with open_store(team["url"].replace("annotator_test@", "ana@")) as store:
        assert [(h.kind, h.annotation_id) for d in search(store, "naive").documents
                for h in d.hits] == [("note", ben)]
        assert [h.annotation_id for d in search(store, "creme brulee").documents
                for h in d.hits] == [ana]
        assert search_index.fold_step(store) == 0  # folded when ana opened the database
    with connect(team["url"], "ben") as conn:
        assert conn.execute("SELECT count(*) FROM search_pending").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM search_notes").fetchone() == (2,)


def test_an_upgraded_team_database_gives_the_roles_the_search_indexes(
    team: dict[str, Any],
) -> None:
    """A team database made before migration 0007 (its roles there already) is upgraded by
    its administrator: the roles get the writes the indexes need, and the existing sentences
    and notes are indexed."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from annotator.core.search import search
    from annotator.core.store import MIGRATIONS_DIR, open_store

    engine = create_engine(team["url"])
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        connection.exec_driver_sql("UPDATE annotations SET note = 'Été'")
    engine.dispose()
    with connect(team["url"], "ana") as conn:
        assert conn.execute("SELECT to_regclass('search_units')").fetchone() == (None,)
    # the administrator opens it first (an engine of its own, not the fixture's): 0007
    with open_store(f"{team['url']}&application_name=admin") as admin:
        assert [d.title for d in search(admin, "assessment").documents] == ["T"]
    with open_store(team["url"].replace("annotator_test@", "ana@")) as store:
        ops.set_note(store, team["ids"]["ana"], "Hiver", actor="ana", owner="ana")
        assert [h.annotation_id for d in search(store, "ete").documents for h in d.hits] == [
            team["ids"]["ben"]
        ]
        assert len(search(store, "hiver").documents) == 1
