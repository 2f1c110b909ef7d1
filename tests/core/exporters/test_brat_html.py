"""brat standoff folder and the HTML report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from annotator.core.dataset import Dataset, DatasetDocument
from annotator.core.exporters.brat import brat_value, fragments, safe_file_stems
from annotator.core.exporters.registry import export
from tests.core.exporters.sample import BASE_TIME, CAVEAT, TEXT_1, TEXT_2

# --- brat ------------------------------------------------------------------------------------


@pytest.fixture
def brat_folder(dataset: Dataset, out_dir: Path) -> Path:
    export(dataset, "brat", out_dir / "brat")
    return out_dir / "brat"


def parse_ann(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert b"\r" not in data
    return [line.split("\t") for line in data.decode("utf-8").splitlines()]


def test_brat_files(brat_folder: Path) -> None:
    names = sorted(p.name for p in brat_folder.iterdir())
    assert names == [
        "CAVEAT.txt", "annotation.conf", "annual-review-2024-25.ann",
        "annual-review-2024-25.txt", "quarterly-brief-exports.ann", "quarterly-brief-exports.txt",
    ]
    assert (brat_folder / "quarterly-brief-exports.txt").read_bytes() == TEXT_1.encode()
    assert (brat_folder / "annual-review-2024-25.txt").read_bytes() == TEXT_2.encode()
    assert (brat_folder / "CAVEAT.txt").read_text(encoding="utf-8") == CAVEAT + "\n"


def test_brat_text_bound_lines_match_the_text(brat_folder: Path) -> None:
    for stem, text in (("quarterly-brief-exports", TEXT_1), ("annual-review-2024-25", TEXT_2)):
        for fields in parse_ann(brat_folder / f"{stem}.ann"):
            if not fields[0].startswith("T"):
                continue
            _id, type_and_offsets, quoted = fields
            _type, offsets = type_and_offsets.split(" ", 1)
            pieces = [tuple(map(int, part.split())) for part in offsets.split(";")]
            assert quoted == " ".join(text[s:e] for s, e in pieces)
            assert all("\n" not in text[s:e] for s, e in pieces)
    lines = parse_ann(brat_folder / "quarterly-brief-exports.ann")
    start = TEXT_1.index("rose 4% in Q3.")
    newline = TEXT_1.index("\n", start)
    # The claim crossing a line break becomes two fragments around it.
    assert ["T2", f"claim {start} {newline};{newline + 1} {newline + 10}",
            "rose 4% in Q3. We assess"] in lines


def test_brat_attributes_notes_and_conf(brat_folder: Path) -> None:
    lines = parse_ann(brat_folder / "quarterly-brief-exports.ann")
    attributes = [f[1] for f in lines if f[0].startswith("A")]
    assert "attributed_to T1 cmd_C_calc_A0" in attributes
    assert "value T5 -5" in attributes and "range_low T5 -7.5" in attributes
    notes = [f[1:] for f in lines if f[0].startswith("#")]
    assert ["AnnotatorNotes T1", "attributed_to: =cmd|' /C calc'!A0"] in notes
    assert ["AnnotatorNotes T1", "author: Ana"] in notes
    assert [
        "AnnotatorNotes T1", 'note: Check the release. Second line: "quoted" & <b>not bold</b>'
    ] in notes
    conf = (brat_folder / "annotation.conf").read_text(encoding="utf-8")
    sections = dict(re.findall(r"\[(\w+)\]\n(.*?)(?=\n\[|\Z)", conf, re.S))
    assert sections["entities"].split() == ["claim", "assessment", "figure"]
    assert "<OVERLAP>" in sections["relations"]
    declared = {}
    for line in sections["attributes"].strip().splitlines():
        name, spec = line.split("\t")
        arguments, values = re.fullmatch(r"Arg:(\S+), Value:(\S+)", spec).groups()  # type: ignore[union-attr]
        declared[name] = (set(arguments.split("|")), set(values.split("|")))
    assert declared["likelihood"][1] >= {"likely", "unlikely", "almost_certain"}
    types = {}
    for stem in ("quarterly-brief-exports", "annual-review-2024-25"):
        ann = parse_ann(brat_folder / f"{stem}.ann")
        types = {f[0]: f[1].split()[0] for f in ann if f[0].startswith("T")}
        for fields in ann:
            if fields[0].startswith("A"):
                name, target, value = fields[1].split(" ")
                assert types[target] in declared[name][0] and value in declared[name][1]
    assert f"# Handling caveat: {CAVEAT}" in conf


def test_brat_without_caveat_has_no_caveat_file(dataset: Dataset, out_dir: Path) -> None:
    dataset.caveat = None
    export(dataset, "brat", out_dir / "brat")
    assert not (out_dir / "brat" / "CAVEAT.txt").exists()
    assert "caveat" not in (out_dir / "brat" / "annotation.conf").read_text(encoding="utf-8")


def _document(document_id: int, title: str) -> DatasetDocument:
    return DatasetDocument(
        id=document_id, title=title, issuer=None, published=None, date_certainty="none",
        date_note=None, language=None, source_name="", source_format="txt", text="x",
        sha256="0" * 64, imported_at=BASE_TIME,
    )


def test_safe_file_names() -> None:
    titles = ["../../etc/passwd", "CON", "", "Ünïcödé café", "Report", "REPORT", "تقرير",
              "a" * 200, "..", "Caveat", "C:\\Windows\\system32", "report"]
    stems = safe_file_stems(_document(i, t) for i, t in enumerate(titles, start=1))
    values = list(stems.values())
    assert values == [
        "etc-passwd", "con-2", "document-3", "unicode-cafe", "report", "report-2", "document-7",
        "a" * 40, "document-9", "caveat-10", "c-windows-system32", "report-3",
    ]
    assert len({v.casefold() for v in values}) == len(values)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", v) and len(v) <= 43 for v in values)


def test_fragments_and_values() -> None:
    text = "ab\ncd\r\n\u2028ef"
    assert fragments(text, 0, len(text)) == [(0, 2), (3, 5), (8, 10)]
    assert fragments(text, 2, 3) == []
    assert brat_value("Ministry of Defence (UK)") == "Ministry_of_Defence_UK"
    assert brat_value(-2.5) == "-2.5" and brat_value(True) == "true"
    assert brat_value("€|,") == "" and brat_value("x" * 100) == "x" * 64


# --- HTML ------------------------------------------------------------------------------------


class _TextOfReport(HTMLParser):
    """The text inside each document's text <div>, paragraphs joined by line breaks."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: list[list[str]] = []
        self.depth = 0  # > 0 inside a .text div
        self.in_paragraph = False
        self.in_ref = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and ("class", "text") in attrs:
            self.depth = 1
            self.documents.append([])
        elif self.depth and tag == "p":
            self.documents[-1].append("")
            self.in_paragraph = True
        elif tag == "sup":
            self.in_ref = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth = 0
        elif tag == "p":
            self.in_paragraph = False
        elif tag == "sup":
            self.in_ref = False

    def handle_data(self, data: str) -> None:
        if self.depth and self.in_paragraph and not self.in_ref:
            self.documents[-1][-1] += data


