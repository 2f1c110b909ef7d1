"""Find in all documents (issue 16): search semantics, the indexes of migration 0004 kept right
by every write path (upgrade, merges, removal and undo, a hand edit), and bad queries.

Each test that takes `backend` runs on SQLite and on a team database (PostgreSQL, migration
0007: the same indexes in PostgreSQL's form, issue 17) with the same expectations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import annotation_table as table
from annotator.core import ops
from annotator.core.colleague import merge_colleague
from annotator.core.errors import InvalidValue
from annotator.core.removal import remove_document, restore_document
from annotator.core.search import SearchResults, parse_query, search
from annotator.core.store import KNOWN_REVISIONS, Store, _make_engine, _upgrade, open_store
from tests.backends import Backend

ENGLISH = "The Café owners said exports rose sharply. Officials expect 1,200 troops 🙂 soon."
ARABIC = "كَتَبَ الوَلَدُ الدَّرْسَ. قال المسؤولـــون إنَّ الصادرات ارتفعت."


def new_document(text: str, title: str) -> ops.NewDocument:
    ends = [i + 1 for i, ch in enumerate(text) if ch == "."]
    starts = [0, *(e + 1 for e in ends[:-1])]
    return ops.NewDocument(
        text=text,
        title=title,
        issuer=None,
        published=None,
        date_certainty="none",
        date_note=None,
        language=None,
        source_name="",
        source_format="txt",
        units=[(s, e, "sentence") for s, e in zip(starts, ends, strict=True)],
    )


def add(store: Store, text: str, title: str) -> int:
    changes = ops.add_document(store, new_document(text, title))
    assert changes.created_id is not None
    return changes.created_id


def hits(results: SearchResults) -> list[tuple[str, str, str, list[str]]]:
    """(document title, kind, each highlighted piece joined by |, tags) per hit."""
    return [
        (d.title, h.kind, "|".join(h.text[s:e] for s, e in h.spans), list(h.tags))
        for d in results.documents
        for h in d.hits
    ]


def hand_edit(store: Store, *statements: str) -> None:
    """Another client's committed statements, without the application (on SQLite without its
    `annotator_fold`: the triggers must not need it)."""
    if store.on_server:
        import psycopg

        assert store.address is not None
        url = store.address.driver_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as conn:  # committed when the block ends
            for statement in statements:
                conn.execute(statement.encode())
        return
    conn = sqlite3.connect(store.file)
    try:
        with conn:
            for statement in statements:
                conn.execute(statement)
    finally:
        conn.close()


def pending(store: Store) -> int:
    """How many rows are queued for the indexes (search_index.py)."""
    from annotator.core import search_index

    return search_index.backlog(store)


@pytest.fixture()
def store(backend: Backend) -> Store:
    with backend.open("search", create=True) as store:
        english = add(store, ENGLISH, "English brief")
        arabic = add(store, ARABIC, "Arabic brief")
        ops.bulk_add_annotations(
            store,
            english,
            [ops.NewAnnotation(4, 8, "ana", ["claim"], "Check the RÉSUMÉ first", {})],
        )
        ops.bulk_add_annotations(
            store, arabic, [ops.NewAnnotation(0, 6, "ana", ["assessment"], "", {})]
        )
        yield store


def test_words_match_whatever_their_case_and_accents(store: Store) -> None:
    assert hits(search(store, "cafe")) == [("English brief", "text", "Café", ["claim"])]
    assert hits(search(store, "CAFÉ OWNERS")) == [
        ("English brief", "text", "Café|owners", ["claim"])
    ]
    assert hits(search(store, "resume")) == [("English brief", "note", "RÉSUMÉ", ["claim"])]


def test_arabic_matches_without_harakat_or_tatweel(store: Store) -> None:
    assert hits(search(store, "كتب الدرس")) == [
        ("Arabic brief", "text", "كَتَبَ|الدَّرْسَ", ["assessment"])
    ]
    # the tatweel of the text and the shadda of the query both fold away
    assert hits(search(store, "المسؤولون إنّ")) == [("Arabic brief", "text", "المسؤولـــون|إنَّ", [])]


def test_phrases_keep_their_order_and_prefixes_complete(store: Store) -> None:
    assert hits(search(store, '"exports rose"')) == [
        ("English brief", "text", "exports rose", ["claim"])
    ]
    assert search(store, '"rose exports"').documents == ()
    assert hits(search(store, "export*")) == [("English brief", "text", "exports", ["claim"])]
    assert hits(search(store, '"exports ro"*')) == [
        ("English brief", "text", "exports rose", ["claim"])
    ]
    assert search(store, "export").documents == ()  # a word is a whole word without *


def test_offsets_are_code_points_after_an_emoji(store: Store) -> None:
    (document,) = search(store, "soon").documents
    (hit,) = document.hits
    assert hit.text == "Officials expect 1,200 troops 🙂 soon."
    ((start, end),) = hit.spans
    assert hit.text[start:end] == "soon"
    assert ENGLISH[hit.start + start : hit.start + end] == "soon"


def test_results_are_grouped_by_document_in_order(store: Store) -> None:
    add(store, "Exports fell. Then exports rose.", "Second")
    results = search(store, "exports")
    assert [(d.title, [h.start for h in d.hits]) for d in results.documents] == [
        ("English brief", [0]),
        ("Second", [0, 14]),
    ]
    limited = search(store, "exports", limit=2)
    assert limited.truncated and limited.hit_count == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "Type a word"), ("   ", "Type a word"), ("* - ( ) :", "Nothing to search for")],
)
def test_a_query_with_nothing_to_find_says_so(store: Store, query: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        search(store, query)


def test_fts_syntax_in_a_query_is_only_text(store: Store) -> None:
    for query in ['"', "NEAR(cafe owners)", "cafe AND", "OR NOT", "col:cafe", "^cafe", '"a" + "b']:
        try:
            search(store, query)  # never an SQL error
        except InvalidValue as exc:  # '"' alone: nothing to search for
            assert "search for" in str(exc)
    assert hits(search(store, "NEAR(cafe owners)")) == []  # "near" is a word here


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=20))
def test_no_query_raises_anything_but_a_message(store: Store, query: str) -> None:
    try:
        parse_query(query)
    except InvalidValue:
        return
    search(store, query)


# --- the index kept right --------------------------------------------------------------------


def test_an_old_database_is_indexed_when_upgraded(backend: Backend) -> None:
    from sqlalchemy import create_engine

    path = backend.target("old", empty=True)
    engine = create_engine(str(path)) if backend.is_server else _make_engine(Path(path))
    _upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO documents (id, title, text, sha256, imported_at, date_certainty, "
            "source_name, source_format) VALUES (1, 'Old', 'Une note. Déjà vu là.', 'x', "
            "'2024-01-02T03:04:05.000000+00:00', 'none', '', 'txt')"
        )
        conn.exec_driver_sql(
            'INSERT INTO units (document_id, ordinal, start, "end", kind) VALUES '
            "(1, 0, 0, 9, 'sentence'), (1, 1, 10, 21, 'sentence')"
        )
        conn.exec_driver_sql(
            'INSERT INTO annotations (id, document_id, start, "end", author, created, modified, '
            "note) VALUES (7, 1, 10, 14, 'ana', '2024-01-02T03:04:05.000000+00:00', "
            "'2024-01-02T03:04:05.000000+00:00', 'Été')"
        )
    engine.dispose()
    with open_store(path) as store:
        assert store.revision() == KNOWN_REVISIONS[-1]
        assert pending(store) == 0
        assert hits(search(store, "deja")) == [("Old", "text", "Déjà", [])]
        assert hits(search(store, "ete")) == [("Old", "note", "Été", [])]
        assert table.ids(store, table.AnnotationFilter(text="deja")) == [7]


def test_a_hand_edit_without_the_app_is_found_and_folded_later(backend: Backend) -> None:
    with backend.open("hand", create=True) as store:
        add(store, ENGLISH, "English brief")
        hand_edit(
            store,
            'INSERT INTO annotations (document_id, start, "end", author, created, modified, '
            "note) VALUES (1, 9, 15, 'ana', '2024-01-02T03:04:05.000000+00:00', "
            "'2024-01-02T03:04:05.000000+00:00', 'Naïve')",
            'UPDATE units SET "end" = 8 WHERE ordinal = 0',
        )
        assert pending(store) == 2
    with backend.open("hand") as store:
        assert pending(store) == 0  # folded when opened
        assert hits(search(store, "naive")) == [("English brief", "note", "Naïve", [])]
        assert hits(search(store, "cafe")) == [("English brief", "text", "Café", [])]
        assert search(store, "owners").documents == ()  # the unit now ends before it
        assert table.ids(store, table.AnnotationFilter(text="OWNERS")) == [1]


def test_queued_rows_are_searched_before_they_are_folded(store: Store) -> None:
    with store.read() as session:
        session.connection().exec_driver_sql("SELECT 1")
    hand_edit(store, "UPDATE annotations SET note = 'Zoë' WHERE id = 1")
    assert pending(store) == 1
    assert hits(search(store, "zoe")) == [("English brief", "note", "Zoë", ["claim"])]
    assert table.ids(store, table.AnnotationFilter(text="zoe")) == [1]
    assert table.ids(store, table.AnnotationFilter(text="ré")) == []  # the old note is gone


def test_edits_and_removal_and_its_undo_keep_the_index(store: Store) -> None:
    second = add(store, "Naïve forecasts abound.", "Gamma")
    assert [d.title for d in search(store, "naive").documents] == ["Gamma"]
    removed = remove_document(store, second)
    assert search(store, "naive").documents == ()
    restore_document(store, removed)
    assert hits(search(store, "naive")) == [("Gamma", "text", "Naïve", [])]
    assert pending(store) == 0


def _colleague(tmp_path: Path, revision: str) -> Path:
    path = tmp_path / f"colleague-{revision}.sqlite3"
    with open_store(path, create=True) as theirs:
        doc = add(theirs, "Sanctions were lifted. Oil exports resumed.", "Theirs")
        ops.bulk_add_annotations(
            theirs, doc, [ops.NewAnnotation(23, 43, "ben", ["claim"], "Crème brûlée", {})]
        )
    if revision != KNOWN_REVISIONS[-1]:
        from alembic import command
        from alembic.config import Config

        from annotator.core.store import MIGRATIONS_DIR

        engine = _make_engine(path)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
        engine.dispose()
    return path


@pytest.mark.parametrize("revision", ["0003", "0004", "0005"])
def test_a_merged_colleague_is_searchable(store: Store, tmp_path: Path, revision: str) -> None:
    colleague = _colleague(tmp_path, revision)
    merge_colleague(store, colleague)
    assert hits(search(store, "oil exports")) == [("Theirs", "text", "Oil|exports", ["claim"])]
    assert hits(search(store, "creme brulee")) == [("Theirs", "note", "Crème|brûlée", ["claim"])]
    assert len(table.ids(store, table.AnnotationFilter(text="brulee"))) == 1
    assert pending(store) == 0


def test_the_table_sorts_by_text_through_every_change(store: Store) -> None:
    by_text = table.parse_sort("text")
    assert table.ids(store, sort=by_text) == [1, 2]  # "Café" < "كَتَبَ"
    # a hand edit moves the first annotation onto "The"
    hand_edit(store, 'UPDATE annotations SET start = 0, "end" = 3 WHERE id = 1')
    other = add(store, "Aardvarks abound.", "Zeta")
    ops.bulk_add_annotations(store, other, [ops.NewAnnotation(0, 9, "ana", ["claim"], "", {})])
    assert table.ids(store, sort=by_text) == [3, 1, 2]  # "Aardvarks" < "The" < "كَتَبَ"
    assert table.ids(store, sort=table.parse_sort("-text")) == [2, 1, 3]
    removed = remove_document(store, other)
    assert table.ids(store, sort=by_text) == [1, 2]
    restore_document(store, removed)
    assert table.ids(store, sort=by_text) == [3, 1, 2]


def test_the_table_sorts_queued_rows_by_text_before_they_are_folded(store: Store) -> None:
    by_text = table.parse_sort("text")
    hand_edit(  # another client adds an annotation on "The"
        store,
        'INSERT INTO annotations (document_id, start, "end", author, created, modified, '
        "note) VALUES (1, 0, 3, 'ana', '2024-01-02T03:04:05.000000+00:00', "
        "'2024-01-02T03:04:05.000000+00:00', '')",
    )
    assert pending(store) == 1
    assert table.ids(store, sort=by_text) == [1, 3, 2]  # "Café" < "The" < "كَتَبَ"
    assert table.ids(store, sort=table.parse_sort("-text")) == [2, 3, 1]


def test_the_table_text_filter_takes_glob_characters_literally(store: Store) -> None:
    doc = add(store, "Prices [est.] rose 5*3 times? No.", "Gamma")
    ops.bulk_add_annotations(
        store,
        doc,
        [
            ops.NewAnnotation(0, 18, "ana", ["claim"], "", {}),  # "Prices [est.] rose"
            ops.NewAnnotation(19, 32, "ana", ["claim"], "", {}),  # "5*3 times? No"
        ],
    )
    assert table.ids(store, table.AnnotationFilter(text="[EST.]")) == [3]
    assert table.ids(store, table.AnnotationFilter(text="5*3 t")) == [4]
    assert table.ids(store, table.AnnotationFilter(text="es? n")) == [4]
    assert table.ids(store, table.AnnotationFilter(text="5*9")) == []  # no wildcard
    assert table.ids(store, table.AnnotationFilter(text="5_3")) == []  # nor LIKE's
    assert table.ids(store, table.AnnotationFilter(text="es%no")) == []
    assert table.ids(store, table.AnnotationFilter(text="\\")) == []
    assert table.ids(store, table.AnnotationFilter(text="s [")) == [3]
    assert table.ids(store, table.AnnotationFilter(text="umé f")) == [1]  # in the note


def test_annotations_sharing_a_span_and_a_removed_documents_spans(store: Store) -> None:
    doc = add(store, "Oil exports resumed. Prices fell.", "Gamma")
    ops.bulk_add_annotations(
        store,
        doc,
        [ops.NewAnnotation(0, 20, who, ["claim"], "", {}) for who in ("ana", "ben")],
    )
    assert table.ids(store, table.AnnotationFilter(text="exports res")) == [3, 4]
    removed = remove_document(store, doc)
    assert table.ids(store, table.AnnotationFilter(text="exports res")) == []
    other = add(store, "Wheat harvests failed badly.", "Delta")  # may take the removed id
    ops.bulk_add_annotations(store, other, [ops.NewAnnotation(0, 20, "ana", ["claim"], "", {})])
    assert table.ids(store, table.AnnotationFilter(text="exports res")) == []
    assert len(table.ids(store, table.AnnotationFilter(text="harvests"))) == 1
    remove_document(store, other)
    restore_document(store, removed)
    assert table.ids(store, table.AnnotationFilter(text="exports res")) == [3, 4]
    assert pending(store) == 0


def test_highlights_take_in_the_marks_of_a_decomposed_word() -> None:
    from annotator.core.search import highlights

    text = "Le cafe\u0301 au lait, كَتَبَ."
    spans = highlights(text, parse_query("CAFÉ كتب"))
    assert [text[s:e] for s, e in spans] == ["cafe\u0301", "كَتَبَ"]


def test_the_table_filter_and_find_fold_alike_on_both_back_ends(store: Store) -> None:
    """`folding.fold` casefolds: "ß" is "ss" and a final sigma a sigma, for Find and for the
    table's text filter, on a team database too (whose own `lower` would not)."""
    doc = add(store, "Die Straße war leer. Ο ΣΟΦΟΣ μίλησε.", "Delta")
    ops.bulk_add_annotations(store, doc, [ops.NewAnnotation(4, 10, "ana", ["claim"], "σοφός", {})])
    for query in ("strasse", "STRASSE", "straße"):
        assert hits(search(store, query)) == [("Delta", "text", "Straße", ["claim"])]
        assert table.ids(store, table.AnnotationFilter(text=query)) == [3]
    assert hits(search(store, "σοφος")) == [
        ("Delta", "note", "σοφός", ["claim"]),  # on "Straße", before the sentence
        ("Delta", "text", "ΣΟΦΟΣ", []),
    ]
    assert table.ids(store, table.AnnotationFilter(text="ΣΟΦΟΣ")) == [3]  # the note


