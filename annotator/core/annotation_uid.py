"""The stable id of an annotation across databases (`annotations.uid`, migration 0006).

Two databases (a laptop's file and the team database it syncs with) recognise the same
annotation by its uid, which a span move keeps. A row whose `uid` is NULL has the id derived
from what identified an annotation before 0006: its document's SHA-256, its span, its author and
its creation time (stored text, to the microsecond). Rows written before 0006, and the rows the
bulk paths write (imports, merges, bulk adds), are NULL: their uid is that derived one, the
same in every database that holds the annotation, without rewriting a row. A move writes the
derived uid first (`ops.set_span`), so the annotation keeps it; a sync writes the other side's
uid where it differs from the derived one (sync.py).

No Qt, no ORM: the migration and the sync both use it.
"""

from __future__ import annotations

import hashlib


def derived_uid(sha256: str, start: int, end: int, author: str, created: str) -> str:
    """The uid of an annotation whose `uid` is NULL: 32 hex digits of SHA-256 over its
    identity. `created` is the creation time as `ops.stored_time` writes it."""
    key = f"{sha256}\x1f{start}\x1f{end}\x1f{author}\x1f{created}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
