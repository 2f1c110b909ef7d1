"""Database creation, checks on open, migrations and transactions."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from annotator.core import ops
from annotator.core.errors import DatabaseRefused, InvalidValue
from annotator.core.model import APPLICATION_ID, Annotation, Base, Tag, compared_by_alembic
from annotator.core.queries import document_detail
from annotator.core.removal import remove_document
from annotator.core.store import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    MIGRATIONS_DIR,
    _make_engine,
    _upgrade,
    default_db_path,
    open_store,
)
from tests.backends import Backend


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sample_document(text: str = "First sentence. Second one.") -> ops.NewDocument:
    return ops.NewDocument(
        text=text,
        title="Sample",
        issuer=None,
        published=dt.date(2024, 6, 13),
        date_certainty="exact",
        date_note=None,
        language="en",
        source_name="sample.txt",
        source_format="txt",
        units=[(0, 15, "sentence"), (16, len(text), "sentence")],
    )


def test_new_database_is_marked_ours_in_wal_with_seed_tags(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite3"
    with open_store(path) as store:
        assert store.revision() == HEAD_REVISION
        with store.read() as session:
            names = session.scalars(select(Tag.name).order_by(Tag.position)).all()
        assert names == ["claim", "assessment", "figure"]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    raw.close()


def test_known_revisions_match_the_alembic_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(ordered) == KNOWN_REVISIONS
    assert script.get_current_head() == HEAD_REVISION


def test_migrations_produce_exactly_the_model_schema(backend: Backend) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with open_store(backend.target("db", empty=True)) as store, store.engine.connect() as conn:
        # the search indexes (FTS5 virtual tables, migration 0004) are outside the model
        context = MigrationContext.configure(conn, opts={"include_name": compared_by_alembic})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_from_first_schema_keeps_every_row(backend: Backend, tmp_path: Path) -> None:
    path = backend.target("old", empty=True)
    engine = create_engine(path) if backend.is_server else _make_engine(path)
    _upgrade(engine, KNOWN_REVISIONS[0])
    now = "2024-01-02T03:04:05.000000+00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (id, title, issuer, published, date_certainty, "
                "date_note, language, source_name, source_format, text, sha256, imported_at) "
                "VALUES (1, 'Old doc', 'Agency', '2024-06-13', 'exact', NULL, 'en', 'old.txt', "
                "'txt', 'Older text here. And more.', 'abc', :now)"
            ),
            {"now": now},
        )
        conn.exec_driver_sql(
            "INSERT INTO units (document_id, ordinal, start, \"end\", kind) VALUES "
            "(1, 0, 0, 16, 'sentence'), (1, 1, 17, 26, 'sentence')"
        )
        conn.execute(
            text(
                "INSERT INTO annotations (id, document_id, start, \"end\", author, created, "
                "modified, note) VALUES (7, 1, 0, 16, 'ana', :now, :now, 'kept note')"
            ),
            {"now": now},
        )
        conn.exec_driver_sql(
            "INSERT INTO annotation_tags (annotation_id, tag_id, fields) VALUES "
            "(7, 1, '{\"attributed_to\": \"DIA\"}'), (7, 3, '{}')"
        )
    engine.dispose()

    with open_store(path) as store:
        assert store.revision() == HEAD_REVISION
        with store.read() as session:
            annotation = session.scalars(select(Annotation)).one()
            assert (annotation.start, annotation.end, annotation.note) == (0, 16, "kept note")
            assert annotation.created == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
            by_tag = {t.tag.name: t for t in annotation.tags}
            assert set(by_tag) == {"claim", "figure"}
            assert by_tag["claim"].fields == {"attributed_to": "DIA"}
            assert by_tag["claim"].suggested == []
        detail = document_detail(store, 1)
        assert [u.text for u in detail.units] == ["Older text here.", "And more."]
        assert detail.units[0].tags == ("claim", "figure")
        # the next annotation gets an id above the one written explicitly
        created = ops.create_annotation(store, 1, 17, 26, "ana", ["claim"]).created_id
        assert created is not None and created > 7
    if backend.is_server:
        return  # a server is backed up by its administrator
    backups = list((tmp_path / "old.sqlite3.backups").glob("*-before-schema-*.sqlite3"))
    assert len(backups) == 1, "the database is backed up before a migration"
    raw = sqlite3.connect(backups[0])
    assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    raw.close()


def _make_newer(path: Path) -> None:
    with open_store(path):
        pass
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    _make_newer(path)
    before = file_digest(path)
    with pytest.raises(DatabaseRefused, match="newer version"):
        open_store(path)
    assert file_digest(path) == before


@pytest.mark.parametrize(
    "content",
    [b"just some notes\n", b"\x89PNG\r\n\x1a\n" + bytes(200), b"SQLite format 3\x00" + bytes(50)],
    ids=["text", "png", "truncated-sqlite"],
)
def test_a_file_that_is_not_an_annotator_database_is_refused_untouched(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(content)
    with pytest.raises(DatabaseRefused, match="left untouched"):
        open_store(path)
    assert path.read_bytes() == content
    assert not Path(f"{path}-wal").exists()


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE contacts (name TEXT)")
    raw.execute("INSERT INTO contacts VALUES ('x')")
    raw.commit()
    raw.close()
    before = file_digest(path)
    with pytest.raises(DatabaseRefused, match="another program"):
        open_store(path)
    assert file_digest(path) == before


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseRefused, match="folder"):
        open_store(tmp_path)


def test_default_path_honours_env_and_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = default_db_path()
    assert path.name == "annotator.sqlite3"
    assert "annotator" in path.parts
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "env.sqlite3"))
    assert default_db_path() == tmp_path / "env.sqlite3"
    with open_store() as store:
        assert store.path == tmp_path / "env.sqlite3"
    assert (tmp_path / "env.sqlite3").exists()


def test_failed_operation_writes_nothing(backend: Backend) -> None:
    with backend.open("db") as store:
        doc_id = ops.add_document(store, sample_document()).created_id
        assert doc_id is not None
        with pytest.raises(InvalidValue, match="unknown tag"):
            ops.create_annotation(store, doc_id, 0, 15, "ana", ["claim", "nonsense"])
        with pytest.raises(InvalidValue, match="outside the text"):
            ops.create_annotation(store, doc_id, 10, 999, "ana", ["claim"])
        with store.read() as session:
            assert session.scalars(select(Annotation)).all() == []


def test_each_action_is_committed_and_visible_to_a_fresh_connection(backend: Backend) -> None:
    path = backend.target("db")
    with open_store(path) as store:
        doc_id = ops.add_document(store, sample_document()).created_id
        assert doc_id is not None
        changes = ops.create_annotation(store, doc_id, 0, 15, "ana", ["claim", "figure"])
        query = (
            "SELECT a.author, t.name FROM annotations a JOIN annotation_tags x ON "
            "x.annotation_id = a.id JOIN tags t ON t.id = x.tag_id ORDER BY t.name"
        )
        if backend.is_server:
            fresh = create_engine(path)
            with fresh.connect() as conn:
                rows = [tuple(row) for row in conn.exec_driver_sql(query)]
            fresh.dispose()
        else:
            raw = sqlite3.connect(path)
            rows = raw.execute(query).fetchall()
            raw.close()
        assert rows == [("ana", "claim"), ("ana", "figure")]
        assert changes.created_id is not None
        with store.read() as session:
            created = session.get(Annotation, changes.created_id)
            assert created is not None and created.created.tzinfo is not None


def test_foreign_keys_are_enforced(backend: Backend) -> None:
    with backend.open("db") as store:
        doc_id = ops.add_document(store, sample_document()).created_id
        assert doc_id is not None
        ops.create_annotation(store, doc_id, 0, 15, "ana", ["claim"])
        remove_document(store, doc_id)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM annotation_tags").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM units").scalar() == 0
            if not backend.is_server:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