def test_the_first_hits_are_the_same_for_a_common_word_as_for_a_rare_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team database reads the first matches in id order for a common word and sorts all of
    a rare word's (search_server.py): both give the first `limit`, as SQLite does."""
    from annotator.core import search_server

    add(store, "Exports fell. Then exports rose. Exports again.", "Second")
    answers = []
    for rows in (0, 1, 10**9):  # every word rare; rare unless in the first row; common
        monkeypatch.setattr(search_server, "FIRST_ROWS", rows)
        answers.append([search(store, "exports", limit=n) for n in (1, 2, 10)])
    assert answers[0] == answers[1] == answers[2]
    assert [(d.title, [h.start for h in d.hits]) for d in answers[0][1].documents] == [
        ("English brief", [0]),
        ("Second", [0]),
    ]


def test_only_a_change_of_span_or_note_queues_a_row(store: Store) -> None:
    """The update triggers queue an annotation or unit when what the indexes hold of it
    changed, not for a review status or a modification time (every tag toggle writes one)."""
    from annotator.core import search_index

    hand_edit(store, "UPDATE annotations SET status = 'accepted', modified = created")
    hand_edit(store, "UPDATE units SET kind = 'heading' WHERE ordinal = 0")
    assert pending(store) == 0
    hand_edit(store, 'UPDATE annotations SET "end" = 15 WHERE id = 1')  # "Café owners"
    assert pending(store) == 1
    assert table.ids(store, table.AnnotationFilter(text="fe own")) == [1]
    assert search_index.fold_step(store) == 1
    assert table.ids(store, table.AnnotationFilter(text="fe own")) == [1]
