"""Named claim sources with a default Admiralty reliability (issue 16). No Qt.

A claim names its source in its `attributed_to` field. The `sources` table (migration 0005)
gives each source a row: the name as first written, the folded name it is matched by
(`source_key`: case, accents and spacing ignored), a default reliability (A-F, or none) that a
new claim from that source is offered as a suggestion, a note, and who created and last changed
it. Claims are linked by the folded name only: their stored JSON has no source id, so exports,
older files and hand edits keep working, and "Reuters", "reuters" and "REUTERS " are one source.

Sources are shared reference data, like the tag list: any analyst may grade one (who and when
is recorded); no claim changes when a grade does. There is no rename: a claim's
`attributed_to` is the analyst's own wording, and renaming a source would have to rewrite other
analysts' annotations, which nothing does outside adjudication.

`list_sources` reads every source with its claims' statistics in one grouped query: the
registered ones and any name that only claims use (written by another client, or by a version
before 0005). Saving a claim (`ops.set_fields`) and merging or importing claims register the
names they bring (`ensure_sources`, `merge_sources`); a colleague's registered source is added
with their grade, and an existing one keeps ours (the merge report says where grades differ).

The functions here take the DB-API connection of either back end (sqlite3's, or psycopg's on a
team database: `_Raw` speaks both). On PostgreSQL the claims' fields (JSON text) are parsed in
Python: a malformed value is left out there without failing (and aborting) the transaction.
A colleague's database is always an SQLite file (`colleague_sources`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.core.errors import InvalidValue
from annotator.core.fields import (
    CLAIM,
    CREDIBILITY_FIELD,
    GRADE_FIELD,
    INFORMATION_CREDIBILITY,
    NAME_FIELD,
    SOURCE_RELIABILITY,
)
from annotator.core.folding import fold

if TYPE_CHECKING:
    from annotator.core.store import Store

RELIABILITY_CODES: tuple[str, ...] = tuple(c.code for c in SOURCE_RELIABILITY)
CREDIBILITY_CODES: tuple[str, ...] = tuple(c.code for c in INFORMATION_CREDIBILITY)
MAX_NAME = 300  # characters; a longer "name" is a pasted sentence, not a source


def source_key(name: str) -> str:
    """What a source is matched by: its name folded (case and accents ignored, `folding.fold`)
    with its spacing made single ("  Reuters " and "reuters" are one source)."""
    return " ".join(fold(name).split())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """A source as another database or file brings it (a merge)."""

    name: str
    reliability: str | None = None
    note: str = ""
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One source with the statistics of its claims (all layers)."""

    name: str
    key: str
    reliability: str | None  # the default grade, None when not set
    note: str
    claims: int
    credibility: tuple[int, ...]  # claims given 1, 2, ... 6 (CREDIBILITY_CODES order)
    reliability_given: tuple[int, ...]  # claims given A ... F (RELIABILITY_CODES order)
    spellings: tuple[str, ...]  # how its claims write it, most used first
    registered: bool  # has a row in `sources` (else only claims name it)
    modified_by: str = ""
    modified: str = ""  # stored UTC time text, "" when not registered

    @property
    def without_credibility(self) -> int:
        return self.claims - sum(self.credibility)

    def credibility_text(self) -> str:
        """The spread of the credibility given to its claims: "1:3 2:5 3:0 4:0 5:0 6:1"
        (plus " -:2" for claims given none)."""
        pairs = zip(CREDIBILITY_CODES, self.credibility, strict=True)
        text = " ".join(f"{code}:{count}" for code, count in pairs)
        missing = self.without_credibility
        return f"{text} -:{missing}" if missing else text


# Every claim's source name, credibility and reliability, as one JSON array per claim (one parse
# of its fields in SQLite; asking json_extract for each path apart parses the object three
# times), counted and decoded in Python, each distinct array once. A malformed fields value
# fails json_extract for the whole query: then the guarded form leaves such values out.
_CLAIM_SOURCES = """
SELECT {guard}json_extract(t.fields, '$.attributed_to', '$.information_credibility',
    '$.source_reliability'){end}
FROM {schema}.annotation_tags AS t
WHERE t.tag_id = (SELECT id FROM {schema}.tags WHERE name = 'claim')
"""
_FAST = {"guard": "", "end": ""}
_GUARDED = {"guard": "CASE WHEN json_valid(t.fields) THEN ", "end": " END"}


@dataclass
class _Tally:
    claims: int = 0
    credibility: Counter[str] | None = None
    given: Counter[str] | None = None
    spellings: Counter[str] | None = None


# On PostgreSQL: every claim's fields as stored (JSON text), read in Python.
_PG_CLAIM_FIELDS = (
    "SELECT t.fields FROM annotation_tags AS t "
    "WHERE t.tag_id = (SELECT id FROM tags WHERE name = 'claim')"
)


