"""Guessing title, issuer, date and language from cleaned text (all editable by the analyst).

Everything here is generic: boilerplate, organisation names and titles are recognised by
their shape (organisation nouns, capitalisation, position, blank lines around), never by a
list of known issuers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from annotator.core.importers.dates import guess_date, is_date_line
from annotator.core.importers.document import DocumentMetadata
from annotator.core.importers.language import guess_language, script_of

_HEAD_CHARS = 8000
_HEAD_LINES = 40
_TAIL_CHARS = 3000
_PHRASE_LINES = 3
_MAX_TITLE = 200
_MIN_TITLE_SCORE = -1.0

_BOILERPLATE = re.compile(
    r"(?:skip(?:\s+links?|\s+to\s+(?:main\s+)?content|\s+navigation)?|subscribe(?:\s+now)?|"
    r"sign\s+(?:up|in)|log\s*in|rss(?:\s+feeds?)?|share(?:\s+this(?:\s+page)?)?|print(?:\s+this"
    r"(?:\s+page)?)?|e-?mail|menu|search|home|back\s+to\s+top|read\s+more|related|contact\s+us|"
    r"follow\s+us|bookmark(?:\s+and\s+share)?|press\s+(?:release|statement|briefing)s?|"
    r"(?:for\s+)?immediate\s+release|media\s+advisory|pour\s+diffusion\s+imm[ée]diate|"
    r"communiqu[ée]\s+de\s+presse|untuk\s+segera\s+dirilis|للنشر\s+الفوري|"
    r"here'?s\s+how\s+you\s+know|official\s+websites?\s+use\s+\.gov|"
    r"secure\s+\.gov\s+websites?\s+use\s+https)[\s.:!]*",
    re.I,
)
_BANNER = re.compile(
    r"an official website of|\.gov website|https?://|www\.|\S@\S|all rights reserved|"
    r"copyright|©|cookies|javascript|you are in:|\b(?:photo|foto|image|credit|crédit)s?\s*:|"
    r"\((?:photo|foto|image|file photo)\b",
    re.I,
)
_SYMBOL = re.compile(r"(?=\S*\d)[A-Z]{1,6}(?:[/-][A-Z0-9.]{1,12}){1,4}")  # SC/8215, A/RES/60/1
_BULLET = re.compile(r"(?:[-*•·–—▪►○●]|\d{1,3}[.)])\s")
_NAV = re.compile(r" \| | > | » |\t")
_GLUED = re.compile(r"[a-z][A-Z]")
_STATED_TITLE = re.compile(
    r"\b(?:entitled|titled|intitulée?|berjudul|titulado)\s+['\"“‘«]\s*(?P<title>[^'\"”’»\n]{3,200})"
    r"['\"”’»]",
    re.I,
)
_REPORT_TITLE = re.compile(
    r"\b(?:report|statement|testimony|study|assessment|paper|brief),\s+"
    r"(?P<title>[A-Z][^\n]{5,200}?)\.?\s*$"
)
_COPYRIGHT = re.compile(
    r"(?:copyright|©|\(c\)(?=\s*\d{4}))(?:\s*©)?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*(?:by\s+)?"
    r"(?P<org>[^,\n|]{3,80}?)(?:\s*[,|]|\s+all\s+rights|\s*\.?\s*$)",
    re.I | re.M,
)

_ORG_NOUNS = frozenset({
    "Department", "Agency", "Office", "Council", "Center", "Centre", "Ministry", "Bureau",
    "Commission", "Institute", "Institution", "Service", "Services", "House", "Committee",
    "Administration", "Authority", "Organization", "Organisation", "Foundation", "Corporation",
    "Command", "Directorate", "Secretariat", "Embassy", "Mission", "Court", "Tribunal",
    "Parliament", "Assembly", "Government", "Union", "Association", "Board", "Nations", "Maison",
    "Ministère", "Conseil", "Département", "Agence", "Institut", "Direction", "Secrétariat",
    "Ambassade", "Présidence", "Gouvernement", "Assemblée", "Cour", "Ministerio", "Departamento",
    "Oficina", "Consejo", "Comisión", "Agencia", "Instituto", "Secretaría", "Embajada", "Gobierno",
    "Casa", "Presidencia", "Ministerium", "Regierung", "Amt", "Behörde", "Kommission",
    "Bundesregierung", "Ministério", "Ministero", "Conselho", "Consiglio", "Agência", "Agenzia",
    "Governo", "Kementerian", "Kejaksaan", "Pengadilan", "Kantor", "Badan", "Dinas", "Lembaga",
    "Komisi", "Kepolisian", "Kedutaan", "Mahkamah", "Dewan", "Istana", "Sekretariat", "Direktorat"
})  # fmt: skip
# Arabic organisation nouns, without the article and in folded spelling (plain alef).
_ARABIC_ORG_NOUNS = frozenset({
    "بيت", "مكتب", "وزاره", "مجلس", "وكاله", "هيئه", "اداره", "مركز", "سفاره", "رئاسه", "حكومه",
    "ديوان", "منظمه", "لجنه", "محكمه"
})  # fmt: skip
_CONNECTORS = frozenset({
    "of", "for", "the", "and", "on", "&", "de", "du", "des", "la", "le", "les", "d'", "l'", "et",
    "pour", "der", "die", "das", "für", "und", "von", "del", "y", "para", "e", "do", "da", "dos",
    "della", "per", "dan", "untuk"
})  # fmt: skip


@dataclass(frozen=True)
class _Line:
    text: str
    index: int  # among non-empty lines
    blank_before: bool
    blank_after: bool
    next_text: str  # the line right after, "" when blank or none


def _head_lines(text: str) -> list[_Line]:
    raw = [line.strip() for line in text[:_HEAD_CHARS].split("\n")]
    lines: list[_Line] = []
    for position, line in enumerate(raw):
        if not line:
            continue
        before = raw[position - 1] if position else ""
        after = raw[position + 1] if position + 1 < len(raw) else ""
        lines.append(
            _Line(
                line,
                len(lines),
                not before or is_date_line(before),
                not after or is_date_line(after),
                after,
            )
        )
        if len(lines) >= _HEAD_LINES:
            break
    return lines


def _is_furniture(line: str) -> bool:
    """Banners, navigation, labels, symbols, captions, separators: never title or issuer."""
    if _BOILERPLATE.fullmatch(line) or _BANNER.search(line) or _SYMBOL.fullmatch(line):
        return True
    if not any(ch.isalpha() for ch in line) or _NAV.search(line):
        return True
    if len(_GLUED.findall(line)) >= 2:
        return True  # words glued together by a flattened menu: "HomeHot Topics..."
    scripts = {script_of(ch) for ch in line if ch.isalpha()}
    return len(scripts - {None}) >= 3  # a language switcher


def _tokens(line: str) -> list[str]:
    return line.split()


def _bare(token: str) -> str:
    return token.strip("\"'“”‘’()[]{}:;,.!?")


def _is_capitalised(token: str) -> bool:
    bare = _bare(token)
    return bool(bare) and (bare[0].isupper() or bare.startswith("U.S"))


def _has_org_noun(token: str) -> bool:
    return any(part in _ORG_NOUNS for part in _bare(token).split("-"))


def _fold_arabic(word: str) -> str:
    word = "".join(
        ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
    )
    word = word.replace("ة", "ه").replace("ى", "ي")
    return word.removeprefix("ال")


def _org_line(line: str) -> str | None:
    """`line` itself when the whole line is an organisation name, else None."""
    text = line.rstrip(":,. ")
    tokens = _tokens(text)
    if not 2 <= len(tokens) <= 10 or any(ch in text for ch in ",;!?"):
        return None
    if script_of(next((ch for ch in text if ch.isalpha()), "a")) == "arabic":
        return text if len(tokens) <= 6 and _fold_arabic(tokens[0]) in _ARABIC_ORG_NOUNS else None
    if not any(_has_org_noun(token) for token in tokens):
        return None
    if all(_is_capitalised(t) or t.lower() in _CONNECTORS for t in tokens):
        return text
    # Head-initial names keep lower-case words: "Bureau du porte-parole".
    if _has_org_noun(tokens[0]) and len(tokens) <= 6 and text[-1:].isalpha():
        return text
    return None


def _ends_name(token: str) -> bool:
    """A token ending in punctuation closes a name ("Agency," "Agency."), unlike "U.S."."""
    if token[-1:] in ",:;!?":
        return True
    return token.endswith(".") and len(token) > 4 and "." not in token[:-1]


def _org_phrase(line: str) -> str | None:
    """The first organisation name inside a line: 'Defense Intelligence Agency' in a sentence."""
    run: list[str] = []
    for token in [*_tokens(line), ""]:
        in_name = bool(token) and not any(ch.isdigit() for ch in token)
        in_name = in_name and (_is_capitalised(token) or (bool(run) and token in _CONNECTORS))
        if in_name:
            run.append(_bare(token) if _ends_name(token) else token)
            if not _ends_name(token):
                continue
        phrase = _trim_phrase(run)
        if phrase:
            return phrase
        run = []
    return None


def _trim_phrase(run: list[str]) -> str | None:
    nouns = [i for i, token in enumerate(run) if _has_org_noun(token)]
    if not nouns:
        return None
    if nouns[0] == 0:
        end = len(run)  # "Kejaksaan Agung Amerika", "Office of the Press Secretary"
    else:
        end = nouns[-1] + 1
        # "Department of State": a connector after the noun introduces the rest of the name.
        if end < len(run) and run[end].lower() in _CONNECTORS - {"and", "&", "et", "und", "y"}:
            end = len(run)
    words = run[:end]
    while words and words[-1].lower() in _CONNECTORS:
        words.pop()
    return " ".join(words) if len(words) >= 2 else None


def guess_issuer(text: str) -> str | None:
    """An organisation named in a line of its own near the top, a copyright line, or the
    first lines' text; None when nothing looks like one."""
    lines = [line for line in _head_lines(text) if not _is_furniture(line.text)]
    for line in lines:
        if len(line.text) <= 120 and (name := _org_line(line.text)):
            return name
    for region in (text[:_TAIL_CHARS], text[-_TAIL_CHARS:]):
        for match in _COPYRIGHT.finditer(region):
            org = match.group("org").strip(" .")
            if any(ch.isupper() for ch in org[:1]) and not org.isdigit():
                return org
    for line in lines[:_PHRASE_LINES]:
        if len(line.text) <= 250 and not line.text.isupper() and (name := _org_phrase(line.text)):
            return name
    return None


