"""REFI-QDA projects whose sources live outside the archive (relative://, absolute://).

A source found safely beside the project is imported; any other is reported, one line each with
the codings it costs, and never skipped silently.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.dataset import load_dataset
from annotator.core.errors import ImportRefused
from annotator.core.importing import import_file
from annotator.core.interchange.external import position_map
from annotator.core.interchange.merge import merge_incoming
from annotator.core.interchange.refiqda import read_qdpx
from annotator.core.interchange.safety import ExternalFileRefused, file_inside, read_regular_file
from annotator.core.store import Store, open_store
from annotator.core.text import normalise_newlines
from tests.core.interchange import refiqda_sample as sample

NS = 'xmlns="urn:QDA-XML:project:1.0"'
USER = "11111111-2222-4333-8444-555555555555"
CODE = "22222222-3333-4444-8555-666666666666"
# An emoji and Arabic before the spans: positions count code points, not bytes or UTF-16 units.
TEXT = "🙂 تقرير — Exports rose 4% in Q3.\nPorts are congested.\n"
OTHER = "Inline note: grain exports fell.\n"


def spans(text: str, *quotes: str) -> list[tuple[int, int]]:
    return [sample.span(text, quote) for quote in quotes]


def source(name: str, path: str, selections: list[tuple[int, int]], number: int = 1) -> str:
    guid = f"33333333-4444-4555-8666-{number:012d}"
    body = "".join(
        f'<PlainTextSelection guid="44444444-5555-4666-8777-{number:04d}{index:08d}" '
        f'startPosition="{start}" endPosition="{end}" creatingUser="{USER}">'
        f'<Coding guid="55555555-6666-4777-8888-{number:04d}{index:08d}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>'
        for index, (start, end) in enumerate(selections)
    )
    return f'<TextSource guid="{guid}" name="{name}" plainTextPath="{path}">{body}</TextSource>'


def inline_source() -> str:
    (start, end), = spans(OTHER, "grain exports fell")
    return (
        '<TextSource guid="33333333-4444-4555-8666-999999999999" name="inline note">'
        f"<PlainTextContent>{OTHER}</PlainTextContent>"
        f'<PlainTextSelection guid="44444444-5555-4666-8777-999999999999" '
        f'startPosition="{start}" endPosition="{end}" creatingUser="{USER}">'
        f'<Coding guid="55555555-6666-4777-8888-999999999999"><CodeRef targetGUID="{CODE}"/>'
        "</Coding></PlainTextSelection></TextSource>"
    )


def project(*sources: str, base_path: str | None = None) -> str:
    base = f' basePath="{base_path}"' if base_path is not None else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project {NS} name="p" origin="NVivo 14"{base}>'
        f'<Users><User guid="{USER}" name="Dana"/></Users>'
        f'<CodeBook><Codes><Code guid="{CODE}" name="Trade" isCodable="true"/></Codes></CodeBook>'
        f"<Sources>{''.join(sources)}</Sources></Project>"
    )


def qdpx(folder: Path, *sources: str, base_path: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    members: dict[str, str | bytes] = {"project.qde": project(*sources, base_path=base_path)}
    return sample.make_qdpx(folder / "project.qdpx", members)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "target.sqlite3")
    yield opened
    opened.close()


def quoted(store: Store) -> list[tuple[str, str, str]]:
    """(document title, annotated text, tags) of every annotation in the database."""
    dataset = load_dataset(store)
    documents = {d.id: d for d in dataset.documents}
    return sorted(
        (
            documents[a.document_id].title,
            documents[a.document_id].text[a.start:a.end],
            ",".join(t.name for t in a.tags),
        )
        for a in dataset.annotations
    )


TWO_SPANS = spans(TEXT, "Exports rose 4% in Q3.", "Ports are congested.")
EXPECTED = [
    ("brief.txt", "Exports rose 4% in Q3.", "Trade"),
    ("brief.txt", "Ports are congested.", "Trade"),
]


def test_relative_source_next_to_the_project_is_imported(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "project"
    path = qdpx(folder, source("brief.txt", "relative://sub/brief.txt", TWO_SPANS))
    (folder / "sub").mkdir()
    (folder / "sub" / "brief.txt").write_text(TEXT, encoding="utf-8")
    incoming = read_qdpx(path)
    assert incoming.skipped == []
    assert [d.text for d in incoming.documents] == [TEXT]
    assert [(a.start, a.end) for a in incoming.annotations] == TWO_SPANS
    report = merge_incoming(store, incoming)
    assert (report.documents_added, report.annotations_added) == (1, 2)
    assert quoted(store) == EXPECTED


def test_windows_separators_and_base_path(tmp_path: Path) -> None:
    base = tmp_path / "sources-folder"
    (base / "sub").mkdir(parents=True)
    (base / "sub" / "brief.txt").write_text(TEXT, encoding="utf-8")
    path = qdpx(
        tmp_path / "project", source("brief.txt", "relative://sub\\brief.txt", TWO_SPANS),
        base_path=str(base),
    )
    incoming = read_qdpx(path)
    assert incoming.skipped == [] and [d.text for d in incoming.documents] == [TEXT]


def test_base_path_from_another_computer_falls_back_to_the_project_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "project"
    path = qdpx(
        folder, source("brief.txt", "relative://brief.txt", TWO_SPANS),
        base_path="C:\\Users\\dana\\Documents\\Study",
    )
    (folder / "brief.txt").write_text(TEXT, encoding="utf-8")
    assert [d.text for d in read_qdpx(path).documents] == [TEXT]


def test_absolute_source_is_imported_and_one_from_elsewhere_found_next_to_the_project(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere" / "brief.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text(TEXT, encoding="utf-8")
    folder = tmp_path / "project"
    (start, end), = spans(OTHER, "grain exports fell")
    path = qdpx(
        folder,
        source("brief.txt", f"absolute://{elsewhere.as_posix()}", TWO_SPANS, 1),
        source("note.txt", "absolute://C:\\Users\\dana\\note.txt", [(start, end)], 2),
    )
    (folder / "note.txt").write_text(OTHER, encoding="utf-8")
    incoming = read_qdpx(path)
    assert incoming.skipped == []
    assert [d.text for d in incoming.documents] == [TEXT, OTHER]
    assert [(a.start, a.end) for a in incoming.annotations] == [*TWO_SPANS, (start, end)]


def test_crlf_file_is_read_as_a_briefing_and_positions_follow(
    tmp_path: Path, store: Store
) -> None:
    written = TEXT.replace("\n", "\r\n") + "Third line.\u2029Last."
    folder = tmp_path / "project"
    path = qdpx(
        folder,
        source("brief.txt", "relative://brief.txt", spans(
            written, "Exports rose 4% in Q3.", "Ports are congested.", "Last."
        )),
    )
    (folder / "brief.txt").write_bytes(b"\xef\xbb\xbf" + written.encode("utf-8"))
    # The analyst imported the same file as a briefing before: the codings land on it.
    briefing = import_file(store, folder / "brief.txt")
    assert briefing.document_id is not None
    report = merge_incoming(store, read_qdpx(path))
    assert (report.documents_added, report.annotations_added) == (0, 3)
    (document,) = load_dataset(store).documents
    assert document.text == normalise_newlines(written)
    assert [text for _title, text, _tags in quoted(store)] == [
        "Exports rose 4% in Q3.", "Last.", "Ports are congested.",
    ]


def test_windows_1252_file_is_decoded_as_a_briefing(tmp_path: Path) -> None:
    text = "Caf\u00e9 exports \u2014 up 4%.\n"
    folder = tmp_path / "project"
    path = qdpx(folder, source("cafe.txt", "relative://cafe.txt", spans(text, "exports")))
    (folder / "cafe.txt").write_bytes(text.encode("cp1252"))
    incoming = read_qdpx(path)
    assert [d.text for d in incoming.documents] == [text]
    (annotation,) = incoming.annotations
    assert text[annotation.start:annotation.end] == "exports"


def test_a_copy_inside_the_archive_wins(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    path = sample.make_qdpx(folder / "project.qdpx", {
        "project.qde": project(source("brief.txt", "relative://Interviews/brief.txt", TWO_SPANS)),
        "sources/brief.txt": TEXT,
    })
    (folder / "Interviews").mkdir()
    (folder / "Interviews" / "brief.txt").write_text("something else entirely", encoding="utf-8")
    incoming = read_qdpx(path)
    assert incoming.skipped == [] and [d.text for d in incoming.documents] == [TEXT]


def skipped_lines(tmp_path: Path, reference: str) -> list[str]:
    """The skipped lines of a project with one external source and one inline source."""
    path = qdpx(tmp_path / "project", inline_source(), source("brief.txt", reference, TWO_SPANS))
    incoming = read_qdpx(path)
    assert [d.title for d in incoming.documents] == ["inline note"]
    assert len(incoming.annotations) == 1
    return incoming.skipped


def test_missing_source_is_reported_with_its_codings(tmp_path: Path, store: Store) -> None:
    path = qdpx(
        tmp_path / "project", inline_source(),
        source("interview.txt", "relative://interview.txt", TWO_SPANS),
    )
    incoming = read_qdpx(path)
    assert incoming.skipped == [
        "interview.txt: source not found next to the project (relative://interview.txt); "
        "2 codings skipped"
    ]
    notes: list[str] = []
    read_qdpx(path, notes)
    assert incoming.skipped[0] in notes
    report = merge_incoming(store, incoming)
    assert (report.documents_added, report.annotations_added) == (1, 1)


def test_missing_absolute_source_is_reported(tmp_path: Path) -> None:
    assert skipped_lines(tmp_path, "absolute:///no/such/folder/brief.txt") == [
        "brief.txt: source not found at its path or next to the project "
        "(absolute:///no/such/folder/brief.txt); 2 codings skipped"
    ]


def test_parent_folder_escape_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text(TEXT, encoding="utf-8")
    assert skipped_lines(tmp_path, "relative://../secret.txt") == [
        'brief.txt: the path leads outside the project folder ("..") '
        "(relative://../secret.txt); 2 codings skipped"
    ]


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="POSIX links")
def test_link_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(TEXT, encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "brief.txt").symlink_to(outside / "secret.txt")
    (folder / "notes").symlink_to(outside, target_is_directory=True)
    assert skipped_lines(tmp_path, "relative://brief.txt") == [
        "brief.txt: the path is a link to a place outside the project folder "
        "(relative://brief.txt); 2 codings skipped"
    ]
    assert "outside the project folder" in skipped_lines(tmp_path, "relative://notes/secret.txt")[0]
    # A link that stays inside the project folder is fine.
    (folder / "real.txt").write_text(TEXT, encoding="utf-8")
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    path = qdpx(folder, source("brief.txt", "relative://alias.txt", TWO_SPANS))
    assert [d.text for d in read_qdpx(path).documents] == [TEXT]


def test_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "project" / "brief.txt").mkdir(parents=True)
    assert skipped_lines(tmp_path, "relative://brief.txt") == [
        "brief.txt: source is a folder, not a file (relative://brief.txt); 2 codings skipped"
    ]
    folder = (tmp_path / "project" / "brief.txt").as_posix()
    assert "source is a folder" in skipped_lines(tmp_path, f"absolute://{folder}")[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    (line,) = skipped_lines(tmp_path, f"absolute://{pipe.as_posix()}")
    assert "not a regular file" in line


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux /proc")
def test_kernel_pseudo_file_is_refused_as_empty(tmp_path: Path) -> None:
    (line,) = skipped_lines(tmp_path, "absolute:///proc/self/environ")
    assert "source is empty" in line


def test_binary_and_oversized_files_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "brief.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (line,) = skipped_lines(tmp_path, "relative://brief.txt")
    assert line.startswith("brief.txt: source is not usable text: binary file (PNG image")
    (folder / "brief.txt").write_text(TEXT * 50, encoding="utf-8")
    path = qdpx(folder, inline_source(), source("brief.txt", "relative://brief.txt", TWO_SPANS))
    (line,) = read_qdpx(path, max_bytes=1000).skipped
    assert "over the 1000 bytes limit" in line and line.endswith("2 codings skipped")


def test_a_source_file_that_no_longer_fits_its_codings_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "brief.txt").write_text("Edited since.", encoding="utf-8")
    assert skipped_lines(tmp_path, "relative://brief.txt") == [
        "brief.txt: the file found does not fit its codings (was it edited?) "
        "(relative://brief.txt); 2 codings skipped"
    ]


def test_unknown_place_is_reported(tmp_path: Path) -> None:
    assert skipped_lines(tmp_path, "https://example.org/brief.txt") == [
        "brief.txt: source text is not at a place this version can read "
        "(https://example.org/brief.txt); 2 codings skipped"
    ]


def test_project_without_any_usable_source_is_refused_in_one_line(
    tmp_path: Path, store: Store
) -> None:
    path = qdpx(
        tmp_path / "project",
        source("a.txt", "relative://a.txt", TWO_SPANS, 1),
        source("b.txt", "relative://../b.txt", TWO_SPANS, 2),
    )
    with pytest.raises(ImportRefused) as caught:
        read_qdpx(path)
    message = str(caught.value)
    assert message == (
        "project.qdpx: no text source this version can import; a.txt: source not found next "
        "to the project (relative://a.txt) (and 1 more); nothing imported"
    )
    assert "\n" not in message
    assert load_dataset(store).documents == []


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("C:/x.txt", "absolute"),
        ("a/../../x.txt", "outside"),
        ("..", "outside"),
        ("", "names no file"),
        (".", "names no file"),
        ("a\x00b", "binary"),
    ],
)
def test_file_inside_refuses_paths_leading_out(
    tmp_path: Path, relative: str, reason: str
) -> None:
    with pytest.raises(ExternalFileRefused, match=reason):
        file_inside([tmp_path], relative)


def test_file_inside_tries_each_folder_in_turn(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    (second / "sub").mkdir(parents=True)
    (second / "sub" / "x.txt").write_text("x", encoding="utf-8")
    assert file_inside([first, second], "sub/./x.txt") == (second / "sub" / "x.txt").resolve()
    assert file_inside([first, second], "sub/../sub/x.txt") == (second / "sub" / "x.txt").resolve()
    with pytest.raises(ExternalFileRefused, match="not found"):
        file_inside([first, second], "y.txt")


def test_read_regular_file_limits(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ExternalFileRefused, match="is empty"):
        read_regular_file(empty, 10)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 11)
    with pytest.raises(ExternalFileRefused, match="over the 10 bytes limit"):
        read_regular_file(big, 10)
    assert read_regular_file(big, 11) == b"x" * 11
    with pytest.raises(ExternalFileRefused, match="not found"):
        read_regular_file(tmp_path / "missing.txt", 10)


_LINE_TEXT = st.text(alphabet=st.sampled_from(list("ab \r\n\u2028\u2029\x85é🙂")), max_size=40)


@given(raw=_LINE_TEXT, data=st.data())
def test_positions_follow_line_end_normalisation(raw: str, data: st.DataObject) -> None:
    moved = position_map(raw) or (lambda position: position)
    text = normalise_newlines(raw)
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, len(raw)))
    inside_crlf = {index + 1 for index in range(len(raw) - 1) if raw[index:index + 2] == "\r\n"}
    if start in inside_crlf or end in inside_crlf:
        return
    assert text[moved(start):moved(end)] == normalise_newlines(raw[start:end])
    assert moved(len(raw)) == len(text)
