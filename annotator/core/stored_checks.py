"""What `annotator check` finds in the stored values themselves, in plain words.

Each function takes an open `sqlite3.Connection` to an Annotator database (read-only is enough:
they only read) and returns one line per finding, each at most one line long and never quoting
a document's text; an empty list when all is well.

- `rejected_field_values`: form field values the form would reject (judged by
  `fields.field_problems`, i.e. `fields.field_errors`, as the form and the imports judge them):
  left by an import made before imports checked them, or by a hand edit.
- `text_hash_mismatches`: documents whose text no longer gives their stored SHA-256 (the hash is
  taken of the text as UTF-8 when it is imported, `text.text_sha256`): a hand edit of the text,
  which breaks the matching of annotation files and colleagues' databases to the document.

Values that are not JSON at all, and broken references, are other checks' findings (see
`backup.check_database`) and are not repeated here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from annotator.core.fields import field_problems, field_specs
from annotator.core.text import text_sha256

HASH_SHOWN = 12  # hex digits of a hash shown in a line


def _shown(text: str, limit: int = 60) -> str:
    """`text` for a one-line message: cut after `limit` characters, invisible characters (line
    breaks, bidi controls...) written as escapes."""
    if len(text) > limit:
        text = text[:limit] + "\u2026"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def rejected_field_values(conn: sqlite3.Connection) -> list[str]:
    """Stored form field values the form would reject, one line each, by annotation.

    `annotation 7, tag claim, field "information_credibility": '9' is not one of 1, 2, 3, 4,
    5, 6`. Only tags with a form are judged: an extra tag (another tool's code) keeps whatever
    fields it has. A fields value that is JSON but not an object gives one line for the tag;
    one that is not JSON is left to the unreadable-values check.
    """
    found: list[str] = []
    # Most rows repeat a few combinations of values (choice codes): judge each text once.
    judged: dict[tuple[str, str], list[str]] = {}
    # Only the tags with a form are read; the fields as bytes, so that a value that is not UTF-8
    # (a hand edit) cannot stop the check.
    names = {
        tag_id: name
        for tag_id, name in conn.execute("SELECT id, name FROM tags")
        if isinstance(name, str) and field_specs(name)
    }
    if not names:
        return found
    marks = ", ".join("?" * len(names))
    rows = conn.execute(
        "SELECT at.annotation_id, at.tag_id, CAST(at.fields AS BLOB) FROM annotation_tags AS at "
        f"JOIN tags AS t ON t.id = at.tag_id WHERE at.tag_id IN ({marks}) "
        "ORDER BY at.annotation_id, t.position, t.id",
        tuple(names),
    )
    for annotation_id, tag_id, stored in rows:
        if stored is None:
            continue  # not JSON: the unreadable-values check reports it
        try:
            fields_text = bytes(stored).decode("utf-8")
        except UnicodeDecodeError:
            continue  # not JSON either
        tag = names[tag_id]
        key = (tag, fields_text)
        problems = judged.get(key)
        if problems is None:
            problems = judged[key] = _judge(tag, fields_text)
        found.extend(f"annotation {annotation_id}, tag {tag}{problem}" for problem in problems)
    return found


def _judge(tag: str, fields_text: str) -> list[str]:
    """The problems of one tag's stored fields, each as the end of a line (", field ...")."""
    try:
        values = json.loads(fields_text)
    except (ValueError, RecursionError):
        return []  # not JSON: the unreadable-values check reports it
    if not isinstance(values, dict):
        return [f": the form fields are not a JSON object (found {_kind(values)})"]
    return [
        f', field "{_shown(name, 40)}": {reason}'
        for name, reason in field_problems(tag, values).items()
    ]


def text_hash_mismatches(conn: sqlite3.Connection) -> list[str]:
    """Documents whose stored text no longer matches their stored SHA-256, one line each.

    `document 3 ("Exports brief"): its text no longer matches its stored SHA-256 (stored
    1a2b3c4d5e6f…, the text gives 9f8e7d6c5b4a…)`: the title and the start of each hash, never
    the text.
    """
    found: list[str] = []
    # The text is read as the bytes SQLite keeps (UTF-8 in an Annotator database): hashing them
    # is `text_sha256` of the text, and a text that is not valid UTF-8 (a hand edit) is hashed
    # and reported instead of stopping the check.
    utf8 = str(conn.execute("PRAGMA encoding").fetchone()[0]).upper() == "UTF-8"
    blob = "CAST(text AS BLOB)" if utf8 else "text"
    for document_id, title, stored, text, kind in conn.execute(
        f"SELECT id, CAST(title AS BLOB), CAST(sha256 AS BLOB), {blob}, typeof(text) "
        "FROM documents ORDER BY id"
    ):
        title = bytes(title).decode("utf-8", "replace") if title is not None else ""
        stored = bytes(stored).decode("utf-8", "replace") if stored is not None else None
        name = f'document {document_id} ("{_shown(title)}")' if title else f"document {document_id}"
        if kind != "text":
            found.append(f"{name}: its text is missing or not stored as text")
            continue
        actual = hashlib.sha256(bytes(text)).hexdigest() if utf8 else text_sha256(text)
        if stored == actual:
            continue
        if not isinstance(stored, str) or not stored:
            found.append(f"{name}: no SHA-256 is stored for its text")
            continue
        found.append(
            f"{name}: its text no longer matches its stored SHA-256 (stored "
            f"{_shown(stored, HASH_SHOWN)}, the text gives {actual[:HASH_SHOWN]}\u2026)"
        )
    return found