def _stated_title(lines: list[_Line]) -> str | None:
    """A title the text names outright: "... entitled 'X' ..." or "... the report, X."."""
    opening = " ".join(line.text for line in lines[:3])
    if match := _STATED_TITLE.search(opening):
        return match.group("title").strip()
    if lines and (match := _REPORT_TITLE.search(lines[0].text)):
        return match.group("title").strip()
    return None


def _title_score(line: _Line) -> float | None:
    text = line.text
    if not 3 <= len(text) <= _MAX_TITLE or _BULLET.match(text) or is_date_line(text):
        return None
    if text[0].islower() or text.endswith((",", ";")) or text.lower().startswith("by "):
        return None
    words = text.split()
    letters = [ch for ch in text if ch.isalpha()]
    score = -0.1 * line.index
    if line.blank_before and line.blank_after:
        score += 3
    if len(words) >= 2 and len(letters) >= 4 and all(not ch.islower() for ch in letters):
        score += 3
    content = [word for word in words if word.lower() not in _CONNECTORS and len(word) > 3]
    if content and sum(_is_capitalised(word) for word in content) >= 0.6 * len(content):
        score += 2
    elif len(words) > 8:
        score -= 4  # a run of ordinary words: a sentence or a fragment of one
    if text.endswith((".", "!", "?")) and len(words) > 4:
        score -= 4
    if text.endswith(":"):
        score -= 1
    if line.next_text[:1].islower():
        score -= 4  # the first line of a hard-wrapped paragraph
    if len(words) < 2:
        score -= 2
    return score


def guess_title(text: str, issuer: str | None = None) -> str | None:
    """The first substantive, non-boilerplate line that looks like a title; None if none."""
    lines = _head_lines(text)
    stated = _stated_title(lines)
    if stated:
        return stated
    best: tuple[float, str] | None = None
    for line in lines:
        if _is_furniture(line.text) or _org_line(line.text):
            continue
        if issuer and issuer in line.text and len(line.text.replace(issuer, "").split()) <= 1:
            continue
        score = _title_score(line)
        if score is not None and score > _MIN_TITLE_SCORE and (best is None or score > best[0]):
            best = (score, line.text)
    if best is None:
        return None
    return best[1].rstrip(":").strip() or None


def guess_metadata(text: str) -> DocumentMetadata:
    """Guess title, issuer, publication date and language from cleaned text.

    Nothing is invented: a date without a year or day is left empty and explained in
    `date_note`; fields that cannot be guessed are None.
    """
    language = guess_language(text)
    date = guess_date(text, language)
    issuer = guess_issuer(text)
    return DocumentMetadata(
        title=guess_title(text, issuer),
        issuer=issuer,
        published=date.published,
        date_certainty=date.certainty,
        date_note=date.note,
        language=language,
    )
