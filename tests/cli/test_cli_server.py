"""`--db postgresql://...`: the commands on a team database (the rest of tests/cli/test_cli.py
runs on both back ends through its `db` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from tests.conftest import REPO_ROOT
from tests.pg_cluster import PgCluster

SAMPLE = REPO_ROOT / "resources" / "sample-briefing.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_remove_on_a_server_makes_no_file_backup(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = pg_cluster.create_database()
    assert run(capsys, "import", "--db", db, str(SAMPLE))[0] == 0
    code, out, err = run(capsys, "remove", "1", "--db", db, "--yes")
    assert code == 0, err
    assert "removed document 1" in out and "annotator_test@" in out
    assert json.loads(run(capsys, "list", "--db", db, "--json")[1]) == []
    assert list(tmp_path.iterdir()) == []  # nothing written beside anything


@pytest.mark.parametrize("command", [["backup"], ["backup", "--list"], ["check"]])
def test_file_maintenance_says_what_a_server_needs(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, command: list[str]
) -> None:
    db = pg_cluster.create_database()
    code, _out, err = run(capsys, *command, "--db", db)
    assert code == 1
    assert "works on database files" in err and "administrator" in err
    assert "Traceback" not in err


def test_the_environment_may_name_a_server(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATOR_DB", pg_cluster.create_database())
    assert run(capsys, "import", str(SAMPLE))[0] == 0
    (doc,) = json.loads(run(capsys, "list", "--json")[1])
    assert doc["title"] == "Northern Corridor Security Outlook"


def test_a_password_in_the_url_is_never_printed(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster
) -> None:
    url = f"postgresql://nobody:s3cret@/missing?host={pg_cluster.socket_dir}"
    code, out, err = run(capsys, "list", "--db", url)
    assert code == 1
    assert "s3cret" not in out + err and "cannot connect to the server" in err


def test_server_init_and_add_user(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster
) -> None:
    import psycopg

    db = pg_cluster.create_database()
    code, out, err = run(capsys, "server", "init", "--db", db)
    assert code == 0, err
    assert "schema, roles and policies are in place" in out
    code, out, err = run(capsys, "server", "add-user", "dana", "--role", "analyst", "--db", db)
    assert code == 0, err
    assert "dana works as analyst" in out
    as_dana = db.replace("postgresql+psycopg://annotator_test@", "postgresql://dana@")
    with psycopg.connect(as_dana, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM tags").fetchone() == (3,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM tags")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["server"], "give an action"),
        (["server", "init", "--db", "team.sqlite3"], "--db postgresql://ADMIN@HOST/DB"),
        (["server", "add-user", "x", "--role", "boss", "--db", "postgresql://a@h/d"],
         "invalid choice"),
    ],
)
def test_server_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(capsys, *argv)
    assert code == 2 and message in err
    assert list(tmp_path.iterdir()) == []


def test_a_password_is_asked_for_on_a_terminal_only(
    capsys: pytest.CaptureFixture[str], pg_cluster_with_password: PgCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import getpass
    import sys

    from tests.backends import PASSWORD

    monkeypatch.delenv("PGPASSWORD", raising=False)
    db = pg_cluster_with_password.create_database()
    code, _out, err = run(capsys, "import", "--db", db, str(SAMPLE))  # no terminal: refused
    assert code == 1 and "asks for a password" in err
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", answer)
    code, out, err = run(capsys, "import", "--db", db, str(SAMPLE))
    assert code == 0, err
    assert asked == [f"Password for annotator_test@{pg_cluster_with_password.socket_dir}/"
                     f"{db.split('/')[3].split('?')[0]}: "]
    assert PASSWORD not in out + err
    code, out, err = run(capsys, "server", "init", "--db", db)
    assert code == 0, err


def test_sync_pushes_pulls_and_twice_changes_nothing(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, tmp_path: Path
) -> None:
    from annotator.core import ops
    from annotator.core.store import open_store

    server = pg_cluster.create_database(migrated=True)
    laptop = tmp_path / "laptop.sqlite3"
    assert run(capsys, "import", "--db", server, str(SAMPLE))[0] == 0
    code, out, err = run(capsys, "sync", "--db", str(laptop), "--server", server)
    assert code == 0, err
    pulled, pushed = out.splitlines()
    assert pulled.startswith("pulled from annotator_test@") and "1 document(s)" in pulled
    assert "0 annotation(s) added" in pushed
    with open_store(laptop) as store:  # tagged offline, as the connected role
        ops.create_annotation(store, 1, 0, 8, "annotator_test", ["claim"])
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server, "--json")
    assert code == 0
    outcome = json.loads(out)
    assert outcome["pushed"] == {"documents": 0, "annotations": 1, "updated": 0, "deleted": 0}
    assert outcome["conflicts"] == []
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server, "--json")
    outcome = json.loads(out)
    assert outcome["pulled"] == outcome["pushed"] == {"documents": 0, "annotations": 0,
                                                      "updated": 0, "deleted": 0}
    assert len(json.loads(run(capsys, "list", "--db", server, "--json")[1])) == 1
    # deleted on the laptop: deleted on the server, and it stays deleted
    with open_store(laptop) as store:
        ops.delete_annotation(store, 1)
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server)
    assert code == 0 and "1 deleted" in out.splitlines()[1]
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server, "--json")
    outcome = json.loads(out)
    assert outcome["pulled"] == outcome["pushed"] == {"documents": 0, "annotations": 0,
                                                      "updated": 0, "deleted": 0}
    assert json.loads(run(capsys, "list", "--db", server, "--json")[1])[0]["annotations"] == 0


def test_sync_leaves_both_search_indexes_up_to_date(
    capsys: pytest.CaptureFixture[str],
    pg_cluster: PgCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sync writes in bulk (its rows committed queued for the search indexes): the command
    folds them on both sides before it ends, as `import` and `merge` do."""
    from annotator.core import ops, search_index
    from annotator.core.search import search
    from annotator.core.store import open_store

    # a write of more rows than this leaves them queued (500 in use: a sync of a few rows here)
    monkeypatch.setattr(search_index, "OWN_ROWS_FOLDED", 0)

    server = pg_cluster.create_database(migrated=True)
    laptop = tmp_path / "laptop.sqlite3"
    assert run(capsys, "import", "--db", server, str(SAMPLE))[0] == 0
    assert run(capsys, "sync", "--db", str(laptop), "--server", server)[0] == 0
    with open_store(laptop) as store:
        ops.create_annotation(store, 1, 0, 8, "annotator_test", ["claim"])
        ops.set_note(store, 1, "Offline remark about Qalandiya", actor="annotator_test")
    assert run(capsys, "sync", "--db", str(laptop), "--server", server)[0] == 0
    for where in (laptop, server):
        with open_store(where) as store:
            assert search_index.backlog(store) == 0
            hits = search(store, "qalandiya").documents
            assert [h.annotation_id is not None for d in hits for h in d.hits] == [True]


