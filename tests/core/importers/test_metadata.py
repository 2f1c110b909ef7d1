"""Language, title and issuer guesses on text written for these tests."""

from __future__ import annotations

import pytest

from annotator.core.importers import DateCertainty, guess_metadata
from annotator.core.importers.language import guess_language, normalise_language_tag
from annotator.core.importers.metadata import guess_issuer, guess_title

SAMPLES = {
    "en": "The ministry said that the attacks were carried out by a group which has been "
    "active in the region for years, and it will continue to monitor the situation.",
    "fr": "Le ministère a déclaré que les attaques ont été menées par un groupe qui est actif "
    "dans la région depuis des années, et il continuera de suivre la situation.",
    "es": "El ministerio dijo que los ataques fueron realizados por un grupo que ha estado "
    "activo en la región durante años, y que seguirá vigilando la situación.",
    "de": "Das Ministerium sagte, dass die Angriffe von einer Gruppe verübt wurden, die seit "
    "Jahren in der Region aktiv ist, und es wird die Lage weiter beobachten.",
    "id": "Kementerian mengatakan bahwa serangan itu dilakukan oleh kelompok yang telah aktif "
    "di kawasan tersebut selama bertahun-tahun, dan akan terus memantau situasi.",
    "pt": "O ministério disse que os ataques foram realizados por um grupo que está ativo na "
    "região há anos, e que vai continuar a acompanhar a situação.",
    "it": "Il ministero ha detto che gli attacchi sono stati compiuti da un gruppo che è attivo "
    "nella regione da anni, e che continuerà a seguire la situazione.",
    "ar": "قالت الوزارة إن الهجمات نفذتها جماعة تنشط في المنطقة "
    "منذ سنوات وإنها ستواصل مراقبة الوضع.",
    "ru": "Министерство заявило, что нападения совершила группа, которая действует в регионе.",
    "uk": "Міністерство заявило, що напади здійснила група, яка діє в регіоні вже багато років.",
    "fa": "وزارت گفت که این حملات توسط گروهی انجام شد "
    "که سال‌ها در منطقه فعال بوده است و پیگیری می‌کند.",
    "zh": "外交部表示，这些袭击是由一个多年来一直在该地区活动的组织实施的，将继续关注局势发展。",
    "ja": "外務省は、これらの攻撃は長年この地域で活動している"
    "グループによって行われたと発表しました。",
    "el": "Το υπουργείο δήλωσε ότι οι επιθέσεις πραγματοποιήθηκαν "
    "από μια ομάδα που δρα στην περιοχή.",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_language(language: str) -> None:
    assert guess_language(SAMPLES[language]) == language


def test_script_needs_a_majority_not_a_mention() -> None:
    text = "Русский Русский, English English, العربية العربية\n" + SAMPLES["fr"]
    assert guess_language(text) == "fr"


@pytest.mark.parametrize("text", ["", "Hi.", "12345 67890 !!!", "Thursday September 7 2017"])
def test_too_little_text_has_no_language(text: str) -> None:
    assert guess_language(text) is None


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("fr-FR", "fr"), ("en_US", "en"), ("AR", "ar"), ("iw", "he"), ("in", "id"), ("eng", None),
     ("", None), (None, None), ("x-klingon", None)],
)  # fmt: skip
def test_normalise_language_tag(tag: str | None, expected: str | None) -> None:
    assert normalise_language_tag(tag) == expected


# ----- title


def test_all_caps_standalone_title_wins_over_a_later_mixed_case_one() -> None:
    text = (
        "DOC/2019/7\n\nMARITIME SECURITY IN THE GULF OF ADEN\n\n12 March 2019\nPress Release\n"
        "Maritime security in the Gulf of Aden\n\nThe council met today and discussed it."
    )
    assert guess_title(text) == "MARITIME SECURITY IN THE GULF OF ADEN"


def test_title_skips_banners_dates_symbols_and_bullets() -> None:
    text = (
        "Skip to main content\nSubscribe\nrss\nImmediate Release\nA/RES/60/288\n"
        "Tuesday, 4 June 2019\n- a bullet line that is not a title\n* *** *\n\n"
        "Counter-Piracy Operations off Somalia\n\nThe operation ended on Monday."
    )
    assert guess_title(text) == "Counter-Piracy Operations off Somalia"


