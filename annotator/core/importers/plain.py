"""Plain text (.txt): kept as it is, except markdown-style links left over from web pages."""

from __future__ import annotations

import re

from annotator.core.importers.document import Converted

# `![alt](src)` -> alt and `[text](url)` -> text; the url may hold one level of parentheses
# (Wikipedia-style). Both parts are bounded and exclude their own delimiters, so a line full of
# "[" or "(" is scanned in linear time.
_LINK = re.compile(r"!?\[([^\[\]\n]{0,1000})\]\((?:[^()\n]|\([^()\n]{0,500}\)){0,2000}\)")


def strip_links(text: str) -> str:
    """Replace markdown links `[text](url)` by `text` and images `![alt](src)` by `alt`."""
    if "](" not in text:
        return text
    return _LINK.sub(r"\1", text)


def convert_plain(text: str) -> Converted:
    """Clean decoded plain text: only links change; lines, bullets and spaces stay."""
    return Converted(strip_links(text))
