"""The review's words: statuses, decisions, unit states and the adjudicated layer's author.

Plain constants, apart from the data types of `facts` (which re-exports them): the window
builds its menus from them before anything else of the review is imported (issue 15).
"""

from __future__ import annotations

ADJUDICATED_PREFIX = "adjudicated by "
STATUSES = ("draft", "submitted", "accepted", "rejected")
DECISIONS = ("accept_author", "union", "reject_all", "edit")

AGREE, PARTIAL, DIFFER, FIELD, UNTAGGED = "agree", "partial", "differ", "field", "untagged"
STATES = (AGREE, PARTIAL, DIFFER, FIELD, UNTAGGED)
DISAGREEMENTS = frozenset({PARTIAL, DIFFER, FIELD})
STATE_LABELS = {
    AGREE: "all agree",
    PARTIAL: "only some tagged it",
    DIFFER: "tags differ",
    FIELD: "fields differ",
    UNTAGGED: "nobody tagged it",
}


def adjudicated_author(reviewer: str) -> str:
    """The author name of a reviewer's adjudicated layer."""
    return f"{ADJUDICATED_PREFIX}{reviewer}"


def is_adjudicated(author: str) -> bool:
    return author.startswith(ADJUDICATED_PREFIX)
