"""Property: whatever the text and notes, a .qdpx reads back to the same annotations."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument, DatasetTag
from annotator.core.exporters.refiqda import write_qdpx
from annotator.core.interchange.refiqda import read_qdpx
from annotator.core.queries import TagInfo
from annotator.core.text import text_sha256

TAGS = [TagInfo(1, "claim", "#0072B2", "1"), TagInfo(2, "figure", "#009E73", "3")]
# Any text, control characters, CR, emoji and right-to-left scripts included.
free_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from("\r\n\t\x00\x0c🙂مرحبا<>&\"'"),
    ),
    max_size=60,
)
names = st.text(alphabet=st.sampled_from("abc XYZ-é🙂ع"), min_size=1, max_size=12).filter(
    lambda name: name.strip() == name
)
field_values = st.dictionaries(
    st.sampled_from(["value", "unit", "attributed_to"]),
    st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
              free_text),
    max_size=3,
)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    text = draw(free_text.filter(lambda value: len(value) > 0))
    when = dt.datetime(2025, 1, 15, 10, 0, tzinfo=dt.UTC)
    document = DatasetDocument(
        id=1, title=draw(free_text), issuer=None, published=None, date_certainty="none",
        date_note=None, language=None, source_name="x.txt", source_format="txt", text=text,
        sha256=text_sha256(text), imported_at=when,
    )
    annotations = []
    for number in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        tags = tuple(
            DatasetTag(name, draw(field_values)) for name in draw(st.sets(st.sampled_from(
                ["claim", "figure"])))
        )
        created = when + dt.timedelta(microseconds=draw(st.integers(0, 10**9)))
        annotations.append(DatasetAnnotation(
            id=number + 1, document_id=1, start=start, end=end, author=draw(names),
            created=created, modified=created + dt.timedelta(seconds=number),
            note=draw(free_text), tags=tags,
        ))
    return Dataset([document], annotations, TAGS, draw(st.one_of(st.none(), free_text)), when)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_export_then_read_gives_back_the_same_annotations(dataset: Dataset) -> None:
    with tempfile.TemporaryDirectory() as folder:
        incoming = read_qdpx(write_qdpx(dataset, Path(folder) / "p.qdpx").path)
    (document,) = incoming.documents
    assert document.text == dataset.documents[0].text
    if dataset.documents[0].title:
        assert document.title == dataset.documents[0].title
    expected = sorted(
        (a.start, a.end, a.author, a.created, a.modified, a.note,
         tuple((t.name, t.fields) for t in a.tags))
        for a in dataset.annotations
    )
    got = sorted(
        (a.start, a.end, a.author, a.created, a.modified, a.note,
         tuple((t.name, t.fields) for t in a.tags))
        for a in incoming.annotations
    )
    assert got == expected
