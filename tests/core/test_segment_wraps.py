"""Sentence units of hard-wrapped letters, asides with abbreviations and emoji-led sentences.

The three failure classes of the held-out briefings (issue 15) and their neighbours, in texts
written for these tests: a wrap must decide nothing by itself, whatever the line ends on.
"""

from __future__ import annotations

import random
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.segment import UnitKind, segment
from annotator.core.segment_ends import ONE_PICTOGRAPH
from tests.growth import Repeat, assert_linear


def texts(text: str) -> list[str]:
    return [text[u.start : u.end] for u in segment(text)]


def flat(text: str) -> list[str]:
    """Units with their line breaks and runs of spaces made single spaces."""
    return [" ".join(text[u.start : u.end].split()) for u in segment(text)]


def _nonspace_ends(text: str) -> list[int]:
    """Where units end, counted in non-space characters: the same on any wrap of a text."""
    return [len("".join(text[: u.end].split())) for u in segment(text)]


def ragged_fill(text: str, width: int, seed: int) -> str:
    """Greedy wrap with each line's limit drawn from [0.8 * width, width] (proportional type)."""
    rng = random.Random(seed)
    lines: list[str] = []
    current = ""
    limit = rng.randint(int(width * 0.8), width)
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current, limit = word, rng.randint(int(width * 0.8), width)
        else:
            current = f"{current} {word}" if current else word
    return "\n".join([*lines, current])


# --- a hard-wrapped letter -------------------------------------------------------------------

LETTER_BODY = [
    [
        "I write on behalf of my Government about the seizure of the fishing vessel Tana Star "
        "(IMO No. 9421871) on 3 March 2024, approx. 40 nautical miles off Kismayo.",
        "The master, Capt. J. K. Mwangi, and 14 crew members remain in custody.",
        "Their families have had no news since 12 March.",
    ],
    [
        "The vessel is registered under Law No. 14 of 2019 and insured by the Govt. of Norway.",
        "Lt. Col. A. M. Osei of the U.N. Office in Nairobi met the families at 10 a.m. on "
        "Tuesday (see Annex I and Annex II).",
        "We ask that this letter be circulated as a document of the Security Council.",
    ],
    ["Please accept, Excellency, the assurances of my highest consideration."],
]
LETTER_HEAD = ["Permanent Mission of Kenya", "New York, 18 March 2024", "Dear Minister,"]
LETTER_CLOSE = ["Yours sincerely,", "Martin K. Otieno", "Ambassador and Permanent Representative"]


def _letter(width: int, blank_lines: bool, seed: int | None = None) -> str:
    gap = "\n\n" if blank_lines else "\n"
    paragraphs = [" ".join(sentences) for sentences in LETTER_BODY]
    body = gap.join(
        textwrap.fill(p, width) if seed is None else ragged_fill(p, width, seed) for p in paragraphs
    )
    return gap.join(["\n".join(LETTER_HEAD[:2]), LETTER_HEAD[2], body, LETTER_CLOSE[0]]) + (
        "\n\n" + "\n".join(LETTER_CLOSE[1:]) + "\n"
    )


LETTER_UNITS = [*LETTER_HEAD, *(s for p in LETTER_BODY for s in p), *LETTER_CLOSE]


@pytest.mark.parametrize("blank_lines", [True, False], ids=["blank-lines", "no-blank-lines"])
@pytest.mark.parametrize("width", [50, 55, 60, 64, 66, 68, 70, 72, 76, 80])
def test_hard_wrapped_letter_keeps_formulas_and_sentences(width: int, blank_lines: bool) -> None:
    # Lines end on "No.", "approx.", "Capt.", initials, "Law", "Annex" and numbers at some width.
    assert flat(_letter(width, blank_lines)) == LETTER_UNITS


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("width", [50, 56, 60, 68, 72, 74])
def test_ragged_hard_wrapped_letter(width: int, seed: int) -> None:
    assert flat(_letter(width, True, seed)) == LETTER_UNITS


LETTER_SENTENCES = [
    "I have the honour to refer to the letter of 14 March 2024 from the Permanent "
    "Representative of Somalia concerning the seizure of the MV Tana Star.",
    "My Government rejects the allegations it contains.",
]


