"""Times as the database stores them and as the exports write them.

Stored (model.UTCDateTime): ISO 8601 in UTC with microseconds and "+00:00", e.g.
"2025-01-15T10:00:00.000000+00:00". Exported (xsd:dateTime): UTC with "Z", microseconds only
when there are some, e.g. "2025-01-15T10:00:00Z" or "2025-01-15T10:00:00.123456Z".
"""

from __future__ import annotations

import datetime as dt

from annotator.core.errors import DatabaseDamaged

DAMAGED_HINT = "the database is damaged; `annotator check` lists what cannot be read"


def parse_stored_time(text: str) -> dt.datetime:
    """A stored time back to an aware datetime (a time without offset is taken as UTC).

    DatabaseDamaged if the text is not a time.
    """
    try:
        parsed = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise DatabaseDamaged(f"a stored time cannot be read ({text!r}): {DAMAGED_HINT}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def is_time_text(text: object) -> bool:
    """Whether `text` reads as a stored time (for checks)."""
    try:
        dt.datetime.fromisoformat(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def stored_time_text(value: dt.datetime) -> str:
    """An aware time as `UTCDateTime` stores it; ValueError if naive."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an aware UTC time is required")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def iso_utc(value: dt.datetime) -> str:
    """`2025-01-15T10:00:00Z` (or `...:00.123456Z`): xsd:dateTime in UTC."""
    if value.tzinfo is not dt.UTC:
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    # isoformat() shows microseconds only when there are some, and ends in "+00:00" here.
    return value.isoformat()[:-6] + "Z"


def is_canonical(stored: str) -> bool:
    """Whether `stored` has exactly the form UTCDateTime writes (see iso_z)."""
    return (
        len(stored) == 32 and stored[10] == "T" and stored[19] == "."
        and stored.endswith("+00:00")
    )


def iso_z(stored: str) -> str:
    """A stored time in the export form: the same text as iso_utc(parse_stored_time(stored)).

    Times in the canonical stored form are rewritten as text (the hot path of the fast
    exports; `dataset.load_rows` does the same in SQL); anything else is parsed and converted.
    """
    if is_canonical(stored):
        if stored.endswith(".000000+00:00"):
            return stored[:19] + "Z"
        return stored[:26] + "Z"
    return iso_utc(parse_stored_time(stored))
