"""Sentence units: gold scores on the corpus, each splitting rule, kinds, speed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.core.segment import SegmentUnit, UnitKind, segment
from annotator.core.segment_score import hard_wrap, score_boundaries
from tests.conftest import CORPUS, require_shared
from tests.growth import Repeat, assert_linear

BRIEFINGS = CORPUS / "briefings"
GOLD = CORPUS / "gold"
GOLD_FILES = sorted(GOLD.glob("*.sentences.json")) if GOLD.is_dir() else []
SEPARATOR_LINE = re.compile(r"[^\w\s]+(?:\s+[^\w\s]+)*")


def texts(text: str) -> list[str]:
    return [text[u.start : u.end] for u in segment(text)]


def kinds(text: str) -> list[tuple[UnitKind, str]]:
    return [(u.kind, text[u.start : u.end]) for u in segment(text)]


def read_briefing(prefix: str) -> str:
    folder = require_shared(BRIEFINGS)
    (path,) = folder.glob(f"{prefix}_*.txt")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def check_invariants(text: str, units: list[SegmentUnit]) -> None:
    previous_end = 0
    for unit in units:
        assert previous_end <= unit.start < unit.end <= len(text), unit
        assert not text[unit.start].isspace() and not text[unit.end - 1].isspace(), unit
        previous_end = unit.end


# --- gold ------------------------------------------------------------------------------------


def _gold_table() -> str:
    rows = ["document                                   P      R      F1    tp  fp  fn"]
    for gold_path in GOLD_FILES:
        name = gold_path.name.removesuffix(".sentences.json")
        with open(BRIEFINGS / f"{name}.txt", encoding="utf-8") as handle:
            text = handle.read()
        gold = [(s, e) for s, e in json.loads(gold_path.read_text(encoding="utf-8"))]
        score = score_boundaries(gold, [(u.start, u.end) for u in segment(text)], text)
        rows.append(
            f"{name:<40} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}"
            f" {score.tp:4} {score.fp:3} {score.fn:3}"
        )
    return "\n".join(rows)


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.name.split(".")[0])
def test_gold_f1_at_least_099(gold_path: Path) -> None:
    name = gold_path.name.removesuffix(".sentences.json")
    with open(BRIEFINGS / f"{name}.txt", encoding="utf-8") as handle:
        text = handle.read()
    gold = [(s, e) for s, e in json.loads(gold_path.read_text(encoding="utf-8"))]
    units = segment(text)
    check_invariants(text, units)
    score = score_boundaries(gold, [(u.start, u.end) for u in units], text)
    assert score.f1 >= 0.99, f"{name}: F1 {score.f1:.3f}\n{_gold_table()}"


@pytest.mark.parametrize("width", [50, 60, 72])
@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.name.split(".")[0])
def test_gold_f1_when_the_briefing_is_hard_wrapped(gold_path: Path, width: int) -> None:
    name = gold_path.name.removesuffix(".sentences.json")
    with open(BRIEFINGS / f"{name}.txt", encoding="utf-8") as handle:
        text = handle.read()
    gold = [(s, e) for s, e in json.loads(gold_path.read_text(encoding="utf-8"))]
    wrapped, moved_gold = hard_wrap(text, width, gold)
    units = segment(wrapped)
    check_invariants(wrapped, units)
    score = score_boundaries(moved_gold, [(u.start, u.end) for u in units], wrapped)
    assert score.f1 >= 0.99, f"{name} wrapped at {width}: F1 {score.f1:.3f}"


def test_gold_files_are_present() -> None:
    require_shared(GOLD)
    assert len(GOLD_FILES) >= 2


# --- scoring ---------------------------------------------------------------------------------


def test_score_perfect_match_ignores_trailing_whitespace() -> None:
    text = "One. Two.  \nThree."
    gold = [(0, 4), (5, 11), (12, 18)]
    assert score_boundaries(gold, [(0, 4), (5, 9), (12, 18)], text) == (1.0, 1.0, 1.0, 3, 0, 0)


def test_score_split_inside_a_gold_unit_is_a_false_positive() -> None:
    text = "Mr. Smith left. He came back."
    gold = [(0, 15), (16, 29)]
    score = score_boundaries(gold, [(0, 3), (4, 15), (16, 29)], text)
    assert (score.tp, score.fp, score.fn) == (2, 1, 0)
    assert score.precision == pytest.approx(2 / 3) and score.recall == 1.0
    assert score.f1 == pytest.approx(0.8)


def test_score_glued_units_are_false_negatives() -> None:
    text = "Title\nFirst sentence. Second."
    gold = [(0, 5), (6, 21), (22, 29)]
    score = score_boundaries(gold, [(0, 21), (22, 29)], text)
    assert (score.tp, score.fp, score.fn) == (2, 0, 1)
    assert score.recall == pytest.approx(2 / 3)


def test_score_ignores_ends_in_text_the_gold_leaves_out() -> None:
    text = "Skip Links\nSubscribe\nReal sentence. Footer. Not a record."
    gold = [(21, 35)]
    predicted = [(0, 10), (11, 20), (21, 35), (36, 43), (44, 57)]
    assert score_boundaries(gold, predicted, text) == (1.0, 1.0, 1.0, 1, 0, 0)


def test_score_an_end_at_a_gold_start_is_not_inside_it() -> None:
    text = "abcdef"
    assert score_boundaries([(3, 6)], [(0, 3), (3, 6)], text).fp == 0


def test_hard_wrap_moves_spans_onto_the_wrapped_text() -> None:
    text = "The first sentence is long enough to wrap. Second one.  \nNext line."
    spans = [(0, 42), (43, 56), (57, 67)]
    wrapped, moved = hard_wrap(text, 20, spans)
    assert max(len(line) for line in wrapped.split("\n")) <= 20
    assert [" ".join(wrapped[s:e].split()) for s, e in moved] == [
        "The first sentence is long enough to wrap.",
        "Second one.",
        "Next line.",
    ]


def test_score_empty_sides() -> None:
    assert score_boundaries([], [], "") == (1.0, 1.0, 1.0, 0, 0, 0)
    assert score_boundaries([(0, 3)], [], "abc") == (1.0, 0.0, 0.0, 0, 0, 1)


# --- lines, titles, dates, bylines -----------------------------------------------------------


def test_title_date_and_byline_lines_are_units_of_their_own() -> None:
    text = (
        "Press Statement\nRichard Boucher, Spokesman\nWashington, DC\nNovember 2, 2001\n\n"
        "Designation of 22 Foreign Terrorist Organizations\n\n"
        "To further the campaign, the Secretary designated 22 groups. The other six followed."
    )
    assert kinds(text) == [
        (UnitKind.BYLINE, "Press Statement"),
        (UnitKind.BYLINE, "Richard Boucher, Spokesman"),
        (UnitKind.BYLINE, "Washington, DC"),
        (UnitKind.DATE, "November 2, 2001"),
        (UnitKind.TITLE, "Designation of 22 Foreign Terrorist Organizations"),
        (UnitKind.SENTENCE, "To further the campaign, the Secretary designated 22 groups."),
        (UnitKind.SENTENCE, "The other six followed."),
    ]


def test_header_lines_without_blank_lines_are_not_glued_to_the_first_sentence() -> None:
    text = (
        "Northern Corridor Security Outlook\n"
        "Regional Analysis Unit, Office of Strategic Assessments\n"
        "Tuesday, March 4, 2025\n"
        "Attacks on convoys rose sharply. Insurers raised premiums."
    )
    assert kinds(text) == [
        (UnitKind.TITLE, "Northern Corridor Security Outlook"),
        (UnitKind.BYLINE, "Regional Analysis Unit, Office of Strategic Assessments"),
        (UnitKind.DATE, "Tuesday, March 4, 2025"),
        (UnitKind.SENTENCE, "Attacks on convoys rose sharply."),
        (UnitKind.SENTENCE, "Insurers raised premiums."),
    ]


@pytest.mark.parametrize(
    "date",
    [
        "08/10/2004",
        "Thursday, September 7, 2017",
        "Le 26 juin 2017",
        "November 2, 2001",
        "Tuesday, November 15, 2005:",
        "4 تشرين الأول/أكتوبر 2018",
        "Jan. 11, 2024",
        "2023-03-03",
    ],
)
def test_date_lines(date: str) -> None:
    text = f"SOME TITLE\n\n{date}\n\nThe text starts here."
    assert (UnitKind.DATE, date) in kinds(text)


def test_all_caps_title_and_separator_and_footer() -> None:
    text = read_briefing("10")
    found = kinds(text)
    assert found[0] == (UnitKind.SKIPPED, "SC/8215")
    assert found[1][0] is UnitKind.TITLE and found[1][1].startswith("PRESS STATEMENT")
    assert (UnitKind.DATE, "08/10/2004") in found
    assert found[-3:] == [
        (UnitKind.SKIPPED, "* *** *"),
        (UnitKind.SKIPPED, "For information media."),
        (UnitKind.SKIPPED, "Not an official record."),
    ]


def test_heading_ending_in_colon_before_bullets() -> None:
    text = "Economic Implications of Houthi Attacks:\n- Shipping fell by 90%.\n- Costs rose."
    assert kinds(text) == [
        (UnitKind.HEADING, "Economic Implications of Houthi Attacks:"),
        (UnitKind.BULLET, "Shipping fell by 90%."),
        (UnitKind.BULLET, "Costs rose."),
    ]


def test_title_case_heading_inside_the_body() -> None:
    text = "The first paragraph ends here.\n\nRegional Outlook\n\nThe second paragraph starts."
    assert (UnitKind.HEADING, "Regional Outlook") in kinds(text)


# --- bullets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "glyph", ["-", "•", "*", "–", "1.", "2)", "(a)", "a)", "▪", "o", "\uf0b7", "➢", "✓"]
)
def test_bullet_glyph_is_not_part_of_the_unit(glyph: str) -> None:
    text = f"Key points:\n\n{glyph} The group is collapsing.\n{glyph} Its leaders fled."
    assert kinds(text)[1:] == [
        (UnitKind.BULLET, "The group is collapsing."),
        (UnitKind.BULLET, "Its leaders fled."),
    ]


def test_multi_sentence_bullet_and_lone_glyph() -> None:
    text = (
        "- As of mid-February, shipping had declined by approximately 90%. Effects have been "
        "less severe in other sectors.\n- Routes add about 11,000 nautical miles.\n- "
    )
    assert kinds(text) == [
        (UnitKind.BULLET, "As of mid-February, shipping had declined by approximately 90%."),
        (UnitKind.BULLET, "Effects have been less severe in other sectors."),
        (UnitKind.BULLET, "Routes add about 11,000 nautical miles."),
    ]


def test_wrapped_bullet_item_continues_on_the_next_line() -> None:
    text = "• The Islamic State is facing a near-total\n  collapse of its holdings.\n• Next item."
    assert texts(text) == [
        "The Islamic State is facing a near-total\n  collapse of its holdings.",
        "Next item.",
    ]


def test_dash_after_a_wrapped_line_is_not_a_bullet() -> None:
    text = "The pledges rose to $440 million, including\n- at least in part - new money."
    assert texts(text) == [text]


# --- sentence ends ---------------------------------------------------------------------------


def test_quoted_run_of_fragments_splits_and_the_quote_closes_the_last() -> None:
    text = 'He said: "More ships. More missiles. More people." Then he left.'
    assert texts(text) == [
        'He said: "More ships.',
        "More missiles.",
        'More people."',
        "Then he left.",
    ]


def test_question_exclamation_ellipsis_and_brackets() -> None:
    text = "Why now? Nobody knows! It was late… Very late. (The end.) [Local forces](#) won."
    assert texts(text) == [
        "Why now?",
        "Nobody knows!",
        "It was late…",
        "Very late.",
        "(The end.)",
        "[Local forces](#) won.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Growth was 3.5 percent in the U.S.-led coalition.",
        "Write to info@thesoufancenter.org or see www.state.gov for details.",
        "It was quiet... and then it was not.",
        "Mr. Smith met Dr. Jones and Gen. Brown on Jan. 5 at St. Louis.",
        "Tech. Sgt. John Smith and Lt. Col. Jane Doe spoke, i.e. briefly, e.g. twice.",
        "The rules (see No. 5 and p. 12, Fig. 3) apply to Inc. members.",
        "Carla E. Humud and Lloyd J. Austin III wrote with Katherine V. Schinasi.",
        "The U.S. Department of State and the U.N. Secretary met at 2:30 p.m. EST.",
        "Assets were blocked under E.O. 13224 at 1600 Pennsylvania Ave. N.W. Washington.",
        "M. Macron et Mme Dupont, etc. ont parlé.",
        "It responds to Section 617 of the Act (Pub. L. No. 116-260) in full.",
        "Sen. Marco Rubio (R-Fla.) said the U.S. Army and U.S. 1st Armored Division left.",
        "President Joseph R. Biden Jr. said A.Q. Khan met officials in Washington, D.C. on Monday.",
        "He said “it is over.” and left.",
        "Enter sections II. and III. here.",
        "Ref. No. KRS/2023/118 concerns the ferry.",
        "Call Tel. 202-555-0147 or Fax. 202-555-0148 today.",
    ],
)
def test_no_split_inside(sentence: str) -> None:
    assert texts(sentence) == [sentence]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Six FTOs were added to the E.O. Although the U.S. blocked assets, it waited.",
         "Six FTOs were added to the E.O."),
        ("Troops left the U.S. They returned in May.", "Troops left the U.S."),
        ("It ended at 10 p.m. The talks resume today.", "It ended at 10 p.m."),
        ("They sold tanks, trucks, etc. The buyers paid.", "They sold tanks, trucks, etc."),
        ("The meeting ended in 2015. In 2016 it resumed.", "The meeting ended in 2015."),
        ("It cost $1.3 trillion. How DOD manages it matters.", "It cost $1.3 trillion."),
        ("He lives in Washington, D.C. The talks resume today.", "He lives in Washington, D.C."),
    ],
)
def test_abbreviation_ends_a_sentence_before_a_sentence_starter(text: str, first: str) -> None:
    assert texts(text)[0] == first
    assert len(texts(text)) == 2


def test_section_label_at_the_start_of_a_line_is_not_a_sentence() -> None:
    assert texts("IV. Recommendations for Congress") == ["IV. Recommendations for Congress"]


def test_french_guillemets_close_the_sentence() -> None:
    text = "Il a dit : « C'est fini. » Le président est parti."
    assert texts(text) == ["Il a dit : « C'est fini. »", "Le président est parti."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It cost $1.3 trillion.[Footnote 1] How DOD manages it matters.",
         ["It cost $1.3 trillion.", "[Footnote 1]", "How DOD manages it matters."]),
        ("More than 21 million people need assistance.1 Congress has debated it.",
         ["More than 21 million people need assistance.", "1", "Congress has debated it."]),
        ("Shipping fell.\u00b9 Effects were small.",
         ["Shipping fell.", "\u00b9", "Effects were small."]),
        ("Growth was 2.5 Percent in 2015.", ["Growth was 2.5 Percent in 2015."]),
    ],
)
def test_footnote_markers_are_left_out_of_the_sentence(text: str, expected: list[str]) -> None:
    assert texts(text) == expected
    if len(expected) == 3:
        assert segment(text)[1].kind is UnitKind.SKIPPED


def test_elision_marks_do_not_end_a_sentence() -> None:
    text = "He said the attacks [...] Iran would respond. Then ... Iran denied it."
    assert texts(text) == [
        "He said the attacks [...] Iran would respond.",
        "Then ... Iran denied it.",
    ]


def test_etc_ends_a_sentence_before_any_capital() -> None:
    assert len(texts("They sold tanks, trucks, etc. Iran bought most.")) == 2
    assert len(texts("Kerry mengunjungi Irak, Yordania, dll. Kunjungan itu penting.")) == 2


# --- line structure --------------------------------------------------------------------------


def test_hard_wraps_with_trailing_spaces_are_joined() -> None:
    text = (
        "This text file was formatted by the U.S. Government Accountability \n"
        "Office (GAO) to be accessible to users with visual impairments, as part \n"
        "of a longer term project. Every \n"
        "attempt has been made to maintain the integrity of \n"
        "the original printed product. \n"
    )
    assert texts(text) == [
        "This text file was formatted by the U.S. Government Accountability \n"
        "Office (GAO) to be accessible to users with visual impairments, as part \n"
        "of a longer term project.",
        "Every \nattempt has been made to maintain the integrity of \n"
        "the original printed product.",
    ]


def test_wrap_before_a_capitalised_word_by_line_length() -> None:
    text = (
        "Iran maintains what officials describe as the largest inventory of ballistic\n"
        "missiles in the region and it supplies weapons to groups in Yemen, Syria and\n"
        "Lebanon, officials said. Iran also maintains an arsenal of drones.\n"
    )
    assert texts(text) == [
        text[: text.index(" Iran also")],
        "Iran also maintains an arsenal of drones.",
    ]


def test_stray_blank_line_mid_sentence_is_bridged() -> None:
    text = (
        "In Iraq, the group lost all the major population centers it held. The retaking of "
        "Mosul by Iraqi forces in\n\nJuly was a very difficult military endeavor. Rebuilding "
        "will take years."
    )
    assert texts(text)[1] == (
        "The retaking of Mosul by Iraqi forces in\n\nJuly was a very difficult military endeavor."
    )
    assert len(texts(text)) == 3


def test_blank_line_after_a_heading_is_not_bridged() -> None:
    text = (
        "Press Statement by Security Council President on recent terrorist attacks\n\n\n"
        "Following is today's press statement by the Council President:"
    )
    assert len(texts(text)) == 2


def test_blank_line_before_a_sentence_starter_is_not_bridged() -> None:
    text = (
        "We welcome your feedback. Please send your comments regarding this \n"
        "document to \n\nThis is a work of the U.S. government."
    )
    assert texts(text)[-1] == "This is a work of the U.S. government."


def test_pdf_sidebar_lines_interleaved_in_a_sentence_stay_inside_it() -> None:
    text = read_briefing("05")
    units = texts(text)
    sentence = next(u for u in units if u.startswith("Congress has played"))
    assert "Carla E. Humud\ninfluence" in sentence
    assert sentence.endswith("to review related agreements.")
    assert not any(u.endswith("Humud") for u in units)
    assert any(u.startswith("While indirect talks") and u.endswith("appeared stalled.")
               for u in units)
    assert units[:2] == ["Iran: Background and U.S. Policy", "November 30, 2022"]
    assert "Specialist in Middle\nEastern Affairs" in units  # a sidebar title wrapped in two


def test_two_short_title_lines_amid_wrapped_prose_join_but_a_header_stack_does_not() -> None:
    prose = (
        "Iran maintains what officials describe as the largest inventory of\n"
        "ballistic missiles in the region, and it supplies weapons to groups.\n"
    )
    pair = prose + "Analyst in Middle\nEastern Affairs\n" + prose
    assert "Analyst in Middle\nEastern Affairs" in texts(pair)
    stack = prose + "Carla Humud\nAnalyst in Middle Eastern Affairs\nClayton Thomas\n" + prose
    assert {"Carla Humud", "Analyst in Middle Eastern Affairs", "Clayton Thomas"} <= set(
        texts(stack)
    )


def test_sidebar_after_a_sentence_end_mid_line_stays_inside_the_next_sentence() -> None:
    text = (
        "The conflict pits the Houthi movement, which controls northern Yemen, against the\n"
        "internationally recognized government. In 2015, Saudi Arabia\n"
        "Specialist in Middle\n"
        "led a coalition of Arab states in a military intervention (P.L. 116-92) to\n"
        "Eastern Affairs\n"
        "restore the government. The United Nations estimates that 21 million people\n"
        "need assistance.\n"
    )
    units = texts(text)
    assert len(units) == 3
    assert units[1].startswith("In 2015") and units[1].endswith("restore the government.")


def test_wrapped_two_line_paragraph_before_a_proper_noun_is_joined() -> None:
    text = (
        "Officials said the attack targeted the Marshall Islands-flagged vessel\n"
        "Genco Picardy in the Gulf of Aden. No injuries were reported."
    )
    assert texts(text)[0].endswith("Gulf of Aden.")


def test_heading_line_in_a_block_of_one_line_paragraphs_is_its_own_unit() -> None:
    text = (
        "Economic implications of the Houthi attacks on shipping\n"
        "Shipping through the Red Sea has declined by approximately 90% since December 2023 "
        "and insurers have raised war-risk premiums sharply for every vessel in the strait.\n"
    )
    assert texts(text)[0] == "Economic implications of the Houthi attacks on shipping"


def test_stray_blank_line_after_a_link_is_bridged() -> None:
    text = (
        "The Houthis dug in across the city. The [United Arab Emirates](#)\n\n"
        "(UAE), which leads the ground campaign, has said it will not stop."
    )
    assert texts(text)[1].endswith("will not stop.")


def test_lone_glyph_line_makes_the_next_line_a_bullet() -> None:
    text = "Key Judgments\n•\nIran will continue to threaten U.S. interests.\n•\nTehran will try."
    assert kinds(text)[1:] == [
        (UnitKind.BULLET, "Iran will continue to threaten U.S. interests."),
        (UnitKind.BULLET, "Tehran will try."),
    ]


def test_all_caps_lines_split_from_mixed_case_text() -> None:
    text = (
        "ANNUAL THREAT ASSESSMENT OF THE U.S. INTELLIGENCE COMMUNITY AND ITS PARTNERS ABROAD\n"
        "Iran will continue to threaten U.S. interests as it tries to erode U.S. influence.\n"
    )
    assert kinds(text)[0] == (
        UnitKind.TITLE,
        "ANNUAL THREAT ASSESSMENT OF THE U.S. INTELLIGENCE COMMUNITY AND ITS PARTNERS ABROAD",
    )


def test_trailing_spaces_change_nothing() -> None:
    text = read_briefing("06")
    stripped = "\n".join(line.rstrip() for line in text.split("\n"))
    assert len(segment(text)) == len(segment(stripped))
    units = texts(text)
    assert "For Release on Delivery Expected at 2:30 p.m. EST:" in units
    assert "Statement of Katherine V. Schinasi, Managing Director:" in units


def test_caseless_header_lines_split_before_arabic_text() -> None:
    text = "البيت الأبيض\nمكتب السكرتير الصحفي\nباتت التهديدات اليوم أكثر تعقيدا. تستمر الجماعات."
    assert texts(text) == [
        "البيت الأبيض",
        "مكتب السكرتير الصحفي",
        "باتت التهديدات اليوم أكثر تعقيدا.",
        "تستمر الجماعات.",
    ]


# --- boilerplate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Skip Links",
        "Subscribe",
        "rss",
        "Share",
        "An official website of the United States Government",
        "Here's how you know",
        "Copyright © 2017 The Soufan Center, All rights reserved.",
        "SC/8215",
        "Subject IndexBookmark and Share",
        "SEARCHU.S. Department of State",
        "Home | About | Contact",
        "You are in: Bureau > Press Office > Releases > 2001",
        "Mufid Elfgeeh dalam foto yang dirilis (foto: Reuters).",
        "Photo: A destroyer in the Red Sea.",
        "The minister arrives in Paris. (AP Photo/John Smith)",
        "Русский Русский, English English, العربية العربية",
    ],
)
def test_boilerplate_lines_are_skipped_units(line: str) -> None:
    text = f"The Headline\n\n{line}\n\nThe story begins here. It goes on."
    found = kinds(text)
    assert all(kind is UnitKind.SKIPPED for kind, part in found if part in line), found
    assert found[-1] == (UnitKind.SENTENCE, "It goes on.")


def test_everything_after_an_end_mark_is_skipped() -> None:
    text = read_briefing("12")
    found = kinds(text)
    end_mark = found.index((UnitKind.SKIPPED, "###"))
    assert end_mark > 5
    assert all(kind is UnitKind.SKIPPED for kind, _ in found[end_mark:])
    assert all(kind is not UnitKind.SKIPPED for kind, _ in found[3:end_mark])


def test_gov_banner_is_skipped_and_the_statement_title_follows() -> None:
    found = kinds(read_briefing("09"))
    first_kept = next(i for i, (kind, _) in enumerate(found) if kind is not UnitKind.SKIPPED)
    assert first_kept >= 6
    assert (UnitKind.BYLINE, "Immediate Release") in found
    title = next(part for kind, part in found if kind is UnitKind.TITLE)
    assert title.startswith("Statement by Secretary of Defense Lloyd J. Austin III")


def test_navigation_heavy_page_keeps_the_byline_block_and_eo_sentence_end() -> None:
    found = kinds(read_briefing("15"))
    assert [part for kind, part in found if kind in (UnitKind.BYLINE, UnitKind.DATE)][-4:] == [
        "Press Statement", "Richard Boucher, Spokesman", "Washington, DC", "November 2, 2001"
    ]
    units = [part for _, part in found]
    assert "The other six FTOs were added to E.O. 13224 on the original annex to the E.O. on "\
        "September 23." in units


# --- whole corpus ----------------------------------------------------------------------------


def test_every_briefing_keeps_the_invariants_and_covers_its_text() -> None:
    folder = require_shared(BRIEFINGS)
    for path in sorted(folder.glob("*.txt")):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        units = segment(text)
        check_invariants(text, units)
        covered = bytearray(len(text))
        for unit in units:
            covered[unit.start : unit.end] = b"\1" * (unit.end - unit.start)
        for line_match in re.finditer(r"[^\n]+", text):
            line = line_match.group().strip()
            if not line or line in {"-", "*", "•"} or SEPARATOR_LINE.fullmatch(line):
                continue
            missing = [
                text[i] for i in range(line_match.start(), line_match.end())
                if not covered[i] and not text[i].isspace()
            ]
            assert "".join(missing) in ("", "-", "*", "•"), (path.name, line)


def test_arabic_briefing_splits_at_periods() -> None:
    text = read_briefing("13")
    found = kinds(text)
    assert found[3] == (UnitKind.DATE, "4 تشرين الأول/أكتوبر 2018")
    sentences = [part for kind, part in found if kind is UnitKind.SENTENCE]
    assert len(sentences) == text.count(". ") + 1
    assert all(part.endswith(".") for part in sentences)


def test_french_briefing_units() -> None:
    found = kinds(read_briefing("12"))
    assert (UnitKind.DATE, "Le 26 juin 2017") in found
    assert (UnitKind.BYLINE, "Pour diffusion immédiate") in found
    sentences = [part for kind, part in found if kind is UnitKind.SENTENCE]
    assert len(sentences) == 4 and sentences[1].startswith("En effet")


def test_indonesian_briefing_units() -> None:
    found = kinds(read_briefing("14"))
    assert found[0] == (UnitKind.TITLE, "Pengadilan di AS Dakwa Pria yang Bantu ISIS")
    assert found[1][0] is UnitKind.SKIPPED  # the photo caption
    sentences = [part for kind, part in found if kind is UnitKind.SENTENCE]
    assert len(sentences) == 5
    assert any("Selasa (16/9) bahwa" in part for part in sentences)


def test_soufan_brief_structure() -> None:
    found = kinds(read_briefing("00"))
    assert found[:4] == [
        (UnitKind.DATE, "Thursday, September 7, 2017"),
        (UnitKind.SKIPPED, "Subscribe"),
        (UnitKind.TITLE, "MILITARILY DEFEATING THE ISLAMIC STATE"),
        (UnitKind.HEADING, "Bottom Line Up Front:"),
    ]
    assert [kind for kind, _ in found[4:8]] == [UnitKind.BULLET] * 4
    assert found[-2][0] is UnitKind.SKIPPED and found[-2][1].startswith("Copyright")


# --- edge cases and speed --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "-", "- \n• \n", "* *** *"])
def test_degenerate_inputs(text: str) -> None:
    units = segment(text)
    check_invariants(text, units)
    assert all(u.kind is UnitKind.SKIPPED for u in units)


@pytest.mark.slow
def test_time_grows_linearly_on_about_one_megabyte_of_briefings() -> None:
    folder = require_shared(BRIEFINGS)
    parts = []
    for path in sorted(folder.glob("*.txt")):
        with open(path, encoding="utf-8") as handle:
            parts.append(handle.read().strip() + "\n\n")
    corpus = "".join(parts)
    text = corpus * (1_000_000 // len(corpus.encode("utf-8")) + 1)
    # The throughput itself (MB/s) is reported by benchmarks/run.py.
    assert_linear(segment, lambda scale: text[: round(len(text) * scale)])


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        Repeat("word ", 200_000),
        Repeat("\n", 1_000_000),
        Repeat("A. ", 300_000),
        Repeat("U.S. ", 200_000),
        Repeat("Short Title Line\n", 60_000),
        Repeat("The group lost ground in\n", 40_000),
        Repeat("- item one\n", 90_000),
        Repeat(".", 1_000_000),
        Repeat("Officials of the United States met envoys from the United Kingdom\n", 15_000),
        Repeat("Dear Colleagues,\n\n", 50_000),
        Repeat("The unit (alt. ", 60_000),
    ],
    ids=["one-line", "blank-lines", "initials", "initialisms", "title-lines", "wraps",
         "bullets", "dots", "name-lines", "salutations", "open-asides"],
)
def test_pathological_megabyte_inputs_grow_linearly(text: Repeat) -> None:
    assert_linear(segment, text)


# --- letters, hard wraps, asides, pictographs ------------------------------------------------

LETTER = (
    "Office of the Harbour Commissioner\n\n"
    "3 May 2024\n\n"
    "Dear Mr. Okafor,\n\n"
    "Thank you for your note about the closure of the eastern\n"
    "quay. Repairs will take six weeks. We\n"
    "regret the delay.\n\n"
    "Kind regards,\n\n"
    "Ruth Amsel\n"
    "Harbour Commissioner\n"
)


def test_letter_salutation_and_close_are_units_of_their_own() -> None:
    assert texts(LETTER) == [
        "Office of the Harbour Commissioner",
        "3 May 2024",
        "Dear Mr. Okafor,",
        "Thank you for your note about the closure of the eastern\nquay.",
        "Repairs will take six weeks.",
        "We\nregret the delay.",
        "Kind regards,",
        "Ruth Amsel",
        "Harbour Commissioner",
    ]


def test_letter_formulas_without_blank_lines() -> None:
    text = "Chère Madame,\nNous avons bien reçu votre lettre.\nCordialement,\nPaul Marchand"
    assert texts(text) == [
        "Chère Madame,",
        "Nous avons bien reçu votre lettre.",
        "Cordialement,",
        "Paul Marchand",
    ]


def test_short_comma_line_alone_between_blank_lines_is_not_bridged() -> None:
    text = "Colleagues,\n\nThe review is attached. Comments are due Friday."
    assert texts(text)[0] == "Colleagues,"
    # A long line cut by a stray blank line after a comma still joins.
    text = (
        "The envoys met in Geneva and Oslo over three days in March,\n\n"
        "Norway hosting the final round. Talks resume in June."
    )
    assert len(texts(text)) == 2


NAMES_PARAGRAPH = (
    "Yesterday the foreign ministers of the Republic of Korea and the United Kingdom met "
    "their counterparts from New Zealand, South Africa and the United Arab Emirates in "
    "Geneva. The Secretary General of the International Maritime Organization joined them "
    "for the session on the Bab al-Mandab Strait and the Gulf of Aden. Officials said "
    "the talks, which the Government of Norway hosted at the Palais des Nations, ended "
    "on 4 June 2024. A second round is planned under Article 12 of the Convention."
)


@pytest.mark.parametrize("width", [38, 46, 54, 62, 70, 78])
def test_hard_wrapped_paragraph_splits_as_the_unwrapped_one(width: int) -> None:
    import textwrap

    wrapped = textwrap.fill(NAMES_PARAGRAPH, width)
    flat = [" ".join(unit.split()) for unit in texts(wrapped)]
    assert flat == texts(NAMES_PARAGRAPH)
    assert len(flat) == 4


def _ragged_wrap(text: str, width: int, seed: int) -> str:
    """Greedy wrap with each line's limit drawn from [0.8 * width, width], as a PDF's
    proportional font leaves lines of uneven length."""
    import random

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


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("width", [44, 56, 72])
def test_ragged_hard_wrap_splits_as_the_unwrapped_paragraph(width: int, seed: int) -> None:
    wrapped = _ragged_wrap(NAMES_PARAGRAPH, width, seed)
    assert [" ".join(unit.split()) for unit in texts(wrapped)] == texts(NAMES_PARAGRAPH)


def test_wrapped_title_and_paragraph_of_a_hard_wrapped_text() -> None:
    import textwrap

    title = "Statement by the Minister of Transport on the Closure of the Northern Ports"
    paragraphs = [NAMES_PARAGRAPH, "The ports reopen on Monday. Pilots resume work at dawn."]
    text = "\n\n".join(textwrap.fill(part, 60) for part in [title, *paragraphs])
    units = texts(text)
    assert " ".join(units[0].split()) == title
    assert len(units) == 1 + 4 + 2


@pytest.mark.parametrize(
    "sentence",
    [
        "The cell (alt. Jund al-Sahil) claimed the raid.",
        "Its gunmen (approx. 30) fled north.",
        "The front (est. 2016) recruits online.",
        "Its founder (b. 1971) studied abroad.",
        "The faction (formerly Unit 7, est. 2012) split.",
        "The town (pop. 8,500) was shelled.",
        "Lt. Gen. (Ret.) Omar Haddad spoke.",
        "The brigade [est. 2011] left Homs.",
        "The envoy (fmr. Deputy Minister Laila Haddad) resigned.",
    ],
)
def test_abbreviation_inside_an_aside_does_not_end_the_sentence(sentence: str) -> None:
    text = f"{sentence} Police arrived later."
    assert texts(text) == [sentence, "Police arrived later."]


@pytest.mark.parametrize(
    "sentence",
    [
        "The militia, est. 2015, recruits locally.",
        "The unit, aka. Northern Shield, moved east.",
        "Its envoy, fmr. Minister Okoro, spoke first.",
    ],
)
def test_lowercase_shorthand_before_a_number_or_name(sentence: str) -> None:
    assert texts(f"{sentence} Talks resume today.") == [sentence, "Talks resume today."]


def test_sentences_inside_brackets_still_split() -> None:
    text = "The raid failed. (The convoy turned back. Nobody was hurt.) Talks went on."
    assert texts(text) == [
        "The raid failed.",
        "(The convoy turned back.",
        "Nobody was hurt.)",
        "Talks went on.",
    ]
    assert texts("He bowed. (Applause.) Then he spoke.") == [
        "He bowed.", "(Applause.)", "Then he spoke."
    ]


def test_sentence_that_begins_with_a_pictograph() -> None:
    text = "The ferry docked at noon. 🚨 Two drones were seen. ⚠️ Crews stayed aboard. 👍🏽 Fine."
    assert texts(text) == [
        "The ferry docked at noon.",
        "🚨 Two drones were seen.",
        "⚠️ Crews stayed aboard.",
        "👍🏽 Fine.",
    ]
    assert len(texts("The ferry docked. 🙂 and then it left.")) == 1


def test_pictograph_at_the_start_of_a_line_is_a_bullet_glyph() -> None:
    text = "Overnight:\n🔴 A tanker was struck off the coast.\n✅ Its crew was rescued."
    assert kinds(text) == [
        (UnitKind.HEADING, "Overnight:"),
        (UnitKind.BULLET, "A tanker was struck off the coast."),
        (UnitKind.BULLET, "Its crew was rescued."),
    ]
