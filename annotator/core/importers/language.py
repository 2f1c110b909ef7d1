"""Guessing a document's language: writing system first, then common function words."""

from __future__ import annotations

import re
from collections import Counter

_SAMPLE_CHARS = 20000
_MIN_LETTERS = 40
_MIN_CJK = 12  # a CJK character carries about a word
_MIN_STOPWORD_HITS = 4

# (first code point, last code point, script) for scripts that name one language or a family.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "latin"),
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x097F, "hi"),
    (0x0E00, 0x0E7F, "th"),
    (0x1100, 0x11FF, "ko"),
    (0x3040, 0x30FF, "ja"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "ko"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
)
_PERSIAN_LETTERS = frozenset("پچژگکی")
_URDU_LETTERS = frozenset("ٹڈڑںےھ")
_UKRAINIAN_LETTERS = frozenset("іїєґІЇЄҐ")

# Frequent function words. Words shared by several languages ("de", "la", "a") count for each;
# the distinctive ones decide.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "the", "a", "and", "of", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on",
        "are", "by", "this", "be", "from", "have", "has", "which", "will", "not", "or", "its",
        "were", "their", "they", "an", "at", "been", "would", "who"
    }),
    "fr": frozenset({
        "le", "la", "les", "des", "du", "et", "est", "une", "un", "dans", "que", "qui", "pour",
        "pas", "sur", "au", "aux", "ce", "cette", "sont", "avec", "par", "nous", "vous", "ont",
        "été", "leur", "ses", "mais", "comme", "plus"
    }),
    "es": frozenset({
        "el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "por", "con",
        "para", "no", "se", "su", "al", "lo", "como", "más", "pero", "sus", "ha", "este", "esta",
        "fue"
    }),
    "de": frozenset({
        "der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "dem", "ein", "eine", "zu",
        "auf", "für", "sich", "des", "im", "auch", "es", "wird", "werden", "sind", "wurde", "nach",
        "bei"
    }),
    "id": frozenset({
        "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "ini", "itu", "dalam", "tidak",
        "akan", "pada", "adalah", "juga", "oleh", "atau", "telah", "kepada", "para", "mereka",
        "bahwa", "seorang", "dapat", "supaya"
    }),
    "pt": frozenset({
        "o", "os", "a", "as", "do", "da", "dos", "das", "e", "que", "em", "um", "uma", "não",
        "para", "com", "por", "no", "na", "é", "ao", "se", "mais", "foi", "pelo", "pela"
    }),
    "it": frozenset({
        "il", "lo", "gli", "la", "le", "di", "del", "della", "che", "e", "è", "un", "una", "per",
        "non", "con", "sono", "nel", "alla", "al", "dei", "delle", "anche", "questo", "ha"
    }),
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def _script_counts(sample: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in sample:
        if ch.isalpha() and (script := script_of(ch)) is not None:
            counts[script] += 1
    return counts


def _refine_script(script: str, sample: str) -> str | None:
    if script == "arabic":
        letters = [ch for ch in sample if "\u0600" <= ch <= "\u06ff"]
        urdu = sum(ch in _URDU_LETTERS for ch in letters)
        persian = sum(ch in _PERSIAN_LETTERS for ch in letters)
        if urdu > len(letters) * 0.01:
            return "ur"
        return "fa" if persian > len(letters) * 0.02 else "ar"
    if script == "cyrillic":
        return "uk" if any(ch in _UKRAINIAN_LETTERS for ch in sample) else "ru"
    return script


def _by_stopwords(sample: str) -> str | None:
    words = Counter(word.lower() for word in _WORD.findall(sample))
    scores = {
        language: sum(count for word, count in words.items() if word in stopwords)
        for language, stopwords in _STOPWORDS.items()
    }
    best = max(scores, key=lambda language: scores[language])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < _MIN_STOPWORD_HITS or ranked[0] == ranked[1]:
        return None
    return best


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when there is too little text."""
    sample = text[:_SAMPLE_CHARS]
    counts = _script_counts(sample)
    total = sum(counts.values())
    cjk = counts["ja"] + counts["han"]
    if cjk * 2 > total and cjk >= _MIN_CJK:
        # Japanese mixes kana with kanji; Chinese has no kana.
        return "ja" if counts["ja"] * 20 > cjk else "zh"
    if total < _MIN_LETTERS:
        return None
    script, count = counts.most_common(1)[0]
    if script != "latin" and count * 2 > total:
        return _refine_script(script, sample)
    return _by_stopwords(sample)


# Deprecated ISO 639 codes still seen in lang attributes.
_OLD_CODES = {"iw": "he", "in": "id", "ji": "yi"}


def normalise_language_tag(tag: str | None) -> str | None:
    """ISO 639-1 code from a language tag such as 'fr-FR' or 'en_US'; None if not one."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    if len(primary) != 2 or not primary.isascii() or not primary.isalpha():
        return None
    return _OLD_CODES.get(primary, primary)


def script_of(ch: str) -> str | None:
    """The writing system of one letter ('latin', 'cyrillic', 'arabic', 'han'...), or None."""
    code = ord(ch)
    for first, last, script in _SCRIPT_RANGES:
        if first <= code <= last:
            return script
    return None
