"""A restarted server: the next action of an open Store reconnects at once (server.py's
`_stale`: the pool looks at an idle connection's socket as it hands it out, no ping)."""

from __future__ import annotations

from sqlalchemy import event, text

from annotator.core import ops
from annotator.core.store import open_store
from tests.pg_cluster import PgCluster

TEXT = "Title\n\nThe first claim happened."


def test_the_first_action_after_a_restart_succeeds_without_a_ping(own_cluster: PgCluster) -> None:
    with open_store(own_cluster.create_database()) as store:
        document = ops.add_document(store, ops.NewDocument(
            text=TEXT, title="T", issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name="t.txt", source_format="txt",
            units=[(7, len(TEXT), "sentence")],
        )).created_id
        assert document is not None
        statements: list[str] = []
        event.listen(
            store.engine, "before_cursor_execute",
            lambda _c, _cur, statement, *_rest: statements.append(statement),
        )
        first = ops.create_annotation(store, document, 7, 16, "ana", ["claim"]).created_id
        assert first is not None
        assert not [s for s in statements if s.strip().lower() == "select 1"]  # no ping
        own_cluster.stop_server()  # the pool keeps the connection the server closed
        own_cluster.start_server()
        ops.set_note(store, first, "after the restart", actor="ana")  # no error shown
        with store.read() as session:
            assert session.execute(text("SELECT note FROM annotations")).scalar() == (
                "after the restart"
            )
        own_cluster.stop_server()
        own_cluster.start_server()
        assert ops.snapshot_annotation(store, first).note == "after the restart"  # reads too