@pytest.mark.parametrize(
    ("salutation", "close"),
    [
        ("Excellency,", "With highest consideration,"),
        ("Your Excellency,", "Faithfully,"),
        ("Sir,", "Very respectfully,"),
        ("Mr. President,", "Highest regards,"),
        ("Colleagues,", "Warmly,"),
        ("Dear Dr. Farah,", "Yours faithfully,"),
        ("Monsieur le Président,", "Hormat kami,"),
    ],
)
def test_salutation_and_close_without_blank_lines(salutation: str, close: str) -> None:
    body = textwrap.fill(" ".join(LETTER_SENTENCES), 66)
    text = f"{salutation}\n{body}\n{close}\nMartin K. Otieno\nAmbassador"
    assert flat(text) == [salutation, *LETTER_SENTENCES, close, "Martin K. Otieno", "Ambassador"]


@pytest.mark.parametrize(
    "dateline", ["New York, 18 March 2024", "Paris, le 18 mars 2024", "Jakarta, 18 Maret 2024"]
)
def test_dateline_under_a_letterhead_is_a_unit(dateline: str) -> None:
    head = "Permanent Mission to the United Nations"
    body = textwrap.fill(" ".join(LETTER_SENTENCES), 40)  # wrapped about as wide as the head
    text = f"{head}\n{dateline}\n\nExcellency,\n\n{body}\n"
    assert flat(text) == [head, dateline, "Excellency,", *LETTER_SENTENCES]
    assert [u.kind for u in segment(text)][1] is UnitKind.DATE


def test_hyphenated_initials_do_not_end_the_sentence() -> None:
    text = "Le capitaine, M. J.-P.\nMartin, n'a pu joindre sa famille. Il est retenu à Kismayo."
    assert flat(text) == [
        "Le capitaine, M. J.-P. Martin, n'a pu joindre sa famille.",
        "Il est retenu à Kismayo.",
    ]


def test_letter_salutation_and_close_kinds() -> None:
    units = {text[u.start : u.end]: u.kind for text in [_letter(66, True)] for u in segment(text)}
    assert units["Dear Minister,"] is not UnitKind.SKIPPED
    assert units["Yours sincerely,"] is not UnitKind.SKIPPED


def test_wrapped_line_opening_with_no_and_a_number_goes_on_the_sentence() -> None:
    text = (
        "The second issue concerns vessels registered under Law\n"
        "No. 14 of 2019. A total of 1,250 tonnes were unloaded at Berth No.\n"
        "7. Mr. Osei asked whether the crews had been told."
    )
    assert flat(text) == [
        "The second issue concerns vessels registered under Law No. 14 of 2019.",
        "A total of 1,250 tonnes were unloaded at Berth No. 7.",
        "Mr. Osei asked whether the crews had been told.",
    ]


def test_wrapped_line_inside_an_open_bracket_goes_on() -> None:
    text = (
        "The relevant documents are attached to this note (see Annex\n"
        "I and Annex II). The note was sent on Monday."
    )
    assert flat(text) == [
        "The relevant documents are attached to this note (see Annex I and Annex II).",
        "The note was sent on Monday.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a title without its period at a line's end: the name follows
            "Le ministre a reçu M. Dupont et Mme\nMartin à Paris. La réunion a duré une heure.",
            ["Le ministre a reçu M. Dupont et Mme Martin à Paris.", "La réunion a duré une heure."],
        ),
        (  # a short line of prose before a long word is a wrap
            "We expect a reply from the Office\nof the U.S. Trade\nRepresentative by the end of"
            " the\nmonth. Talks resume in June.",
            [
                "We expect a reply from the Office of the U.S. Trade Representative by the end"
                " of the month.",
                "Talks resume in June.",
            ],
        ),
        (  # every line opens with a capital; the line ending on "Dr." shows the wrap width
            "🔴 Dua kapal tanker diserang di Laut\nMerah. Menteri Luar Negeri bertemu Dr.\n"
            "Ahmad di Jakarta pada Senin (16/9).",
            [
                "🔴 Dua kapal tanker diserang di Laut Merah.",
                "Menteri Luar Negeri bertemu Dr. Ahmad di Jakarta pada Senin (16/9).",
            ],
        ),
        (  # Arabic (no case) wrapped at 43 columns: the wrap width shows where sentences go on
            "وقال المتحدث إن المحادثات ستستأنف\nالأسبوع المقبل. ⚠️ يجب على السفن تجنب\n"
            "المضيق. أعلنت وزارة الخارجية أن\nالوفد وصل إلى جنيف.",
            [
                "وقال المتحدث إن المحادثات ستستأنف الأسبوع المقبل.",
                "⚠️ يجب على السفن تجنب المضيق.",
                "أعلنت وزارة الخارجية أن الوفد وصل إلى جنيف.",
            ],
        ),
    ],
)
def test_narrow_and_ragged_wraps(text: str, expected: list[str]) -> None:
    assert [unit.removeprefix("🔴 ") for unit in flat(text)] == [
        unit.removeprefix("🔴 ") for unit in expected
    ]


