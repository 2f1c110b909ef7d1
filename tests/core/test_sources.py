"""Named claim sources (issue 16): matching by folded name, the statistics of View > Sources,
default grades and the suggestion they give, registration on save, the migration's backfill,
and merges of colleagues' databases (0003, 0004, 0005, both merge paths) and of exports. The
tests of a database of ours run on both back ends (`backend`: SQLite and a team database);
a colleague's database is always a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.core import colleague, ops
from annotator.core.colleague import merge_colleague
from annotator.core.dataset import DatasetFilter, load_dataset
from annotator.core.errors import InvalidValue
from annotator.core.sources import (
    SourceInfo,
    default_grades,
    find_source,
    list_sources,
    set_default_reliability,
    source_key,
    suggested_grade,
)
from annotator.core.store import KNOWN_REVISIONS, Store, _make_engine, open_store
from tests.backends import Backend

TEXT = "Reuters said oil rose. Officials said it fell. The ministry said nothing. Done."


def _document(store: Store, text: str = TEXT, title: str = "Brief") -> int:
    ends = [i + 1 for i, ch in enumerate(text) if ch == "."]
    starts = [0, *(e + 1 for e in ends[:-1])]
    changes = ops.add_document(
        store,
        ops.NewDocument(
            text=text, title=title, issuer=None, published=None, date_certainty="none",
            date_note=None, language=None, source_name=f"{title}.txt", source_format="txt",
            units=[(s, e, "sentence") for s, e in zip(starts, ends, strict=True)],
        ),
    )
    assert changes.created_id is not None
    return changes.created_id


def _claims(store: Store, doc: int, claims: list[tuple[str, dict[str, Any]]]) -> None:
    """One claim per (author, fields), each on its own span."""
    ops.bulk_add_annotations(
        store,
        doc,
        [
            ops.NewAnnotation(i, i + 1, author, ["claim"], "", {"claim": fields})
            for i, (author, fields) in enumerate(claims)
        ],
    )


def _by_name(store: Store) -> dict[str, SourceInfo]:
    return {info.name: info for info in list_sources(store)}


def _source_rows(store: Store) -> list[tuple[Any, ...]]:
    """The stored rows of `sources`, read through a connection of their own."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, name_key, reliability, note, created_by, modified_by "
            "FROM sources ORDER BY name_key"
        ).fetchall()
        conn.rollback()
    return [tuple(row) for row in rows]


@pytest.fixture()
def store(backend: Backend) -> Store:
    with backend.open("sources") as store:
        yield store


def test_a_source_is_matched_whatever_its_case_accents_and_spacing() -> None:
    assert source_key("  Agence  France-Presse ") == source_key("agence france-presse")
    assert source_key("Ministère de l'Intérieur") == source_key("MINISTERE DE L'INTERIEUR")
    assert source_key("Reuters") != source_key("Reuter")


def test_sources_list_claims_grades_and_the_spread_of_credibility(store: Store) -> None:
    doc = _document(store)
    _claims(store, doc, [
        ("ana", {"attributed_to": "Reuters", "information_credibility": "2",
                 "source_reliability": "B"}),
        ("ben", {"attributed_to": "reuters ", "information_credibility": "2"}),
        ("ana", {"attributed_to": "REUTERS", "information_credibility": "5"}),
        ("ana", {"attributed_to": "Reuters"}),
        ("ben", {"attributed_to": "Ministère", "source_reliability": "E"}),
        ("ana", {"source_description": "no source named"}),
    ])
    ops.bulk_add_annotations(  # not a claim: not counted
        store, doc, [ops.NewAnnotation(20, 22, "ana", ["assessment"], "", {})]
    )
    found = _by_name(store)
    assert set(found) == {"Reuters", "Ministère"}
    reuters = found["Reuters"]
    assert reuters.claims == 4
    assert reuters.credibility == (0, 2, 0, 0, 1, 0)
    assert reuters.credibility_text() == "1:0 2:2 3:0 4:0 5:1 6:0 -:1"
    assert reuters.reliability_given == (0, 1, 0, 0, 0, 0)
    assert reuters.spellings[0] == "Reuters"
    assert not reuters.registered and reuters.reliability is None  # only claims name it
    assert found["Ministère"].reliability_given == (0, 0, 0, 0, 1, 0)


def test_a_grade_is_set_by_any_analyst_and_recorded(store: Store) -> None:
    doc = _document(store)
    _claims(store, doc, [("ben", {"attributed_to": "Reuters"})])
    info = set_default_reliability(store, "reuters", "b", actor="ana")
    assert (info.name, info.reliability, info.claims, info.modified_by) == (
        "reuters", "B", 1, "ana"
    )
    assert info.registered and info.modified
    set_default_reliability(store, "RÉUTERS", None, actor="ben", note="wire service")
    found = find_source(store, "Reuters")
    assert found is not None
    assert (found.reliability, found.note, found.modified_by) == (None, "wire service", "ben")
    set_default_reliability(store, "Newcomer", "C", actor="ana")  # a source without claims
    assert _by_name(store)["Newcomer"].claims == 0
    with pytest.raises(InvalidValue, match="not a source reliability"):
        set_default_reliability(store, "Reuters", "G", actor="ana")
    with pytest.raises(InvalidValue, match="needs a name"):
        set_default_reliability(store, "   ", "A", actor="ana")