def test_title_skips_navigation_and_language_switchers() -> None:
    text = (
        "Home | About | Contact\nYou are in: Home > Press > 2019\n"
        "Русский Русский, English English, العربية العربية\nHomeHot TopicsBookmark\n\n"
        "Statement on the Ceasefire\n\nThe ceasefire was agreed yesterday by both sides."
    )
    assert guess_title(text) == "Statement on the Ceasefire"


def test_stated_title_is_used() -> None:
    text = "This is the text file for report number XY-19 \nentitled 'Fleet Readiness: Trends'"
    assert guess_title(text) == "Fleet Readiness: Trends"


def test_title_colon_is_dropped() -> None:
    assert guess_title("Key Findings:\n\nThe findings are these.") == "Key Findings"


def test_no_title_in_running_text() -> None:
    text = "This is a long paragraph that goes on and on without any heading at all. " * 5
    assert guess_title(text + "\n\n" + text) is None


def test_first_line_of_a_wrapped_paragraph_is_not_a_title() -> None:
    text = "Since the start of the year the group has\nexpanded its reach across the region.\n"
    assert guess_title(text) is None


def test_issuer_line_is_not_the_title() -> None:
    text = "Ministry of Maritime Affairs\n\nNew Rules for Coastal Patrols\n\nThe rules apply."
    assert guess_title(text, "Ministry of Maritime Affairs") == "New Rules for Coastal Patrols"


# ----- issuer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ministry of Maritime Affairs\nPress Statement\n\nText.", "Ministry of Maritime Affairs"),
        ("Skip Links\nU.S. Department of Commerce\nSEARCH\n", "U.S. Department of Commerce"),
        ("Northwind Analysis Centre:\n\nText follows.", "Northwind Analysis Centre"),
        ("La Maison de la Culture\nBureau du porte-parole\nTexte.", "La Maison de la Culture"),
        ("Bureau du porte-parole\n\nTexte.", "Bureau du porte-parole"),
        ("Kementerian Luar Negeri\n\nTeks.", "Kementerian Luar Negeri"),
        ("وزارة الخارجية\nبيان صحفي\n", "وزارة الخارجية"),
    ],
)
def test_issuer_line(text: str, expected: str) -> None:
    assert guess_issuer(text) == expected


def test_issuer_from_copyright_line() -> None:
    text = "A TITLE\n\nBody text of the brief.\n\nCopyright © 2021 Northwind Analysis, All rights."
    assert guess_issuer(text) == "Northwind Analysis"


def test_a_section_letter_is_not_a_copyright_sign() -> None:
    assert guess_issuer("Under section (c) Reserved Matters, as listed.\n") is None


def test_issuer_from_the_opening_sentence() -> None:
    text = "The following is the March 2, 2020, Maritime Intelligence Bureau report, Title."
    assert guess_issuer(text) == "Maritime Intelligence Bureau"
    text = "Press Statement by Regional Security Council President on recent events"
    assert guess_issuer(text) == "Regional Security Council"


@pytest.mark.parametrize(
    "text",
    [
        "Pengadilan di Kota Dakwa Pria yang Bantu Kelompok\n\nBerita lengkap.",
        "A long opening paragraph that mentions the World Trade Center in passing. " * 5,
        "Photo: the building of the National Agency (foto: Reuters)\n\nText.",
        "Just a text with no organisation.",
        "PRESS STATEMENT BY THE SECURITY COUNCIL\n\nText.",
    ],
)
def test_no_issuer_when_unsure(text: str) -> None:
    assert guess_issuer(text) is None


def test_guess_metadata_puts_it_together() -> None:
    text = (
        "Ministry of Maritime Affairs\n\nNEW RULES FOR COASTAL PATROLS\n\n2019-03-12\n\n"
        + SAMPLES["en"]
    )
    metadata = guess_metadata(text)
    assert metadata.title == "NEW RULES FOR COASTAL PATROLS"
    assert metadata.issuer == "Ministry of Maritime Affairs"
    assert metadata.published is not None and metadata.published.isoformat() == "2019-03-12"
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.date_note is None
    assert metadata.language == "en"


def test_guess_metadata_of_nothing_useful() -> None:
    metadata = guess_metadata("x")
    assert (metadata.title, metadata.issuer, metadata.published, metadata.language) == (
        None, None, None, None,
    )  # fmt: skip
    assert metadata.date_certainty is DateCertainty.NONE