def test_number_after_an_abbreviation_at_a_line_end_is_no_list_item() -> None:
    text = "⚠️ Its fighters (est.\n300) crossed the border near Km. 42 on the main road."
    assert flat(text) == [
        "Its fighters (est. 300) crossed the border near Km. 42 on the main road."
    ]


def test_prose_wrapped_before_a_quotation_after_a_colon() -> None:
    text = (
        "The envoy took questions for an hour and then said:\n"
        '"We will not negotiate under fire." Talks resumed later.'
    )
    assert flat(text) == [
        'The envoy took questions for an hour and then said: "We will not negotiate under fire."',
        "Talks resumed later.",
    ]
    # A heading with a colon stays a unit of its own before a quotation.
    text = 'Statement:\n"We condemn the attack."'
    assert texts(text) == ["Statement:", '"We condemn the attack."']


# --- abbreviations inside brackets -----------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The group changed its name (alt. spelling Jama'at Nusrat) last year.",
        "The road (approx. 40 km) was closed.",
        "The procedure is described elsewhere (cf. Annex B) in detail.",
        "Several factions (e.g. X) withdrew.",
        "The militia (est. 2019) recruits locally.",
        'The note reads "their" [sic.] in the original.',
        "The committee met in May (see Fig. 3).",
        "The group is known as Ansar (alt. Ansar al-Bayt).",
        "The figures (approx. 12 pct. of the total) were revised.",
        "The militia (a.k.a. Liwa al-Quds) grew.",
        "The militia (alt. \u201cLiwa al-Quds\u201d) grew.",
        "The convoy stopped (approx. 2 a.m.) near the bridge.",
        # A long aside, and shorthand that no word list holds.
        "The faction (a coalition of smaller militant groups active in northern Idlib since "
        "2015, transl. Army of Conquest) grew.",
        "The party (in the 2019 elections it won seats in four northern provinces, lit. "
        "Justice Front) split.",
    ],
)
@pytest.mark.parametrize("gap", [" ", "  ", "\n"], ids=["space", "two-spaces", "newline"])
def test_abbreviation_inside_brackets(sentence: str, gap: str) -> None:
    assert texts(f"{sentence}{gap}Next year the figures fell.") == [
        sentence,
        "Next year the figures fell.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Voir l'art. 51 de la Charte. Le Conseil se réunit.", 2),
        ("La réunion (env. 3 heures) a eu lieu (cf. annexe B). Le Conseil se réunit.", 2),
        ("Polisi menangkap tiga tersangka, kata Kombes Pol. Rikwanto. Sidang ditunda.", 2),
        ("Kelompok itu (alias Jamaah Ansharut, est. 2015) dibubarkan. Sidang ditunda.", 2),
        ("التقى د. أحمد بالمبعوث (نحو 40 دقيقة). وقال المتحدث إن المحادثات ستستأنف.", 2),
    ],
)
def test_abbreviations_in_french_indonesian_and_arabic(text: str, expected: int) -> None:
    assert len(texts(text)) == expected


# --- sentences that begin with an emoji ------------------------------------------------------

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # seven code points
FLAG = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # a tag sequence
EMOJI = ["⚠️", "🔴", "✅", "➡️", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "🇾🇪", "🇾🇪🇸🇦", "1️⃣", "#️⃣",
         "‼️", "👍🏽", "🚨🚨", "©️", "〰️", "⟶", FAMILY, FLAG]


@pytest.mark.parametrize("emoji", EMOJI)
@pytest.mark.parametrize("gap", [" ", "  ", ""], ids=["space", "two-spaces", "unspaced"])
def test_sentence_that_begins_with_an_emoji_after_a_period(emoji: str, gap: str) -> None:
    text = f"The port closed at noon.{gap}{emoji} Ships should avoid the strait."
    assert texts(text) == ["The port closed at noon.", f"{emoji} Ships should avoid the strait."]


@pytest.mark.parametrize("emoji", ["⚠️", "🇾🇪", "👨\u200d👩\u200d👧", "#️⃣", FAMILY, FLAG])
def test_emoji_led_sentences_after_a_line_break(emoji: str) -> None:
    # At a line's start the pictograph is the item's glyph; the sentences end where they did.
    text = f"The port closed at noon.\n{emoji} Ships should avoid the strait.\n{emoji} Two hit."
    assert [t.removeprefix(f"{emoji} ") for t in texts(text)] == [
        "The port closed at noon.",
        "Ships should avoid the strait.",
        "Two hit.",
    ]


