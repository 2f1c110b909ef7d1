"""Judging the metadata a file declares about itself (PDF info, DOCX core properties).

Office tools fill these fields automatically, so many hold a file name, a template title or a
login name rather than anything an analyst would call a title or an author.
"""

from __future__ import annotations

import re

_OFFICE_PREFIX = re.compile(r"(?:microsoft\s+)?(?:word|powerpoint|excel)\s*-\s*", re.I)
_FILE_EXTENSION = re.compile(
    r"\.(?:docx?|dotx?|pdf|txt|rtf|odt|pptx?|xlsx?|indd|qxd|html?|tex|ps)$", re.I
)
_PLACEHOLDER_TITLE = re.compile(
    r"(?:untitled(?: document)?|document|title|presentation|powerpoint presentation|slide|"
    r"page|draft|template|normal|word document|blank)[\s_-]*\d*",
    re.I,
)
_ACCOUNT_NAME = re.compile(
    r"(?:administrator|admin|user|owner|windows user|microsoft office user|office user|"
    r"unknown|author|authorised user|authorized user|valued customer|guest)",
    re.I,
)


def real_title(value: str | None) -> str | None:
    """`value` tidied when it reads like a title, else None (empty, oversized, a file name,
    an office placeholder such as "Document1"). "Microsoft Word - Iran Outlook.docx" gives
    "Iran Outlook"."""
    if not value:
        return None
    title = " ".join(value.split())
    title = _OFFICE_PREFIX.sub("", title, count=1) if _OFFICE_PREFIX.match(title) else title
    title = _FILE_EXTENSION.sub("", title).strip(" -_")
    if not 3 <= len(title) <= 200 or not any(ch.isalpha() for ch in title):
        return None
    if _PLACEHOLDER_TITLE.fullmatch(title) or "\\" in title or "/" in title:
        return None
    if " " not in title:
        return None  # a file stem or a single word ("Final_Report_v3", "Memo")
    return title


def looks_like_name(value: str | None) -> bool:
    """Whether an author field holds a person's or an organisation's name, not a login."""
    if not value or not 3 <= len(value) <= 100 or _ACCOUNT_NAME.fullmatch(value.strip()):
        return False
    words = value.split()
    return len(words) >= 2 and all(any(ch.isalpha() for ch in word) for word in words[:2])