def test_saving_a_claim_registers_its_source_in_the_same_write(store: Store) -> None:
    doc = _document(store)
    changes = ops.create_annotation(store, doc, 0, 7, "ana", ["claim"])
    annotation = changes.created_id
    assert annotation is not None
    assert default_grades(store) == {}
    ops.set_fields(store, annotation, "claim", {"attributed_to": "Agence France-Presse"},
                   actor="ana", owner="ana")
    assert _source_rows(store) == [
        ("Agence France-Presse", "agence france-presse", None, "", "ana", "ana")
    ]
    ops.set_fields(store, annotation, "claim", {"attributed_to": "agence FRANCE-presse"},
                   actor="ana", owner="ana")
    assert len(_source_rows(store)) == 1  # the same source, spelled otherwise
    assert find_source(store, "AGENCE france-presse") is not None
    # a name still only suggested (not confirmed by the analyst) is not registered
    ops.set_fields(store, annotation, "claim", {"attributed_to": "Officials"},
                   ["attributed_to"], actor="ana", owner="ana")
    assert len(_source_rows(store)) == 1


def test_a_new_claim_gets_its_sources_default_grade_as_a_suggestion(store: Store) -> None:
    set_default_reliability(store, "Reuters", "B", actor="ana")
    grades = default_grades(store)

    def grade_of(key: str) -> str | None:
        return grades.get(key, ("", None))[1]

    assert suggested_grade({"attributed_to": "reuters"}, grade_of) == "B"
    # never over a grade given, nor for an unknown or ungraded source
    assert suggested_grade({"attributed_to": "Reuters", "source_reliability": "D"},
                           grade_of) is None
    assert suggested_grade({"attributed_to": "Someone"}, grade_of) is None
    assert suggested_grade({}, grade_of) is None


def test_an_old_database_upgrades_with_its_claims_sources_backfilled(backend: Backend) -> None:
    path = backend.target("old")
    with open_store(path, create=True) as store:
        doc = _document(store)
        _claims(store, doc, [
            ("ben", {"attributed_to": "reuters", "source_reliability": "C"}),
            ("ana", {"attributed_to": "Reuters", "source_reliability": "B"}),
            ("ana", {"attributed_to": "Reuters", "source_reliability": "B"}),
            ("ana", {"attributed_to": "Ministry", "source_reliability": "A"}),
            ("ben", {"attributed_to": "ministry", "source_reliability": "D"}),  # a tie
            ("ben", {"attributed_to": "Officials"}),
        ])
    _downgrade(path, "0004")
    with open_store(path) as store:
        assert store.revision() == KNOWN_REVISIONS[-1]
        rows = {row[1]: row for row in _source_rows(store)}
    assert rows["reuters"][:3] == ("Reuters", "reuters", "B")  # most used spelling and grade
    assert rows["reuters"][4] == "ben"  # the author of its first claim
    assert rows["ministry"][2] is None  # A and D given once each: no default
    assert rows["officials"][2] is None