@pytest.mark.parametrize(
    "first", ["Drones were launched at the U.S.", "The ship belongs to Acme Inc."]
)
@pytest.mark.parametrize("gap", [" ", "\n", ""], ids=["space", "newline", "unspaced"])
def test_emoji_after_an_initialism_opens_a_sentence(first: str, gap: str) -> None:
    # "U.S." and "Inc." end a sentence only before a starter word, or before a pictograph.
    text = f"{first}{gap}🔴 Houthi forces claimed the attack."
    assert [t.removeprefix("🔴 ") for t in texts(text)] == [
        first,
        "Houthi forces claimed the attack.",
    ]


def test_emoji_left_at_a_line_end_opens_the_next_sentence() -> None:
    text = "The funds came from the World Bank and Norway. ✅\nAll crew members were rescued."
    assert flat(text) == [
        "The funds came from the World Bank and Norway.",
        "✅ All crew members were rescued.",
    ]


def test_emoji_after_an_unfinished_line_is_no_bullet() -> None:
    text = (
        "Ships were told to keep clear of the strait for at least\n"
        "🔴 48 hours after the attack. Crews stayed aboard."
    )
    assert flat(text) == [
        "Ships were told to keep clear of the strait for at least 🔴 48 hours after the attack.",
        "Crews stayed aboard.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Les navires doivent attendre. ⚠️ Deux pétroliers ont été touchés.",
            ["Les navires doivent attendre.", "⚠️ Deux pétroliers ont été touchés."],
        ),
        (
            "Il a refusé. « Nous ne céderons pas », a-t-il dit.",
            ["Il a refusé.", "« Nous ne céderons pas », a-t-il dit."],
        ),
        (
            "يجب على السفن الانتظار. ⚠️ أصيبت ناقلتان.",
            ["يجب على السفن الانتظار.", "⚠️ أصيبت ناقلتان."],
        ),
        (
            "Kapal harus menunggu. 🔴 Dua kapal tanker terkena.",
            ["Kapal harus menunggu.", "🔴 Dua kapal tanker terkena."],
        ),
    ],
)
def test_emoji_and_guillemet_starts_in_other_languages(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


# --- a wrap decides nothing: wrapped text splits as the unwrapped one ------------------------

SENTENCES = {
    "en": [
        "As you know, the Ministry raised the matter with the U.N. Monitoring Group on 2 April.",
        "The report (approx. 40 pages, see Annex No. 3) confirms that 17 crew members were held.",
        "Dr. A. M. Farah, who led the inquiry, met the families in Bosaso on 9 April.",
        "We expect a reply from the Office of the U.S. Trade Representative this month.",
        "Premiums rose by 12.5 per cent in 2023, and a further rise of approx. 8 per cent is due.",
        "Its fighters (est. 300) crossed the border near Km. 42 on the main road.",
        "The agreement was signed by Gen. Musa Bello and Maj. Gen. (Ret.) T. K. Adeyemi.",
        "Details are set out in Art. 5 of the Protocol and in the annex (cf. Annex B).",
        "A total of 1,250 tonnes were unloaded at Berth No. 7.",
        "Shipments fell sharply in the second quarter (see Fig. 3).",
        'He said: "We will not negotiate."',
        "⚠️ Ships are advised to avoid the strait until further notice.",
        "🇾🇪 Yemeni coast guard units responded within an hour.",
        "The militia (alt. Jund al-Sahil) has operated in the area since 2016.",
    ],
    "fr": [
        "Le ministre a reçu M. Dupont et Mme Martin à Paris.",
        "La réunion (env. 3 heures) s'est tenue au Quai d'Orsay.",
        "Selon le rapport (cf. annexe B), 40 navires ont été touchés.",
        "« Nous ne céderons pas », a déclaré le porte-parole.",
        "Voir l'art. 51 de la Charte des Nations unies.",
        "⚠️ Les navires doivent éviter le détroit.",
    ],
    "id": [
        "Menteri Luar Negeri bertemu Dr. Ahmad di Jakarta pada Senin (16/9).",
        "Pasukan AS (sekitar 200 orang) tiba di pangkalan itu.",
        "Polisi menangkap tiga tersangka, kata Kombes Pol. Rikwanto.",
        "Kelompok itu (alias Jamaah Ansharut Daulah) dibentuk pada 2015.",
        "🔴 Dua kapal tanker diserang di Laut Merah.",
    ],
    "ar": [
        "أعلنت وزارة الخارجية أن الوفد وصل إلى جنيف.",
        "وقال المتحدث إن المحادثات ستستأنف الأسبوع المقبل.",
        "وأضاف أن نحو 40 سفينة تعرضت للهجوم منذ أكتوبر.",
        "هل سيصمد وقف إطلاق النار؟",
        "⚠️ يجب على السفن تجنب المضيق.",
        "التقى د. أحمد بالمبعوث الأممي في عمان.",
    ],
}


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(sorted(SENTENCES)),
    data=st.data(),
    width=st.integers(44, 80),
    ragged=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_wrapped_paragraph_splits_into_its_sentences(
    language: str, data: st.DataObject, width: int, ragged: bool, seed: int
) -> None:
    bank = SENTENCES[language]
    chosen = data.draw(st.lists(st.sampled_from(bank), min_size=3, max_size=7, unique=True))
    paragraph = " ".join(chosen)
    wrapped = (
        ragged_fill(paragraph, width, seed)
        if ragged
        else textwrap.fill(paragraph, width, break_on_hyphens=False)
    )
    # Units end where the sentences do (a pictograph opening a line may be left out of its
    # unit as a bullet glyph, so starts are not compared; the gold scoring counts ends too).
    expected: list[int] = []
    for sentence in chosen:
        expected.append((expected[-1] if expected else 0) + len("".join(sentence.split())))
    assert _nonspace_ends(wrapped) == expected, flat(wrapped)


# --- robustness: code points, order and coverage with emoji and Arabic -----------------------

PIECES = [
    "The port closed.", "Ships wait.", "U.S.", "(alt. ", "(approx. 40 km)", "No.", "7.",
    " ", "  ", "\n", "\n\n", "⚠️", "🇾🇪", "👨\u200d👩\u200d👧", "#️⃣", "👍🏽", "🙂", "\u200d",
    "\ufe0f", "أعلنت الوزارة.", "؟", "« Nous partons. »", "Dear Minister,", "Yours sincerely,",
    "(", ")", "[sic.]", "l'art.", "Km.", ":", '"', "\U0001d400", "e\u0301",
]


_LEADING_GLYPH = re.compile(r"[^\S\n]*(?:" + ONE_PICTOGRAPH + r"|\S{1,5})")


def _check_with_long_glyphs(text: str) -> None:
    """Units are sorted, disjoint and stripped, and cover every non-space character but a
    bulleted line's glyph (a pictograph of any length, or up to five characters)."""
    units = segment(text)
    previous_end = 0
    covered = bytearray(len(text))
    for unit in units:
        assert previous_end <= unit.start < unit.end <= len(text)
        assert not text[unit.start].isspace() and not text[unit.end - 1].isspace()
        covered[unit.start : unit.end] = b"\1" * (unit.end - unit.start)
        previous_end = unit.end
    for line in re.finditer(r"[^\n]+", text):
        glyph = _LEADING_GLYPH.match(text, line.start(), line.end())
        glyph_end = glyph.end() if glyph else line.start()
        for index in range(line.start(), line.end()):
            if not covered[index] and not text[index].isspace():
                assert index < glyph_end, (text, index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=50).map("".join))
