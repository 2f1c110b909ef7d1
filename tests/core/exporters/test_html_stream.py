"""The HTML report, written as it is made, against the report written whole before it was
streamed (tests/data/exports/report_edges.html): byte for byte, on what the sample database does
not have. Annotations out of start order, an empty span, spans ending at the text's end and past
a final line break, a text without final line break, an empty text, HTML special characters at
segment edges, times before the year 1000, and tags missing from the tag list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

import pytest

from annotator.core.dataset import Dataset, DatasetTag
from annotator.core.exporters.common import ExportOptions
from annotator.core.exporters.registry import export
from annotator.core.text import text_sha256

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "exports" / "report_edges.html"


def edges(dataset: Dataset) -> Dataset:
    """The sample dataset with two more documents and annotations that take every path."""
    base = dataset.documents[0]
    text = "<a href='x'>&amp;</a> \"quoted\"\n\n🙂 مرحبا & <b>\nlast line without break"
    third = dataclasses.replace(base, id=3, title="<Edges> & 'more'", text=text,
                                sha256=text_sha256(text))
    fourth = dataclasses.replace(base, id=4, title="Empty", text="", sha256=text_sha256(""))
    first = dataset.annotations[0]
    old = dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)

    def made(number: int, start: int, end: int, *tags: DatasetTag, **extra: object) -> object:
        return dataclasses.replace(
            first, id=200 + number, document_id=extra.get("document", 3), start=start,
            end=end, tags=tags, author=str(extra.get("author", "Ana & <Ben>")),
            note=str(extra.get("note", "")), created=extra.get("created", first.created),
            modified=extra.get("modified", first.modified),
        )

    claim, figure = DatasetTag("claim", {"attributed_to": "<x>"}), DatasetTag("figure")
    added = [
        made(1, 30, len(text), claim, note="a & b"),
        made(2, 0, 12, figure, DatasetTag("unlisted", {"k": [1, 2]}, ("k",)), created=old,
             modified=old),
        made(3, 5, 5, claim),  # empty
        made(4, 12, 35),  # no tag, across the blank line
        made(5, 0, len(text), DatasetTag("assessment", {"likelihood": "likely"})),
        made(6, 0, 0, document=4),
    ]
    return dataclasses.replace(
        dataset, documents=[*dataset.documents, third, fourth],
        annotations=[*dataset.annotations, *added], _by_id={},  # type: ignore[list-item]
    )


def test_report_as_before(dataset: Dataset, out_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    export(edges(dataset), "html", out_dir / "r.html",
           ExportOptions(progress=lambda done, total: calls.append((done, total))))
    data = (out_dir / "r.html").read_bytes()
    if os.environ.get("ANNOTATOR_UPDATE_REFERENCE"):
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()
    assert calls[-1] == (15, 15)


def test_empty_annotation_covers_nothing(dataset: Dataset, out_dir: Path) -> None:
    """An empty annotation has its number where it starts, and no highlight's title lists it
    (it used to stay in every title to the end of its document)."""
    export(edges(dataset), "html", out_dir / "r.html")
    report = (out_dir / "r.html").read_text(encoding="utf-8")
    section = report.split('id="doc-3"', 1)[1].split("<table>", 1)[0]
    assert '<sup class="ref"><a href="#a-203" title="#3 claim — Ana &amp; &lt;Ben&gt;">3</a>' \
        in section
    titles = re.findall(r'<mark [^>]*title="([^"]*)"', section)
    assert titles and not any("#3" in title.split(", ") for title in titles)
    assert any("#4" in title.split(", ") for title in titles)
    assert 'title="#4 (no tag) — Ana &amp; &lt;Ben&gt;">4</a>' in section


def test_each_annotation_is_described_once(dataset: Dataset, out_dir: Path) -> None:
    """A highlight's title lists the numbers of the annotations over it; what each one is
    ("#n tags — author") is written once, on its number, which links to its row in the table
    (issue 15: the per-highlight lines were nearly half of a densely annotated report)."""
    export(edges(dataset), "html", out_dir / "r.html")
    report = (out_dir / "r.html").read_text(encoding="utf-8")
    for section in report.split('<section class="document"')[1:]:
        text = section.split("<table>", 1)[0]
        described = re.findall(r'<sup class="ref"><a href="#a-(\d+)" title="#(\d+) ', text)
        assert sorted(int(n) for _id, n in described) == list(range(1, len(described) + 1))
        for id_, number in described:
            assert f'<tr id="a-{id_}"><td>{number}</td>' in section
            assert text.count(f'title="#{number} ') == 1
        numbers = {n for _id, n in described}
        for title in re.findall(r'<mark [^>]*title="([^"]*)"', text):
            listed = title.split(", ")
            assert listed == sorted(listed, key=lambda n: int(n[1:]))
            assert {n[1:] for n in listed} <= numbers


def test_chunk_size_changes_nothing(
    dataset: Dataset, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text is written a few thousand pieces at a time, paragraphs cut where a chunk ends:
    with chunks of two pieces, the report is the same."""
    from annotator.core.exporters import html_text

    export(edges(dataset), "html", out_dir / "whole.html")
    monkeypatch.setattr(html_text, "_PIECES", 2)
    export(edges(dataset), "html", out_dir / "small.html")
    assert (out_dir / "small.html").read_bytes() == (out_dir / "whole.html").read_bytes()