def _downgrade(path: Path | str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from annotator.core.store import MIGRATIONS_DIR

    engine = create_engine(path) if isinstance(path, str) else _make_engine(path)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    engine.dispose()


def _colleague(tmp_path: Path, revision: str) -> Path:
    path = tmp_path / f"ben-{revision}.sqlite3"
    with open_store(path, create=True) as theirs:
        doc = _document(theirs)
        _claims(theirs, doc, [
            ("ben", {"attributed_to": "REUTERS"}),
            ("ben", {"attributed_to": "Tass", "information_credibility": "4"}),
        ])
        set_default_reliability(theirs, "Reuters", "C", actor="ben")
        set_default_reliability(theirs, "TASS", "E", actor="ben", note="state agency")
        set_default_reliability(theirs, "Unused Blog", "F", actor="ben")
    if revision != KNOWN_REVISIONS[-1]:
        _downgrade(path, revision)
    return path


def _ours(place: Path | Backend) -> Store:
    """Our database: a file in the folder `place`, or on the back end `place`."""
    if isinstance(place, Backend):
        store = place.open("ana")
    else:
        store = open_store(place / "ana.sqlite3", create=True)
    doc = _document(store)
    _claims(store, doc, [("ana", {"attributed_to": "Reuters", "source_reliability": "A"})])
    set_default_reliability(store, "Reuters", "A", actor="ana")
    return store


@pytest.mark.parametrize("general", [False, True])
def test_a_colleagues_sources_are_merged_by_name(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, general: bool
) -> None:
    if general:
        monkeypatch.setattr(colleague, "_merge_attached", lambda *_args: None)
    theirs = _colleague(tmp_path, KNOWN_REVISIONS[-1])
    store = _ours(backend)
    try:
        report = merge_colleague(store, theirs)
        found = _by_name(store)
    finally:
        store.close()
    assert report.merge.annotations_added == 2
    assert found["Reuters"].reliability == "A"  # ours kept
    assert found["Reuters"].claims == 2
    assert (found["TASS"].reliability, found["TASS"].note) == ("E", "state agency")
    assert found["Unused Blog"].reliability == "F"  # registered, though no claim names it
    assert report.merge.sources.added == ("TASS", "Unused Blog")
    assert report.merge.sources.grades_differ == ("Reuters: ours A, theirs C",)
    assert "2 new source(s)" in report.summary()
    assert "Reuters: ours A, theirs C" in report.summary()


def test_both_merge_paths_write_the_same_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = _colleague(tmp_path, KNOWN_REVISIONS[-1])
    written = []
    for general in (False, True):
        folder = tmp_path / ("general" if general else "attached")
        folder.mkdir()
        if general:
            monkeypatch.setattr(colleague, "_merge_attached", lambda *_args: None)
        store = _ours(folder)
        try:
            merge_colleague(store, theirs)
        finally:
            store.close()
        written.append(_source_rows(store))
    assert written[0] == written[1]


@pytest.mark.parametrize("revision", ["0003", "0004"])
def test_an_older_colleagues_claims_bring_their_sources_ungraded(
    tmp_path: Path, revision: str
) -> None:
    theirs = _colleague(tmp_path, revision)
    store = _ours(tmp_path)
    try:
        report = merge_colleague(store, theirs)
        found = _by_name(store)
    finally:
        store.close()
    assert report.merge.sources.added == ("Tass",)  # named by a claim; no grade known
    assert report.merge.sources.grades_differ == ()
    assert found["Tass"].registered and found["Tass"].reliability is None
    assert found["Reuters"].reliability == "A"
    assert "Unused Blog" not in found


def test_an_imported_export_matches_sources_by_name(backend: Backend, tmp_path: Path) -> None:
    registry = pytest.importorskip("annotator.core.exporters.registry")
    theirs = _colleague(tmp_path, KNOWN_REVISIONS[-1])
    with open_store(theirs) as source:
        dataset = load_dataset(source, DatasetFilter())
    out = tmp_path / "ben.jsonl"
    registry.export(dataset, "jsonl-spans", out)
    store = _ours(backend)
    try:
        report = merge_colleague(store, out)
        found = _by_name(store)
    finally:
        store.close()
    assert report.merge.annotations_added == 2
    assert found["Reuters"].claims == 2  # "REUTERS" is our Reuters
    assert report.merge.sources.added == ("Tass",)
    assert found["Tass"].reliability is None


def test_a_hand_edited_value_that_is_not_json_leaves_the_other_claims_counted(
    store: Store,
) -> None:
    doc = _document(store)
    _claims(store, doc, [
        ("ana", {"attributed_to": "Reuters", "information_credibility": "3"}),
        ("ana", {"attributed_to": "Tass"}),
    ])
    with store.engine.begin() as conn:  # another tool breaks one claim's fields, and writes a
        # number as a name (the fields are JSON text on both back ends)
        conn.exec_driver_sql(
            "UPDATE annotation_tags SET fields = '{not json' WHERE annotation_id = 2"
        )
        conn.exec_driver_sql(
            "INSERT INTO annotations (id, document_id, start, \"end\", author, created, "
            "modified, note) VALUES (9, 1, 5, 9, 'ana', '2024-01-02T03:04:05.000000+00:00', "
            "'2024-01-02T03:04:05.000000+00:00', '')"
        )
        conn.exec_driver_sql(
            "INSERT INTO annotation_tags (annotation_id, tag_id, fields, suggested) VALUES "
            "(9, (SELECT id FROM tags WHERE name = 'claim'), '{\"attributed_to\": 42}', '[]')"
        )
    found = _by_name(store)
    assert set(found) == {"Reuters"}
    assert found["Reuters"].credibility == (0, 0, 1, 0, 0, 0)


def test_only_a_source_no_claim_names_is_removed(store: Store) -> None:
    from annotator.core.sources import remove_source

    doc = _document(store)
    _claims(store, doc, [("ana", {"attributed_to": "Reuters"})])
    set_default_reliability(store, "Reuters", "B", actor="ana")
    set_default_reliability(store, "Reutres", None, actor="ana")  # a slip
    with pytest.raises(InvalidValue, match="named by 1 claim"):
        remove_source(store, "REUTERS")
    remove_source(store, "reutres")
    assert set(_by_name(store)) == {"Reuters"}


def test_cli_merge_reports_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from annotator.cli import main

    theirs = _colleague(tmp_path, KNOWN_REVISIONS[-1])
    _ours(tmp_path).close()
    db = tmp_path / "ana.sqlite3"
    assert main(["merge", str(theirs), "--db", str(db), "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["sources_added"] == ["TASS", "Unused Blog"]
    assert result["source_grades_differ"] == ["Reuters: ours A, theirs C"]
