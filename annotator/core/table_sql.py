"""The SQL of the annotations table (annotation_table.py) that differs between the back ends:
SQLite's, and PostgreSQL's for a team database (issue 17).

On PostgreSQL form fields are read through `jsonb` operators (the JSON columns hold JSON text:
model.StoredJSON), `lower()` stands for SQLite's NOCASE, and the accent and case fold of a
form field's value is `normalize(NFKD)` without combining marks and tatweel, lowercased
(PostgreSQL runs no Python: `lower` where `folding.fold` casefolds, so "ß" does not find "ss"
there). SQLite calls the application's own fold, registered on every connection
(connections.py). The free-text filter reads text and notes folded by the application on both
(the search indexes: migrations 0004 and 0007).
"""

from __future__ import annotations

from sqlalchemy import Connection

from annotator.core.folding import FOLD_FUNCTION


class SQLiteTable:
    """The SQL that differs between the back ends, as SQLite writes it."""

    true = "1"
    no_limit = "-1"
    # The free-text filter and the text sort read the search indexes (migration 0004 here,
    # 0007 on PostgreSQL). search_annotations is FTS5's trigram index here (a needle of 3 or
    # more is an index lookup), its rows numbered by rowid
    trigram_index = True
    index_id = "rowid"
    # `folded` calls folding.fold itself (connections.py registers it)
    folds_in_python = True

    @staticmethod
    def mark(name: str) -> str:
        return f":{name}"

    @staticmethod
    def field(alias: str, name_mark: str, kind: str) -> str:
        """A form field's stored value when it is of `kind` ("number", "text"), else NULL."""
        raw = f"json_extract({alias}.fields, {name_mark})"
        if kind == "number":
            return f"(CASE WHEN typeof({raw}) IN ('integer', 'real') THEN {raw} END)"
        return f"(CASE WHEN typeof({raw}) = 'text' THEN {raw} END)"

    @staticmethod
    def field_path(name: str) -> str:
        return f"$.{name}"

    @staticmethod
    def folded(expression: str) -> str:
        return f"{FOLD_FUNCTION}({expression})"

    @staticmethod
    def contains(haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    @staticmethod
    def holds(column: str, needle: str, pattern: str) -> str:
        """`column` (a folded copy) holds the text of parameter `needle` (`pattern` its LIKE
        pattern, `like_pattern`)."""
        return f"instr({column}, {needle}) > 0"

    @staticmethod
    def nocase(expression: str) -> str:
        return f"{expression} COLLATE NOCASE"

    @staticmethod
    def tag_names() -> str:
        return (
            "(SELECT group_concat(name, ', ') FROM (SELECT g.name FROM annotation_tags y "
            "JOIN tags g ON g.id = y.tag_id WHERE y.annotation_id = a.id "
            "ORDER BY g.position, g.id))"
        )

    @staticmethod
    def all_fields(alias: str) -> str:
        return f"json_extract({alias}.fields, '$')"

    @staticmethod
    def id_list(mark: str) -> str:
        """A subquery of the ids in the JSON array given as the parameter `mark`."""
        return f"SELECT value FROM json_each({mark})"


# Combining marks (Latin, Cyrillic, Hebrew, Arabic and the general blocks) and tatweel: what
# `fold` drops after NFKD.
_MARKS = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8"
    "\u06ea-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


class PostgresTable(SQLiteTable):
    """The same, as PostgreSQL writes it (the JSON columns hold JSON text: model.StoredJSON)."""

    true = "TRUE"
    no_limit = "ALL"
    # the same folded copies and sort text (migration 0007, folded by the application), but
    # no trigram index (pg_trgm is not assumed): the free-text filter scans the folded copies
    trigram_index = False
    index_id = "id"
    folds_in_python = False

    @staticmethod
    def mark(name: str) -> str:
        return f"%({name})s"

    @staticmethod
    def field(alias: str, name_mark: str, kind: str) -> str:
        value = f"({alias}.fields::jsonb -> {name_mark})"
        if kind == "number":
            return f"(CASE WHEN jsonb_typeof({value}) = 'number' THEN ({value})::numeric END)"
        return f"(CASE WHEN jsonb_typeof({value}) = 'string' THEN {value} #>> '{{}}' END)"

    @staticmethod
    def field_path(name: str) -> str:
        return name

    @staticmethod
    def folded(expression: str) -> str:
        return f"lower(regexp_replace(normalize({expression}, NFKD), '{_MARKS}', '', 'g'))"

    @staticmethod
    def contains(haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle}) > 0"

    @staticmethod
    def holds(column: str, needle: str, pattern: str) -> str:
        # LIKE, not strpos: PostgreSQL estimates how many rows a LIKE keeps from the column's
        # statistics (strpos: a third, whatever the needle), and so does not read a whole
        # sorted index to find the first page of a needle that few rows hold
        return f"{column} LIKE {pattern} ESCAPE '\\'"

    @staticmethod
    def nocase(expression: str) -> str:
        return f"lower({expression})"

    @staticmethod
    def tag_names() -> str:
        return (
            "(SELECT string_agg(g.name, ', ' ORDER BY g.position, g.id) FROM annotation_tags y "
            "JOIN tags g ON g.id = y.tag_id WHERE y.annotation_id = a.id)"
        )

    @staticmethod
    def all_fields(alias: str) -> str:
        return f"{alias}.fields"

    @staticmethod
    def id_list(mark: str) -> str:
        return f"SELECT value::bigint FROM json_array_elements_text(CAST({mark} AS json))"


def table_sql(connection: Connection) -> type[SQLiteTable]:
    """The SQL of `connection`'s back end."""
    return PostgresTable if connection.dialect.name == "postgresql" else SQLiteTable


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching text that contains `needle` literally."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
