"""The importer on the real briefings in ../shared/corpus (skipped when it is absent)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from annotator.core.importers import DateCertainty, ImportedDocument, read_document
from tests.conftest import CORPUS, require_shared

BRIEFINGS = CORPUS / "briefings"


def briefing(prefix: str) -> Path:
    folder = require_shared(BRIEFINGS)
    matches = sorted(folder.glob(f"{prefix}_*.txt"))
    assert matches, f"no briefing {prefix}_* in {folder}"
    return matches[0]


def imported(prefix: str) -> ImportedDocument:
    return read_document(briefing(prefix))


def test_00_soufan_intelbrief() -> None:
    document = imported("00")
    metadata = document.metadata
    assert metadata.published == datetime.date(2017, 9, 7)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.title == "MILITARILY DEFEATING THE ISLAMIC STATE"
    assert metadata.issuer == "The Soufan Center"
    assert metadata.language == "en"


def test_00_text_is_the_file_without_link_markup() -> None:
    path = briefing("00")
    raw = path.read_text(encoding="utf-8")
    text = imported("00").text
    assert "](#)" not in text
    assert "Local forces, along with their civilian populations in Syria" in text
    assert text == re.sub(r"\[([^\]]*)\]\(#\)", r"\1", raw)


def test_02_dia_report() -> None:
    metadata = imported("02").metadata
    assert metadata.published == datetime.date(2024, 6, 13)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.issuer == "Defense Intelligence Agency"
    assert metadata.title == "Yemen: Houthi Attacks Placing Pressure on International Trade"


def test_05_crs_report() -> None:
    metadata = imported("05").metadata
    assert metadata.published == datetime.date(2022, 11, 30)
    assert metadata.title == "Iran: Background and U.S. Policy"


def test_06_gao_testimony() -> None:
    metadata = imported("06").metadata
    assert metadata.published == datetime.date(2005, 11, 15)
    assert metadata.title == "DOD Acquisition Outcomes: A Case for Change"
    assert metadata.issuer == "United States Government Accountability Office"


def test_09_dod_statement_has_no_date_to_find() -> None:
    metadata = imported("09").metadata
    assert metadata.published is None
    assert metadata.date_certainty is DateCertainty.NONE
    assert metadata.title is not None and metadata.title.startswith("Statement by Secretary")


def test_10_unsc_press_statement() -> None:
    metadata = imported("10").metadata
    assert metadata.published == datetime.date(2004, 10, 8)
    assert metadata.date_certainty is DateCertainty.AMBIGUOUS
    assert metadata.date_note is not None
    assert "day-first" in metadata.date_note and "10 August" in metadata.date_note
    assert metadata.title == (
        "PRESS STATEMENT BY SECURITY COUNCIL PRESIDENT ON RECENT TERRORIST ATTACKS"
    )
    assert metadata.issuer == "Security Council"
    assert metadata.language == "en"


def test_11_event_date_is_not_the_publication_date() -> None:
    metadata = imported("11").metadata
    assert metadata.published is None
    assert metadata.date_certainty is DateCertainty.NONE
    assert metadata.date_note is not None and "September 11, 2001" in metadata.date_note


def test_12_french_white_house_statement() -> None:
    metadata = imported("12").metadata
    assert metadata.language == "fr"
    assert metadata.published == datetime.date(2017, 6, 26)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.issuer == "La Maison-Blanche"
    assert metadata.title == "Déclaration du porte-parole"


def test_13_arabic_statement() -> None:
    metadata = imported("13").metadata
    assert metadata.language == "ar"
    assert metadata.published == datetime.date(2018, 10, 4)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.issuer == "البيت الأبيض"


def test_14_indonesian_news_item_gets_no_invented_date() -> None:
    metadata = imported("14").metadata
    assert metadata.language == "id"
    assert metadata.published is None
    assert metadata.date_certainty is DateCertainty.NONE
    assert metadata.date_note == "date '16/9' has no year; not filled"
    assert metadata.title == "Pengadilan di AS Dakwa Pria yang Bantu ISIS"
    assert metadata.issuer is None


def test_15_state_press_statement() -> None:
    metadata = imported("15").metadata
    assert metadata.published == datetime.date(2001, 11, 2)
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.issuer == "U.S. Department of State"
    assert metadata.title == (
        "Designation of 22 Foreign Terrorist Organizations under Executive Order 13224"
    )


def test_every_briefing_imports_with_its_text_intact() -> None:
    for path in sorted(require_shared(BRIEFINGS).glob("*.txt")):
        document = read_document(path)
        raw = path.read_text(encoding="utf-8")
        assert document.source_format == "txt"
        assert document.source_name == path.name
        assert document.text == re.sub(r"\[([^\[\]\n]*)\]\([^()\n]*\)", r"\1", raw), path.name


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_every_briefing_survives_the_other_converters(tmp_path: Path, suffix: str) -> None:
    for path in sorted(require_shared(BRIEFINGS).glob("*.txt")):
        copy = tmp_path / (path.stem + suffix)
        copy.write_bytes(path.read_bytes())
        document = read_document(copy)
        assert document.text.strip()
