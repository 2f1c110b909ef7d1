"""Plain-text briefings for tests: the NewDocument fields a test does not care about, filled in."""

from __future__ import annotations

from collections.abc import Sequence

from annotator.core import ops
from annotator.core.store import Store

Units = Sequence[tuple[int, int, str]]


def text_document(
    text: str, units: Units, *, title: str = "T", source: str = "t.txt"
) -> ops.NewDocument:
    """An undated English .txt briefing with these units."""
    return ops.NewDocument(
        text=text,
        title=title,
        issuer=None,
        published=None,
        date_certainty="none",
        date_note=None,
        language="en",
        source_name=source,
        source_format="txt",
        units=list(units),
    )


def add_text_document(
    store: Store,
    text: str,
    units: Units,
    *,
    title: str = "T",
    source: str = "t.txt",
    allow_duplicate: bool = False,
) -> int:
    """Stores `text_document(...)`; its id."""
    changes = ops.add_document(
        store,
        text_document(text, units, title=title, source=source),
        allow_duplicate=allow_duplicate,
    )
    assert changes.created_id is not None
    return changes.created_id
