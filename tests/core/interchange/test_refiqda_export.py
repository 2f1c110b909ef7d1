"""REFI-QDA export (.qdpx, .qdc): schema validity, what the schema cannot check, round trips."""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from annotator.core.dataset import Dataset, load_dataset
from annotator.core.exporters.common import ExportOptions
from annotator.core.exporters.refiqda import (
    DATA_NOTE_NAME,
    GUID_NAMESPACE,
    guid,
    write_qdc,
    write_qdpx,
)
from annotator.core.files import ExportFailed
from annotator.core.interchange.detect import annotation_format
from annotator.core.interchange.merge import merge_incoming
from annotator.core.interchange.refiqda import looks_like_qdpx, read_qdpx
from annotator.core.interchange.safety import parse_xml_safely
from annotator.core.store import Store, open_store
from tests.conftest import FORMATS, require_shared
from tests.core.interchange import refiqda_sample as sample

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"


@pytest.fixture(scope="module")
def source_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("refiqda") / "source.sqlite3")
    sample.build(store)
    yield store
    store.close()


@pytest.fixture
def dataset(source_store: Store) -> Dataset:
    return load_dataset(source_store)


@pytest.fixture
def qdpx(dataset: Dataset, tmp_path: Path) -> Path:
    return write_qdpx(dataset, tmp_path / "project.qdpx", ExportOptions()).path


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "fresh.sqlite3")
    yield store
    store.close()


def project_of(path: Path) -> Element:
    with zipfile.ZipFile(path) as archive:
        return parse_xml_safely(archive.read("project.qde"), "project.qde")


def test_qdpx_validates_against_the_project_schema(qdpx: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xsd = require_shared(FORMATS / "refi-qda" / "Project-mrt2019.xsd")
    with zipfile.ZipFile(qdpx) as archive:
        assert sorted(archive.namelist())[0] == "project.qde"
        xml = archive.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(xsd)).validate(xml)


def test_qdc_validates_against_the_codebook_schema(dataset: Dataset, tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xsd = require_shared(FORMATS / "refi-qda" / "Codebook-mrt2019.xsd")
    result = write_qdc(dataset, tmp_path / "codes.qdc")
    assert result.items == len(dataset.tags)
    xmlschema.XMLSchema(str(xsd)).validate(str(result.path))
    root = parse_xml_safely(result.path.read_bytes(), "codes.qdc")
    codes = root.findall(f"{C}Codes/{C}Code")
    assert [code.get("name") for code in codes] == [tag.name for tag in dataset.tags]
    assert [code.get("color") for code in codes] == [t.colour.upper() for t in dataset.tags]
    assert all("Form fields" in (code.findtext(f"{C}Description") or "") for code in codes)
    caveat_set = root.find(f"{C}Sets/{C}Set")
    assert caveat_set is not None and caveat_set.get("name") == f"Handling caveat: {sample.CAVEAT}"
    members = {m.get("guid") for m in caveat_set.findall(f"{C}MemberCode")}
    assert members == {code.get("guid") for code in codes}
    assert b"<!-- Handling caveat: TLP:AMBER" in result.path.read_bytes()[:200]


def test_what_the_schema_cannot_check(qdpx: Path, dataset: Dataset) -> None:
    root = project_of(qdpx)
    assert root.tag == f"{P}Project"
    assert root.get("origin") == "Annotator" and root.get("creationDateTime")
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "").startswith(
        "urn:QDA-XML:project:1.0 "
    )
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert sorted(users.values()) == ["Bo Ström", "ana"]
    codes = {c.get("guid") for c in root.iter(f"{P}Code")}
    for attribute in ("creatingUser", "modifyingUser"):
        for element in root.iter():
            if element.get(attribute) is not None:
                assert element.get(attribute) in users
    for reference in root.iter(f"{P}CodeRef"):
        assert reference.get("targetGUID") in codes
    every_guid = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(every_guid) == len(set(every_guid))
    by_text = {d.sha256: d for d in dataset.documents}
    expected = {(a.start, a.end, a.author, dataset.document(a.document_id).text[a.start:a.end])
                for a in dataset.annotations}
    seen = set()
    with zipfile.ZipFile(qdpx) as archive:
        names = set(archive.namelist())
        for source in root.iter(f"{P}TextSource"):
            path = source.get("plainTextPath", "")
            assert path == f"internal://{source.get('guid')}.txt"
            member = "sources/" + path.removeprefix("internal://")
            assert member in names
            text = archive.read(member).decode("utf-8")
            document = next(d for d in by_text.values() if d.text == text)
            assert source.get("name") == document.title
            for selection in source.iter(f"{P}PlainTextSelection"):
                start = int(selection.get("startPosition", "-1"))
                end = int(selection.get("endPosition", "-1"))
                assert 0 <= start < end <= len(text)
                assert text[start:end] == selection.get("name")
                seen.add((start, end, users[selection.get("creatingUser")], text[start:end]))
    assert seen == expected
    assert len(list(root.iter(f"{P}PlainTextSelection"))) == len(dataset.annotations)