def test_sync_usage_and_an_unreachable_server(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, tmp_path: Path
) -> None:
    laptop = str(tmp_path / "laptop.sqlite3")
    code, _out, err = run(capsys, "sync", "--db", laptop, "--server", "laptop.sqlite3")
    assert code == 2 and "--server postgresql://" in err
    url = f"postgresql://nobody:s3cret@/missing?host={pg_cluster.socket_dir}"
    code, out, err = run(capsys, "sync", "--db", laptop, "--server", url)
    assert code == 1
    assert "s3cret" not in out + err and "cannot connect to the server" in err
    assert "Traceback" not in err


def test_sync_says_what_it_did_not_push_and_mine_pushes_it(
    capsys: pytest.CaptureFixture[str], pg_cluster: PgCluster, tmp_path: Path
) -> None:
    from annotator.core import ops
    from annotator.core.store import open_store

    server = pg_cluster.create_database(migrated=True)
    laptop = tmp_path / "laptop.sqlite3"
    assert run(capsys, "import", "--db", server, str(SAMPLE))[0] == 0
    with open_store(server) as store:  # a colleague's layer on the server
        ops.create_annotation(store, 1, 10, 20, "ben", ["claim"])
    assert run(capsys, "sync", "--db", str(laptop), "--server", server)[0] == 0
    with open_store(laptop) as store:  # tagged offline under the name in Preferences
        ops.create_annotation(store, 1, 0, 8, "Dana", ["claim"])
    code, out, err = run(capsys, "sync", "--db", str(laptop), "--server", server)
    assert code == 0, err
    lines = out.splitlines()
    assert "0 annotation(s) added" in lines[1]
    assert lines[2].startswith("not pushed: 1 annotation(s) of this file (1 by Dana)")
    assert "annotator sync --mine NAME" in lines[3]
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server, "--json")
    outcome = json.loads(out)
    assert outcome["not_pushed"] == {"Dana": 1} and outcome["taken"] == {}
    assert outcome["user"] == "annotator_test"
    # a colleague's layer is refused, and nothing is synced
    code, out, err = run(
        capsys, "sync", "--db", str(laptop), "--server", server, "--mine", "Dana", "--mine", "ben"
    )
    assert code == 1 and out == ""
    assert "'ben' is the author of 1 annotation(s) on the team database" in err
    assert "Traceback" not in err
    code, out, _err = run(
        capsys, "sync", "--db", str(laptop), "--server", server, "--mine", "Dana", "--json"
    )
    outcome = json.loads(out)
    assert outcome["taken"] == {"Dana": 1} and outcome["not_pushed"] == {}
    assert outcome["pushed"]["annotations"] == 1
    assert json.loads(run(capsys, "list", "--db", server, "--json")[1])[0]["annotations"] == 2
    code, out, _err = run(capsys, "sync", "--db", str(laptop), "--server", server, "--json")
    outcome = json.loads(out)
    assert outcome["pushed"]["annotations"] == 0 and outcome["not_pushed"] == {}