@pytest.fixture
def report(dataset: Dataset, out_dir: Path) -> str:
    result = export(dataset, "html", out_dir / "r.html")
    assert result.items == 9
    return (out_dir / "r.html").read_text(encoding="utf-8")


def test_report_is_self_contained(report: str) -> None:
    lowered = report.lower()
    for forbidden in ("<script", "http:", "https:", "src=", "url(", "@import", "<link", "<img"):
        assert forbidden not in lowered
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in report
    assert report.startswith("<!DOCTYPE html>") and report.endswith("</html>\n")


def test_report_caveat_banner_top_and_bottom(report: str) -> None:
    banner = '<div class="caveat">TLP:AMBER &lt;need-to-know&gt; &amp; no onward sharing</div>'
    assert report.count(banner) == 2
    body = report.split("<body>", 1)[1]
    assert body.lstrip().startswith(banner)
    assert body.rstrip().endswith(banner + "\n</body>\n</html>")
    assert "<title>TLP:AMBER &lt;need-to-know&gt; &amp; no onward sharing — " in report


def test_report_text_is_whole_and_escaped(report: str) -> None:
    parser = _TextOfReport()
    parser.feed(report)
    assert ["\n".join(lines) for lines in parser.documents] == [
        TEXT_1.rstrip("\n"), TEXT_2.rstrip("\n")
    ]
    assert "&lt;b&gt;not bold&lt;/b&gt;" in report and "<b>not bold</b>" not in report
    assert "=cmd|&#x27; /C calc&#x27;!A0" in report


