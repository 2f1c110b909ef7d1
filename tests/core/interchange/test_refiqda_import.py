"""REFI-QDA import of files made by other tools, and refusal of damaged or hostile files."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.dataset import load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.interchange.merge import merge_incoming
from annotator.core.interchange.refiqda import looks_like_qdpx, read_qdpx
from annotator.core.queries import list_tags
from annotator.core.store import Store, open_store
from tests.core.interchange import refiqda_sample as sample
from tests.growth import unpacked_bytes

DATA = Path(__file__).resolve().parents[2] / "data" / "refiqda"
NS = 'xmlns="urn:QDA-XML:project:1.0"'
USER = "11111111-2222-4333-8444-555555555555"
CODE = "22222222-3333-4444-8555-666666666666"
SOURCE = "33333333-4444-4555-8666-777777777777"
TEXT = "Exports rose 4% in Q3. Ports are congested."


def project(
    selections: str, *, text_path: str = f"internal://{SOURCE}.txt", extra: str = ""
) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project {NS} name="p" origin="Other 1.0">'
        f'<Users><User guid="{USER}" name="Dana"/></Users>'
        f'<CodeBook><Codes><Code guid="{CODE}" name="Trade" isCodable="true" color="#123456"/>'
        f"</Codes></CodeBook><Sources>{extra}"
        f'<TextSource guid="{SOURCE}" name="brief.txt" plainTextPath="{text_path}">'
        f"{selections}</TextSource></Sources></Project>"
    )


def selection(start: int, end: int, name: str = "", code: str = CODE) -> str:
    return (
        f'<PlainTextSelection guid="44444444-5555-4666-8777-{start:06d}{end:06d}" name="{name}" '
        f'startPosition="{start}" endPosition="{end}" creatingUser="{USER}">'
        f'<Coding guid="55555555-6666-4777-8888-{start:06d}{end:06d}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "target.sqlite3")
    yield opened
    opened.close()


def refused(store: Store, path: Path, match: str) -> None:
    """Importing `path` is refused with a message matching `match`, and nothing is written."""
    before = sample.counts(store), sample.annotations(store)
    with pytest.raises(ImportRefused, match=match) as caught:
        merge_incoming(store, read_qdpx(path))
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ") and message.endswith("; nothing imported")
    assert (sample.counts(store), sample.annotations(store)) == before


def test_taguette_style_project(tmp_path: Path, store: Store) -> None:
    path = sample.zip_folder(DATA / "taguette", tmp_path / "taguette.qdpx")
    assert looks_like_qdpx(path)
    notes: list[str] = []
    incoming = read_qdpx(path, notes)
    assert notes == []
    text = (DATA / "taguette" / "sources" / "8C1D6C2E-3F0A-5B7E-9D41-2A6F0C9B7E11.txt").read_text(
        encoding="utf-8"
    )
    assert [d.text for d in incoming.documents] == [text]
    assert [d.title for d in incoming.documents] == ["interview-1.txt"]
    found = {(text[a.start:a.end], a.author, tuple(t.name for t in a.tags))
             for a in incoming.annotations}
    assert found == {
        ("The ministry said exports rose 4% in Q3.", "admin", ("claim", "interesting")),
        ("We think a deal is likely before spring.", "admin", ("interesting",)),
        ("Follow up with the port authority.", "admin", ("follow-up",)),
    }
    report = merge_incoming(store, incoming)
    assert report.documents_added == 1 and report.annotations_added == 3
    assert set(report.tags_added) == {"interesting", "follow-up"}
    assert merge_incoming(store, read_qdpx(path)).annotations_added == 0


def test_qualcoder_style_project(tmp_path: Path, store: Store) -> None:
    path = sample.zip_folder(DATA / "qualcoder", tmp_path / "qualcoder.qdpx")
    notes: list[str] = []
    incoming = read_qdpx(path, notes)
    assert notes == ["skipped 1 PictureSource source(s) without text to annotate"]
    # Nested codes keep their own names (spaces tidied); "#8af" is expanded; a category
    # without colour brings none.
    assert incoming.tag_colours == {
        "Economy": "#F781F3", "Trade flows": "#88AAFF", "assessment": "#81BEF7",
    }
    texts = {d.title: d.text for d in incoming.documents}
    assert set(texts) == {"brief.txt", "journal note"}
    brief = texts["brief.txt"]
    assert brief.startswith("تقرير موجز 🙂")
    grain = next(a for a in incoming.annotations
                 if brief[a.start:a.end] == "Exports of grain fell by 12% in March.")
    # Two selections of one span by one user (one per code) become one annotation.
    assert [t.name for t in grain.tags] == ["Economy", "Trade flows"]
    assert grain.author == "colin" and grain.note == "check the ministry figure"
    assert grain.created is not None and grain.created.isoformat() == "2024-01-02T10:05:00+00:00"
    port = next(a for a in incoming.annotations
                if brief[a.start:a.end] == "Port capacity remains the main constraint.")
    assert port.author == "unknown" and [t.name for t in port.tags] == ["assessment"]
    journal = texts["journal note"]
    inline = next(a for a in incoming.annotations if a.author == "default")
    assert journal[inline.start:inline.end] == "grain exports down 12%"
    assert len(incoming.annotations) == 3
    report = merge_incoming(store, incoming)
    assert report.documents_added == 2 and report.annotations_added == 3
    colours = {tag.name: tag.colour for tag in list_tags(store)}
    assert colours["Economy"] == "#F781F3" and colours["Trade flows"] == "#88AAFF"
    assert "assessment" in colours and "Assessment" not in colours


def test_maxqda_style_bom_braces_inclusive_ends_and_other_qde_name(
    tmp_path: Path, store: Store
) -> None:
    start, end = sample.span(TEXT, "Ports are congested.")
    body = selection(start, end - 1, "Ports are congested.", code="{" + CODE.upper() + "}")
    path = sample.make_qdpx(tmp_path / "maxqda.qdpx", {
        "My Project.qde": project(body),
        f"sources/{SOURCE}.txt": "\ufeff" + TEXT,
    })
    notes: list[str] = []
    incoming = read_qdpx(path, notes)
    assert any("last character" in line for line in notes)
    (annotation,) = incoming.annotations
    assert (annotation.start, annotation.end, annotation.author) == (start, end, "Dana")
    assert incoming.documents[0].text == TEXT
    assert merge_incoming(store, incoming).annotations_added == 1


def test_pdf_representation_is_read_and_media_skipped(tmp_path: Path) -> None:
    pdf = (
        f'<PDFSource guid="66666666-7777-4888-8999-000000000001" name="report.pdf" '
        f'path="internal://x.pdf"><Representation guid="66666666-7777-4888-8999-000000000002" '
        f'plainTextPath="internal://rep.txt">{selection(0, 7, "Exports")}</Representation>'
        f'</PDFSource><AudioSource guid="66666666-7777-4888-8999-000000000003" name="a.m4a"/>'
    )
    path = sample.make_qdpx(tmp_path / "pdf.qdpx", {
        "project.qde": project(selection(0, 7), extra=pdf),
        f"sources/{SOURCE}.txt": TEXT,
        "sources/rep.txt": TEXT.upper() + " (pdf)",
    })
    notes: list[str] = []
    incoming = read_qdpx(path, notes)
    assert [d.title for d in incoming.documents] == ["report.pdf", "brief.txt"]
    assert notes == ["skipped 1 AudioSource source(s) without text to annotate"]


def test_external_sources_are_skipped_but_a_project_without_text_is_refused(
    tmp_path: Path, store: Store
) -> None:
    path = sample.make_qdpx(tmp_path / "external.qdpx", {
        "project.qde": project(selection(0, 7), text_path="absolute:///home/x/brief.txt"),
    })
    refused(store, path, "no text source")
    media = project("").replace(
        f'<TextSource guid="{SOURCE}" name="brief.txt" plainTextPath="internal://{SOURCE}.txt">'
        "</TextSource>",
        '<PictureSource guid="66666666-7777-4888-8999-000000000009" name="p.png"/>',
    )
    path = sample.make_qdpx(tmp_path / "media.qdpx", {"project.qde": media})
    refused(store, path, r"no text source this version can import \(only PictureSource\)")


@pytest.mark.parametrize(
    ("start", "end"), [(-1, 5), (5, 5), (8, 3), (0, len(TEXT) + 1), (40, 400)]
)
def test_positions_out_of_range_are_refused(
    tmp_path: Path, store: Store, start: int, end: int
) -> None:
    path = sample.make_qdpx(tmp_path / "range.qdpx", {
        "project.qde": project(selection(0, 7) + selection(start, end)),
        f"sources/{SOURCE}.txt": TEXT,
    })
    refused(store, path, "is outside its text")


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({"project.qde": project(selection(0, 7, code=CODE.replace("2", "9"))),
          f"sources/{SOURCE}.txt": TEXT}, "not in the codes"),
        ({"project.qde": project(selection(0, 7))}, r"sources/.* is missing"),
        ({"project.qde": project(selection(0, 7)), f"sources/{SOURCE}.txt": b"caf\xe9"},
         "not UTF-8"),
        ({"project.qde": "<Project><Sources>"}, "not well-formed XML"),
        ({"project.qde": "not xml at all"}, r"project.qde: is not well-formed XML"),
        ({"project.qde": f"<CodeBook {NS}/>"}, "not a REFI-QDA project"),
        ({"readme.txt": "hello"}, "no project.qde inside"),
        ({"a.qde": project(""), "b.qde": project("")}, "several projects"),
        ({"project.qde": project('<PlainTextSelection guid="x" startPosition="a" '
                                 'endPosition="3"/>'), f"sources/{SOURCE}.txt": TEXT},
         "no valid start/end"),
    ],
)
def test_damaged_projects_are_refused(
    tmp_path: Path, store: Store, members: dict[str, str | bytes], match: str
) -> None:
    refused(store, sample.make_qdpx(tmp_path / "damaged.qdpx", members), match)


def test_our_export_with_an_edited_source_is_refused(tmp_path: Path, store: Store) -> None:
    from annotator.core.exporters.refiqda import write_qdpx

    origin = open_store(tmp_path / "origin.sqlite3")
    sample.build(origin)
    exported = write_qdpx(load_dataset(origin), tmp_path / "ours.qdpx").path
    origin.close()
    with zipfile.ZipFile(exported) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data in members.items():
        if name.startswith("sources/") and b"ministry" in data:
            members[name] = data.replace(b"ministry", b"MINISTRY")
    refused(store, sample.make_qdpx(tmp_path / "edited.qdpx", members), "was the source edited")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + f"]>\n<Project {NS} name=\"&lol9;\"/>"
)


def test_entity_bomb_is_refused(tmp_path: Path, store: Store) -> None:
    path = sample.make_qdpx(tmp_path / "laughs.qdpx", {"project.qde": BILLION_LAUGHS})
    refused(store, path, "DTD or entities")


def test_external_entity_is_refused(tmp_path: Path, store: Store) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<Project {NS} name=\"&x;\"/>"
    )
    refused(store, sample.make_qdpx(tmp_path / "xxe.qdpx", {"project.qde": xxe}), "DTD")


def test_zip_bomb_is_refused_quickly(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("project.qde", project(selection(0, 7)))
        zeros = bytes(1 << 20)
        with archive.open(f"sources/{SOURCE}.txt", "w", force_zip64=True) as member:
            for _ in range(210):  # 210 MB of zeros, about 1 MB on disk
                member.write(zeros)
    assert path.stat().st_size < 5_000_000
    with unpacked_bytes() as unpacked:
        refused(store, path, "zip bomb")
    assert unpacked[0] < 1 << 20, "refused only after unpacking the bomb"


def test_member_lying_about_its_size_is_refused(tmp_path: Path, store: Store) -> None:
    path = sample.make_qdpx(tmp_path / "liar.qdpx", {
        "project.qde": project(selection(0, 7)), f"sources/{SOURCE}.txt": "x" * 3_000_000,
    })
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = -1
        while (at := data.find(signature, at + 1)) != -1:
            if data.find(b"sources/", at, at + 100) != -1:
                struct.pack_into("<I", data, at + offset, 1000)  # declare 1000 bytes
    path.write_bytes(bytes(data))
    refused(store, path, "damaged")


@pytest.mark.parametrize(
    "name", ["../evil.txt", "sources/../../evil.txt", "/etc/evil.txt", "C:/evil.txt",
             "sources\\evil.txt"]
)
def test_unsafe_member_names_are_refused(tmp_path: Path, store: Store, name: str) -> None:
    path = sample.make_qdpx(tmp_path / "evil.qdpx", {
        "project.qde": project(selection(0, 7)), f"sources/{SOURCE}.txt": TEXT, name: "pwned",
    })
    refused(store, path, "entry")
    assert not (tmp_path / "evil.txt").exists()


def test_not_a_zip_is_refused(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "fake.qdpx"
    path.write_text("<Project/> this is not a zip archive", encoding="utf-8")
    assert not looks_like_qdpx(path)
    refused(store, path, "not a zip archive")
    empty = tmp_path / "empty.qdpx"
    empty.write_bytes(b"")
    refused(store, empty, "not a zip archive")


def test_oversized_project_xml_is_refused(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core.interchange import refiqda

    monkeypatch.setattr(refiqda, "MAX_PROJECT_BYTES", 100)
    path = sample.make_qdpx(tmp_path / "big.qdpx", {
        "project.qde": project(selection(0, 7)), f"sources/{SOURCE}.txt": TEXT,
    })
    refused(store, path, "project.qde is larger than")