class _Raw:
    """A DB-API connection of either back end, called as sqlite3's: `?` marks, all rows."""

    def __init__(self, driver: Any) -> None:
        self.driver: Any = driver.driver if isinstance(driver, _Raw) else driver
        self.postgres = not isinstance(self.driver, sqlite3.Connection)

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        cursor = self.driver.cursor()
        try:
            cursor.execute(self._sql(sql), params)
            return list(cursor.fetchall()) if cursor.description is not None else []
        finally:
            cursor.close()

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cursor = self.driver.cursor()
        try:
            cursor.executemany(self._sql(sql), rows)
        finally:
            cursor.close()


def _fields_of(text: object) -> Mapping[str, Any] | None:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _claim_sources(conn: _Raw, schema: str) -> Counter[Any]:
    if conn.postgres:  # each distinct fields value parsed once, in Python
        found: Counter[Any] = Counter()
        for text, count in Counter(row[0] for row in conn.execute(_PG_CLAIM_FIELDS)).items():
            fields = _fields_of(text)
            if fields is not None:
                picked = [fields.get(NAME_FIELD), fields.get(CREDIBILITY_FIELD),
                          fields.get(GRADE_FIELD)]
                found[json.dumps(picked)] += count
        return found
    try:
        rows = conn.execute(_CLAIM_SOURCES.format(schema=schema, **_FAST))
    except sqlite3.OperationalError as exc:
        if "JSON" not in str(exc):
            raise
        rows = conn.execute(_CLAIM_SOURCES.format(schema=schema, **_GUARDED))
    return Counter(row[0] for row in rows)


def _claim_tallies(driver: Any, schema: str = "main") -> dict[str, _Tally]:
    conn = _Raw(driver)
    tallies: dict[str, _Tally] = {}
    keys: dict[str, str] = {}  # a spelling -> its key (folded once per spelling)
    for text, count in _claim_sources(conn, schema).items():
        if not isinstance(text, str):
            continue  # NULL: not JSON (`annotator check` reports it)
        name, credibility, given = json.loads(text)
        if not isinstance(name, str):
            continue
        key = keys.get(name)
        if key is None:
            key = keys[name] = source_key(name)
        if not key:
            continue
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally(0, Counter(), Counter(), Counter())
        assert tally.credibility is not None and tally.given is not None
        assert tally.spellings is not None
        tally.claims += count
        tally.spellings[name.strip()] += count
        if isinstance(credibility, str):
            tally.credibility[credibility] += count
        if isinstance(given, str):
            tally.given[given] += count
    return tallies


def _registered(driver: Any, schema: str = "main") -> dict[str, tuple[Any, ...]]:
    """key -> (name, reliability, note, modified_by, modified, created_by)."""
    conn = _Raw(driver)
    table = "sources" if conn.postgres else f"{schema}.sources"
    return {
        row[0]: tuple(row[1:])
        for row in conn.execute(
            "SELECT name_key, name, reliability, note, modified_by, modified, created_by "
            f"FROM {table}"
        )
    }


def _driver(session: Any) -> _Raw:
    return _Raw(session.connection().connection.driver_connection)


def read_sources(conn: Any) -> list[SourceInfo]:
    """`list_sources` on a plain connection."""
    tallies = _claim_tallies(conn)
    registered = _registered(conn)
    found: list[SourceInfo] = []
    for key in registered.keys() | tallies.keys():
        tally = tallies.get(key) or _Tally(0, Counter(), Counter(), Counter())
        assert tally.credibility is not None and tally.given is not None
        assert tally.spellings is not None
        row = registered.get(key)
        spellings = tuple(name for name, _n in _most_used(tally.spellings))
        if row is not None:
            name, reliability, note, modified_by, modified, _created_by = row
        else:
            name, reliability, note, modified_by, modified = spellings[0], None, "", "", ""
        found.append(
            SourceInfo(
                name=name,
                key=key,
                reliability=reliability,
                note=note or "",
                claims=tally.claims,
                credibility=tuple(tally.credibility[c] for c in CREDIBILITY_CODES),
                reliability_given=tuple(tally.given[c] for c in RELIABILITY_CODES),
                spellings=spellings,
                registered=row is not None,
                modified_by=modified_by or "",
                modified=modified or "",
            )
        )
    found.sort(key=lambda info: (info.key, info.name))
    return found