def test_code_points_not_utf16_positions(qdpx: Path) -> None:
    root = project_of(qdpx)
    start, end = sample.span(sample.TEXT_1, "The ministry said exports rose 4% in Q3.")
    selection = next(
        s for s in root.iter(f"{P}PlainTextSelection") if s.get("name", "").startswith("The min")
    )
    # The emoji before the span is one position (two UTF-16 code units), Arabic letters one each.
    assert (int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))) == (
        start, end,
    )
    assert start == sample.TEXT_1.index("The ministry")


def test_fields_caveat_and_notes_are_carried(qdpx: Path) -> None:
    root = project_of(qdpx)
    assert sample.CAVEAT in (root.get("name") or "")
    assert (root.findtext(f"{P}Description") or "").startswith(f"Handling caveat: {sample.CAVEAT}")
    note = next(n for n in root.iter(f"{P}Note") if n.get("name") == DATA_NOTE_NAME)
    assert root.find(f"{P}NoteRef") is not None
    assert root.find(f"{P}NoteRef").get("targetGUID") == note.get("guid")  # type: ignore[union-attr]
    block = json.loads(note.findtext(f"{P}PlainTextContent") or "")
    assert block["caveat"] == sample.CAVEAT
    fields = [tag for data in block["selections"].values() for tag in data.get("tags", {}).values()]
    assert {"fields": {"attributed_to": "the ministry", "source_reliability": "B"}} in fields
    assert {"fields": {"value": 4, "unit": "%", "figure_kind": "percentage"},
            "suggested": ["value", "unit"]} in fields
    descriptions = [s.findtext(f"{P}Description") for s in root.iter(f"{P}PlainTextSelection")]
    assert 'Check the "release" <b>first</b> & then\nsecond line' in descriptions


def test_guids_are_stable_uuid5(dataset: Dataset, tmp_path: Path) -> None:
    for key in ("tag:claim", "user:Bo Ström", "annotation:" + "a" * 64 + ":1:2:x:y"):
        assert guid(key) == str(uuid.uuid5(GUID_NAMESPACE, key))
    first = write_qdpx(dataset, tmp_path / "a.qdpx").path
    second = write_qdpx(dataset, tmp_path / "b.qdpx").path
    guids = [sorted(e.get("guid", "") for e in project_of(p).iter()) for p in (first, second)]
    assert guids[0] == guids[1]


def test_round_trip_into_a_fresh_database_is_lossless(
    qdpx: Path, source_store: Store, fresh: Store
) -> None:
    assert looks_like_qdpx(qdpx) and annotation_format(qdpx) == "refi-qda"
    notes: list[str] = []
    incoming = read_qdpx(qdpx, notes)
    assert notes == [] and incoming.format == "refi-qda"
    report = merge_incoming(fresh, incoming)
    assert report.documents_added == 2
    assert report.annotations_added == len(load_dataset(source_store).annotations)
    assert sample.documents(fresh) == sample.documents(source_store)
    assert sample.annotations(fresh) == sample.annotations(source_store)
    again = merge_incoming(fresh, read_qdpx(qdpx))
    assert (again.annotations_added, again.documents_added) == (0, 0)
    assert again.annotations_present == report.annotations_added
    assert sample.annotations(fresh) == sample.annotations(source_store)


def test_importing_into_the_source_database_adds_nothing(qdpx: Path, source_store: Store) -> None:
    before = sample.annotations(source_store)
    report = merge_incoming(source_store, read_qdpx(qdpx))
    assert (report.annotations_added, report.documents_added) == (0, 0)
    assert sample.annotations(source_store) == before


def test_progress_and_cancel_leave_nothing_behind(dataset: Dataset, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    options = ExportOptions(progress=lambda done, total: calls.append((done, total)))
    write_qdpx(dataset, tmp_path / "ok.qdpx", options)
    assert calls[-1] == (len(dataset.annotations), len(dataset.annotations))

    def cancel(done: int, total: int) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "sub"
    out.mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_qdpx(dataset, out / "cancelled.qdpx", ExportOptions(progress=cancel))
    assert list(out.iterdir()) == []


def test_qdc_without_tags_is_refused(dataset: Dataset, tmp_path: Path) -> None:
    empty = Dataset(documents=[], annotations=[], tags=[], caveat=None,
                    exported_at=dataset.exported_at)
    with pytest.raises(ExportFailed, match="no tags"):
        write_qdc(empty, tmp_path / "none.qdc")
    assert list(tmp_path.iterdir()) == []


def test_empty_database_exports_a_valid_project(tmp_path: Path, fresh: Store) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xsd = require_shared(FORMATS / "refi-qda" / "Project-mrt2019.xsd")
    path = write_qdpx(load_dataset(fresh), tmp_path / "empty.qdpx").path
    with zipfile.ZipFile(path) as archive:
        xmlschema.XMLSchema(str(xsd)).validate(archive.read("project.qde").decode("utf-8"))