def test_units_keep_their_invariants_with_emoji_and_arabic(text: str) -> None:
    _check_with_long_glyphs(text)
    _check_with_long_glyphs(text.replace("👨\u200d👩\u200d👧", FAMILY).replace("🇾🇪", FLAG))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "⚠️ ", "🇾🇪 ", "👨\u200d👩\u200d👧 ", "\U0001d400\U0001d401 "]),
            st.sampled_from(
                ["The port closed.", "أعلنت الوزارة.", "Ships (approx. 40) wait.", "Kapal tiba."]
            ),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([" ", "  "]),
)
def test_offsets_are_code_points_after_astral_characters(
    parts: list[tuple[str, str]], gap: str
) -> None:
    # Each sentence follows astral characters (two UTF-16 units each): offsets counted in
    # UTF-16 would cut the units off their sentences.
    sentences = ["Sources agree.", *(head + body for head, body in parts)]
    text = gap.join(sentences)
    assert texts(text) == sentences


# --- growth: the new rules stay linear on pathological input ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        Repeat("Berth No.\n7. ", 60_000),
        Repeat("(see Annex\nI and ", 50_000),
        Repeat("⚠️ ", 100_000, tail="Ships wait."),
        Repeat("closed.⚠️ Ships\n", 50_000),
        Repeat("ولا يزال الطاقم المؤلف من نحو 20\n", 20_000),
        Repeat("Excellency,\n", 60_000),
    ],
    ids=["number-after-no", "open-brackets", "emoji-run", "unspaced-emoji", "arabic", "commas"],
)
def test_new_rules_grow_linearly(text: Repeat) -> None:
    assert_linear(segment, text)