def _most_used(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def list_sources(store: Store) -> list[SourceInfo]:
    """Every source, registered or only named by claims, with its claims' statistics, in the
    order of their folded names."""
    with store.read() as session:
        return read_sources(_driver(session))


def find_source(store: Store, name: str) -> SourceInfo | None:
    """The source `name` stands for (matched by `source_key`), None when there is none."""
    key = source_key(name)
    return next((info for info in list_sources(store) if info.key == key), None)


def default_grades(store: Store) -> dict[str, tuple[str, str | None]]:
    """source_key -> (name, default reliability) of every registered source: what the form
    needs to complete names and suggest grades (one small query)."""
    with store.read() as session:
        return {
            key: (row[0], row[1]) for key, row in _registered(_driver(session)).items()
        }


def check_name(name: str) -> str:
    """`name` as a source is stored (trimmed); InvalidValue when it is no name."""
    clean = " ".join(name.split())
    if not clean or not source_key(clean):
        raise InvalidValue("a source needs a name")
    if len(clean) > MAX_NAME:
        raise InvalidValue(f"a source name has at most {MAX_NAME} characters")
    return clean


def check_grade(grade: str | None) -> str | None:
    if grade is None or grade == "":
        return None
    code = grade.strip().upper()
    if code not in RELIABILITY_CODES:
        raise InvalidValue(
            f"{grade!r} is not a source reliability (one of {', '.join(RELIABILITY_CODES)})"
        )
    return code


def set_default_reliability(
    store: Store, name: str, grade: str | None, *, actor: str, note: str | None = None
) -> SourceInfo:
    """Give the source `name` (created if it has no row yet) the default reliability `grade`
    (None clears it), and `note` if given; records who and when. Returns it as now stored."""
    clean, grade = check_name(name), check_grade(grade)
    now = _now()
    with store.write() as session:
        conn = _driver(session)
        key = source_key(clean)
        exists = conn.execute("SELECT 1 FROM sources WHERE name_key = ?", (key,))
        if not exists:
            conn.execute(
                "INSERT INTO sources (name, name_key, reliability, note, created, created_by, "
                "modified, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (clean, key, grade, note or "", now, actor, now, actor),
            )
        else:
            conn.execute(
                "UPDATE sources SET reliability = ?, note = coalesce(?, note), modified = ?, "
                "modified_by = ? WHERE name_key = ?",
                (grade, note, now, actor, key),
            )
    found = find_source(store, clean)
    assert found is not None
    return found


def remove_source(store: Store, name: str) -> None:
    """Take the source `name` off the list (a misspelt name, say); InvalidValue while a claim
    still names it (a claim's wording is its author's: nothing rewrites it here)."""
    key = source_key(name)
    with store.write() as session:
        conn = _driver(session)
        tally = _claim_tallies(conn).get(key)
        if tally is not None and tally.claims:
            raise InvalidValue(
                f"{name!r} is named by {tally.claims} claim(s): only a source no claim names "
                "can be removed"
            )
        conn.execute("DELETE FROM sources WHERE name_key = ?", (key,))


def ensure_sources(
    driver: Any,
    names: Iterable[tuple[str, str]],
    now: str | None = None,
    *,
    graded: Mapping[str, SourceEntry] | None = None,
) -> list[str]:
    """Register each (name, created_by) whose folded name has no source yet, in the caller's
    transaction; `graded` (by source_key) gives a new one its grade and note. Returns the
    names added, in order."""
    conn = _Raw(driver)
    when = now or _now()
    graded = graded or {}
    known: set[str] = set()
    lookup = "SELECT 1 FROM sources WHERE name_key = ?"  # by the unique index: a field edit
    added: list[str] = []
    rows = []
    for raw, actor in names:
        if not isinstance(raw, str):
            continue
        try:
            name = check_name(raw)
        except InvalidValue:
            continue
        key = source_key(name)
        if key in known:
            continue
        known.add(key)
        if conn.execute(lookup, (key,)):
            continue
        entry = graded.get(key)
        grade = entry.reliability if entry is not None else None
        if grade not in RELIABILITY_CODES:
            grade = None
        rows.append((name, key, grade, entry.note if entry else "", when,
                     actor or "unknown", when, actor or "unknown"))
        added.append(name)
    conn.executemany(
        "INSERT INTO sources (name, name_key, reliability, note, created, created_by, "
        "modified, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return added


@dataclass(frozen=True, slots=True)
class SourcesMerged:
    """What a merge did to the sources: the ones added, and one line per source whose grade
    differs from the colleague's (ours kept)."""

    added: tuple[str, ...] = ()
    grades_differ: tuple[str, ...] = ()

    def summary_parts(self) -> list[str]:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} new source(s)")
        if self.grades_differ:
            parts.append(
                "source grades kept where the colleague's differ: "
                + "; ".join(self.grades_differ)
            )
        return parts


def merge_sources(
    conn: Any,
    entries: Iterable[SourceEntry],
    claim_names: Iterable[tuple[str, str]],
    now: str | None = None,
) -> SourcesMerged:
    """Add a colleague's (or a file's) sources by folded name, in the caller's transaction:
    each new one with its grade, an existing one keeping ours; then any name their claims use
    that is still unknown. `claim_names` are (name, author) pairs."""
    by_key: dict[str, SourceEntry] = {}
    for entry in entries:
        key = source_key(entry.name) if isinstance(entry.name, str) else ""
        if key and key not in by_key:
            by_key[key] = entry
    ours = {
        key: row[1] for key, row in _registered(conn).items()
    }
    differ = []
    for key, entry in sorted(by_key.items()):
        if key in ours and entry.reliability and ours[key] != entry.reliability:
            theirs, kept = entry.reliability, ours[key] or "none"
            differ.append(f"{entry.name}: ours {kept}, theirs {theirs}")
    added = ensure_sources(
        conn,
        [*((e.name, e.created_by) for e in by_key.values()), *claim_names],
        now,
        graded=by_key,
    )
    return SourcesMerged(tuple(added), tuple(differ))


def colleague_sources(conn: sqlite3.Connection, schema: str = "main") -> list[SourceEntry]:
    """The registered sources of a colleague's database, an SQLite file (none before schema
    0005)."""
    has = conn.execute(
        f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'sources'"
    ).fetchone()
    if has is None:
        return []
    return [
        SourceEntry(name, reliability, note or "", created_by or "")
        for name, reliability, note, created_by in conn.execute(
            f"SELECT name, reliability, note, created_by FROM {schema}.sources ORDER BY id"
        )
        if isinstance(name, str)
    ]


def claim_names(tags: Iterable[tuple[str, Mapping[str, Any], str]]) -> list[tuple[str, str]]:
    """(name, author) of each claim among (tag name, fields, author) that names a source."""
    names = []
    for tag, fields, author in tags:
        if tag == CLAIM:
            name = fields.get(NAME_FIELD)
            if isinstance(name, str) and name.strip():
                names.append((name, author))
    return names


def suggested_grade(
    fields: Mapping[str, Any], grade_of: Callable[[str], str | None]
) -> str | None:
    """The reliability to suggest for a claim with `fields`: its source's default grade, when
    it names a source that has one and the claim has no reliability yet; else None."""
    name = fields.get(NAME_FIELD)
    if not isinstance(name, str) or not name.strip() or fields.get(GRADE_FIELD):
        return None
    return grade_of(source_key(name))


def backfill_sources(driver: Any) -> int:
    """Fill `sources` from the existing claims (migration 0005): one per folded
    `attributed_to`, named by its most used spelling, graded with the reliability given most
    often (none when none was given or two tie), created by the author of its first claim at
    its creation time. Returns how many."""
    conn = _Raw(driver)
    firsts: dict[str, tuple[str, str]] = {}
    for name, author, created in _first_claims(conn):
        key = source_key(name)
        if key and key not in firsts:
            firsts[key] = (author, created)
    rows = []
    for key, tally in _claim_tallies(conn).items():
        assert tally.spellings is not None and tally.given is not None
        try:
            name = check_name(_most_used(tally.spellings)[0][0])
        except InvalidValue:
            continue
        ranked = _most_used(Counter({g: n for g, n in tally.given.items()
                                     if g in RELIABILITY_CODES}))
        grade = None
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            grade = ranked[0][0]
        author, created = firsts.get(key, ("unknown", _now()))
        rows.append((name, key, grade, "", created, author, created, author))
    conn.executemany(
        "INSERT INTO sources (name, name_key, reliability, note, created, created_by, "
        "modified, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _first_claims(conn: _Raw) -> list[tuple[str, str, str]]:
    """(attributed_to, author, created) of every claim naming a source, in id order."""
    if not conn.postgres:
        return conn.execute(
            "SELECT json_extract(t.fields, '$.attributed_to'), a.author, a.created "
            "FROM annotation_tags AS t JOIN annotations AS a ON a.id = t.annotation_id "
            "WHERE t.tag_id = (SELECT id FROM tags WHERE name = 'claim') "
            "AND json_valid(t.fields) AND json_type(t.fields, '$.attributed_to') = 'text' "
            "ORDER BY a.id"
        )
    found = []
    for text, author, created in conn.execute(
        "SELECT t.fields, a.author, a.created "
        "FROM annotation_tags AS t JOIN annotations AS a ON a.id = t.annotation_id "
        "WHERE t.tag_id = (SELECT id FROM tags WHERE name = 'claim') ORDER BY a.id"
    ):
        fields = _fields_of(text)
        name = fields.get(NAME_FIELD) if fields is not None else None
        if isinstance(name, str):
            found.append((name, author, created))
    return found