def _css_rules(report: str) -> dict[str, str]:
    """Each class defined in the report's <style> elements, with its declarations."""
    styles = "".join(re.findall(r"<style>(.*?)</style>", report, re.S))
    return dict(re.findall(r"^\.([a-z0-9]+) \{ (.*?) \}$", styles, re.M))


def test_report_highlights_overlaps_and_rtl(report: str) -> None:
    rules = _css_rules(report)
    # "4%" lies in two claims and a figure: three annotations, two tag colours as bands, in the
    # order of the tag list; the title lists their numbers, and each number, where its
    # annotation starts, says what it is and links to its row in the table.
    mark = re.search(r'<mark class="(g\d+) multi" title="([^"]*)">4%</mark>', report)
    assert mark is not None
    assert rules[mark.group(1)] == (
        "background-image: linear-gradient(180deg, #0072B259 0% 50%, #009E7359 50% 100%);"
    )
    assert mark.group(2) == "#1, #2, #3"
    for number, id_, line in ((1, 1, "#1 claim — Ana"), (2, 4, "#2 claim — Ben"),
                              (3, 2, "#3 figure — Ben")):
        assert f'<sup class="ref"><a href="#a-{id_}" title="{line}">{number}</a></sup>' in report
        assert f'<tr id="a-{id_}"><td>{number}</td>' in report
    assert '<p dir="auto"><sup class="ref"><a href="#a-6" title="#1 claim — ليلى">1</a></sup>' \
        '<mark class="c0" title="#1">قالت' in report
    assert rules["c0"] == "background-color: #0072B259;"
    assert '<h2 dir="auto">../Annual Review: 2024/25</h2>' in report
    assert "@media print" in report and "break-before: page" in report
    assert '<tr id="a-3"><td>4</td>' in report  # table numbers match the superscripts
    # Labels with their ranges, as people read them; the storage codes stay out.
    assert "<b>Likelihood</b>: <bdi>likely (55-80%)</bdi>" in report
    assert "<b>Likelihood</b>: <bdi>unlikely (20-45%)</bdi>" in report
    assert "source_reliability" not in report and ">likely<" not in report
    assert "<b>Source reliability</b>: <bdi>B - Usually reliable</bdi> " \
           '<span class="suggested">(suggested)</span>' in report


def test_report_colour_classes(report: str) -> None:
    """Every class a highlight or swatch uses is defined; each set of colours has one class,
    its bands in the order of the tag list whatever order the annotations came in."""
    rules = _css_rules(report)
    used = re.findall(r'<(?:mark|span) class="(?:swatch )?([cg]\d+)', report)
    assert used and set(used) <= set(rules)
    order = ["#0072B2", "#E69F00", "#009E73", "#999999"]  # claim, assessment, figure, none
    bands = [re.findall(r"#[0-9A-F]{6}", rules[name]) for name in rules if name[0] == "g"]
    assert bands and all(b == sorted(b, key=order.index) for b in bands)
    assert len({tuple(b) for b in bands}) == len(bands)
    # "- Bullet": an assessment (#5) that started before a claim (#6): still claim first.
    bullet = re.search(r'<mark class="(g\d+) multi" title="#5[^"]*">- Bullet', report)
    assert bullet is not None
    assert re.findall(r"#[0-9A-F]{6}", rules[bullet.group(1)]) == ["#0072B2", "#E69F00"]
    # Marks have no inline style, and no default (yellow) background shows behind the bands.
    assert "<mark style" not in report and 'style="' not in report.split("<body>", 1)[1]
    assert "mark { color: inherit; background-color: transparent;" in report


def test_report_without_caveat_has_no_banner(dataset: Dataset, out_dir: Path) -> None:
    dataset.caveat = None
    export(dataset, "html", out_dir / "r.html")
    text = (out_dir / "r.html").read_text(encoding="utf-8")
    assert 'class="caveat"' not in text and "<title>Annotator report</title>" in text


def test_report_refuses_hostile_colours(dataset: Dataset, out_dir: Path) -> None:
    from annotator.core.queries import TagInfo

    dataset.tags = [TagInfo(1, "claim", "red;}</style><script>", "1"), *dataset.tags[1:]]
    export(dataset, "html", out_dir / "r.html")
    text = (out_dir / "r.html").read_text(encoding="utf-8")
    assert "<script" not in text and "#99999959" in text
