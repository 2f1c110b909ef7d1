"""Agreement tables and report built from a real database, checked against hand computation.

Two briefings of five rated units (a title and four sentences) plus one skipped line each:
- "near": ana and ben agree on the assessments; their likelihoods differ once by one step
  (likely / very likely); ana tagged one claim more; only ben tagged the figure.
- "far": the same, except that the likelihoods differ once from end to end (almost no chance /
  almost certain), nobody tagged a claim, and both tagged the figure, with different kinds.
A third briefing nobody annotated, and a third author (cy) who annotated nothing.
"""

from __future__ import annotations

import json

import pytest

from annotator.core import ops
from annotator.core.agreement import NO_PAIRABLE, NO_VARIATION, krippendorff_alpha
from annotator.core.agreement_data import (
    NEEDS_TWO,
    NOT_ORDINAL,
    OVERALL,
    compute_agreement,
    report_to_json,
)
from annotator.core.dataset import Dataset, DatasetFilter, load_dataset
from annotator.core.errors import InvalidValue, NotFound
from annotator.core.model import Tag
from annotator.core.store import Store
from tests.backends import Backend

SENTENCES = [
    "Morning brief",
    "Officials said the convoy left at dawn.",
    "We assess the convoy will reach the border.",
    "A second convoy is being assembled.",
    "It carries 40 trucks.",
    "Subscribe for daily updates.",
]
KINDS = ["title", "sentence", "sentence", "sentence", "sentence", "skipped"]
TEXT = "\n".join(SENTENCES)
UNITS: list[tuple[int, int, str]] = []
_offset = 0
for _sentence, _kind in zip(SENTENCES, KINDS, strict=True):
    UNITS.append((_offset, _offset + len(_sentence), _kind))
    _offset += len(_sentence) + 1


def span(first: int, last: int | None = None) -> tuple[int, int]:
    """The offsets covering units first..last exactly."""
    return UNITS[first][0], UNITS[first if last is None else last][1]


def add_document(store: Store, title: str) -> int:
    changes = ops.add_document(
        store,
        ops.NewDocument(
            text=TEXT, title=title, issuer=None, published=None, date_certainty="none",
            date_note=None, language="en", source_name=f"{title}.txt", source_format="txt",
            units=UNITS,
        ),
        allow_duplicate=True,
    )
    assert changes.created_id is not None
    return changes.created_id


def annotate(store: Store, doc: int, author: str, where: tuple[int, int], tag: str, **fields):
    ops.create_annotation(store, doc, *where, author, [tag], fields={tag: fields})


@pytest.fixture
def store(backend: Backend) -> Store:
    with backend.open("agreement") as opened:
        yield opened


@pytest.fixture
def docs(store: Store) -> tuple[int, int, int]:
    near, far, unread = (add_document(store, name) for name in ("near", "far", "unread"))
    # near: claims. ana's outer claim (units 1-2, "E") covers unit 1 too; her inner one ("B")
    # is the one read for unit 1. ben's claim over the skipped line does not count.
    annotate(store, near, "ana", span(1, 2), "claim", source_reliability="E")
    annotate(store, near, "ana", span(1), "claim", source_reliability="B",
             information_credibility="2")
    annotate(store, near, "ben", span(1), "claim", source_reliability="B")
    annotate(store, near, "ben", span(5), "claim")
    # near: assessments, likelihoods likely/likely, unlikely/unlikely, likely/very_likely.
    annotate(store, near, "ana", span(1), "assessment", likelihood="likely", confidence="high")
    annotate(store, near, "ana", span(2), "assessment", likelihood="unlikely")
    annotate(store, near, "ana", span(3), "assessment", likelihood="likely")
    annotate(store, near, "ben", span(1), "assessment", likelihood="likely")
    annotate(store, near, "ben", span(2), "assessment", likelihood="unlikely")
    annotate(store, near, "ben", span(3), "assessment", likelihood="very_likely")
    # near: ana's figure covers only half of unit 4, so it does not tag the unit.
    start, end = span(4)
    ops.create_annotation(store, near, start, start + 5, "ana", ["figure"])
    annotate(store, near, "ben", (start, end), "figure", figure_kind="count")
    # far: same assessments except almost_no_chance/almost_certain; both tag the figure.
    for author, last in (("ana", "almost_no_chance"), ("ben", "almost_certain")):
        annotate(store, far, author, span(1), "assessment", likelihood="likely")
        annotate(store, far, author, span(2), "assessment", likelihood="unlikely")
        annotate(store, far, author, span(3), "assessment", likelihood=last)
    annotate(store, far, "ana", span(4), "figure", figure_kind="count", qualifier="exact")
    annotate(store, far, "ben", span(4), "figure", figure_kind="money", qualifier="exact")
    return near, far, unread


@pytest.fixture
def dataset(store: Store, docs: tuple[int, int, int]) -> Dataset:
    return load_dataset(store)


def test_tag_agreement_by_hand(dataset: Dataset, docs: tuple[int, int, int]) -> None:
    near, far, unread = docs
    report = compute_agreement(dataset, ["ana", "ben"])
    assert report.document_ids == (near, far)  # nobody annotated "unread"
    assert set(report.per_document) == {near, far}
    assert report.n_units == 10  # the skipped line is not rated
    assert [t.tag for t in report.tags] == ["claim", "assessment", "figure"]
    doc = report.per_document[near]
    # claim, near: ana F T T F F, ben F T F F F. p_o = 4/5; marginals ana T2 F3, ben T1 F4:
    #   n^2 p_e = 2*1 + 3*4 = 14; kappa = (5*4 - 14) / (25 - 14) = 6/11.
    #   alpha: n = 10, T3 F7; one disagreeing unit = 2 ordered pairs:
    #   1 - 9 * 2 / (100 - 9 - 49) = 4/7.
    claim = doc.for_tag("claim")
    assert claim.percent.value == pytest.approx(0.8)
    assert claim.kappa.value == pytest.approx(6 / 11)
    assert claim.alpha.value == pytest.approx(4 / 7)
    assert claim.alpha.n_units == 5 and claim.alpha.n_values == 10
    # assessment, near: both F T T T F -> perfect.
    assessment = doc.for_tag("assessment")
    assert (assessment.kappa.value, assessment.alpha.value) == (1.0, 1.0)
    # figure, near: ana tagged nothing (her span is partial), ben T on unit 4:
    #   kappa = (5*4 - 5*4) / (25 - 20) = 0; alpha = 1 - 9 * 2 / (100 - 81 - 1) = 0.
    figure = doc.for_tag("figure")
    assert (figure.kappa.value, figure.alpha.value, figure.percent.value) == (0.0, 0.0, 0.8)
    # overall, near: ana () (a,c) (a,c) (a) (), ben () (a,c) (a) (a) (f). Agree on 3/5.
    #   marginals ana ()2 (a,c)2 (a)1, ben ()1 (a,c)1 (a)2 (f)1: n^2 p_e = 2 + 2 + 2 = 6;
    #   kappa = (15 - 6) / (25 - 6) = 9/19. alpha: totals 3, 3, 3, 1: 1 - 9 * 4 / (100 - 28).
    overall = doc.overall
    assert overall.tag == OVERALL and overall.percent.value == pytest.approx(0.6)
    assert overall.kappa.value == pytest.approx(9 / 19)
    assert overall.alpha.value == pytest.approx(0.5)
    # claim, far: nobody tagged one: no variation, though percent agreement is 1.
    far_claim = report.per_document[far].for_tag("claim")
    assert far_claim.kappa.value is None and far_claim.kappa.note == NO_VARIATION
    assert far_claim.alpha.note == NO_VARIATION and far_claim.percent.value == 1.0
    # claim, whole database: ana T2 F8, ben T1 F9, agree 9/10:
    #   kappa = (10*9 - (2 + 72)) / (100 - 74) = 8/13; alpha = 1 - 19 * 2 / (400 - 9 - 289).
    whole = report.for_tag("claim")
    assert whole.kappa.value == pytest.approx(8 / 13)
    assert whole.alpha.value == pytest.approx(1 - 38 / 102)
    assert whole.percent.n_units == 10


def test_field_agreement_near_miss_beats_far_miss(
    dataset: Dataset, docs: tuple[int, int, int]
) -> None:
    near, far, _unread = docs
    report = compute_agreement(dataset, ["ana", "ben"])
    near_likelihood = report.per_document[near].for_field("assessment", "likelihood")
    far_likelihood = report.per_document[far].for_field("assessment", "likelihood")
    # Same scale positions as in test_agreement: near 7/9, far -26/99 (ordinal alpha).
    assert near_likelihood.level == "ordinal"
    assert near_likelihood.alpha.value == pytest.approx(7 / 9)
    assert far_likelihood.alpha.value == pytest.approx(-26 / 99)
    # Weighted kappa, positions ana 4 2 4 / ben 4 2 5 (near) and ana 4 2 0 / ben 4 2 6 (far):
    #   near linear 1 - 3*1/11 = 8/11, quadratic 1 - 3*1/23 = 20/23;
    #   far linear 1 - 3*6/22 = 2/11, quadratic 1 - 3*36/84 = -2/7.
    assert near_likelihood.kappa_linear.value == pytest.approx(8 / 11)
    assert near_likelihood.kappa_quadratic.value == pytest.approx(20 / 23)
    assert far_likelihood.kappa_linear.value == pytest.approx(2 / 11)
    assert far_likelihood.kappa_quadratic.value == pytest.approx(-2 / 7)
    # Unweighted kappa ignores the scale and even rates the far miss higher (marginals):
    #   near (6 - (2*1 + 1*1)) / (9 - 3) = 1/2, far (6 - (1 + 1)) / (9 - 2) = 4/7.
    assert near_likelihood.kappa.value == pytest.approx(0.5)
    assert far_likelihood.kappa.value == pytest.approx(4 / 7)
    assert near_likelihood.percent.value == far_likelihood.percent.value == pytest.approx(2 / 3)
    # The whole database pools the six doubly assessed units.
    pooled = {
        (near, 1): {"ana": "likely", "ben": "likely"},
        (near, 2): {"ana": "unlikely", "ben": "unlikely"},
        (near, 3): {"ana": "likely", "ben": "very_likely"},
        (far, 1): {"ana": "likely", "ben": "likely"},
        (far, 2): {"ana": "unlikely", "ben": "unlikely"},
        (far, 3): {"ana": "almost_no_chance", "ben": "almost_certain"},
    }
    scale = ["almost_no_chance", "very_unlikely", "unlikely", "roughly_even_chance", "likely",
             "very_likely", "almost_certain"]
    assert report.for_field("assessment", "likelihood").alpha == krippendorff_alpha(
        pooled, "ordinal", scale
    )


def test_field_values_innermost_annotation_and_missing(
    dataset: Dataset, docs: tuple[int, int, int]
) -> None:
    near, far, _unread = docs
    doc = compute_agreement(dataset, ["ana", "ben"]).per_document[near]
    # Unit 1: ana's inner claim says B (her outer one says E), ben says B: agreement, no
    # variation. Unit 2 is tagged claim by ana only, so it is not in the field table.
    reliability = doc.for_field("claim", "source_reliability")
    assert reliability.percent.value == 1.0 and reliability.percent.n_units == 1
    assert reliability.alpha.note == NO_VARIATION
    # ben left credibility and confidence empty: missing, so nothing is pairable.
    assert doc.for_field("claim", "information_credibility").alpha.note == NO_PAIRABLE
    assert doc.for_field("assessment", "confidence").alpha.note == NO_PAIRABLE
    # No unit has the figure tag from both authors in "near".
    assert doc.for_field("figure", "figure_kind").alpha.n_units == 0
    # far: figure kinds count / money on the one unit: nominal, disagreement.
    kind = compute_agreement(dataset, ["ana", "ben"], far).for_field("figure", "figure_kind")
    assert kind.level == "nominal" and kind.percent.value == 0.0
    assert kind.alpha.value == 0.0  # a single disagreeing unit: 1 - 1 * 2 / (4 - 2)
    assert kind.kappa_linear.note == NOT_ORDINAL
    qualifier = compute_agreement(dataset, ["ana", "ben"], far).for_field("figure", "qualifier")
    assert qualifier.percent.value == 1.0 and qualifier.alpha.note == NO_VARIATION


def test_three_authors_one_tagged_nothing(dataset: Dataset, docs: tuple[int, int, int]) -> None:
    near, _far, _unread = docs
    report = compute_agreement(dataset, ["ana", "ben", "cy"], near)
    claim = report.for_tag("claim")
    assert claim.kappa.value is None and claim.kappa.note == NEEDS_TWO
    # ana F T T F F, ben F T F F F, cy F F F F F: n = 15, T3 F12. Units 1 (T,T,F) and 2
    # (T,F,F) each have 2*1*2 = 4 ordered different pairs over m - 1 = 2:
    #   alpha = 1 - 14 * (2 + 2) / (225 - 9 - 144) = 2/9. All three agree on units 0, 3, 4.
    assert claim.alpha.value == pytest.approx(2 / 9)
    assert claim.percent.value == pytest.approx(0.6)
    assert claim.alpha.n_values == 15
    likelihood = report.for_field("assessment", "likelihood")
    assert likelihood.alpha.value == pytest.approx(7 / 9)  # cy rated none of those units
    assert likelihood.kappa_linear.note == NEEDS_TWO
    assert report.per_document[near].for_tag("claim") == claim


def test_documents_in_scope(store: Store, docs: tuple[int, int, int]) -> None:
    near, far, unread = docs
    dataset = load_dataset(store)
    everything = compute_agreement(dataset, ["ana", "ben"], include_unannotated=True)
    assert everything.document_ids == (near, far, unread) and everything.n_units == 15
    assert everything.per_document[unread].overall.alpha.note == NO_VARIATION
    # A document asked for by id is reported even when nobody annotated it.
    assert compute_agreement(dataset, ["ana", "ben"], unread).document_ids == (unread,)
    only_near = load_dataset(store, DatasetFilter(document_ids=frozenset({near})))
    assert compute_agreement(only_near, ["ana", "ben"]).document_ids == (near,)
    with pytest.raises(NotFound):
        compute_agreement(only_near, ["ana", "ben"], far)
    with pytest.raises(InvalidValue):
        compute_agreement(dataset, ["ana", "ana"])
    # Authors nobody has heard of tagged nothing: nothing in scope, nothing to compare.
    empty = compute_agreement(dataset, ["x", "y"])
    assert empty.document_ids == () and empty.overall.alpha.note == NO_PAIRABLE


def test_extra_tags_are_reported_after_the_seeded_ones(
    store: Store, docs: tuple[int, int, int]
) -> None:
    near, _far, _unread = docs
    with store.write() as session:
        session.add(Tag(name="rumour", colour="#CC79A7", shortcut=None, position=9))
    annotate(store, near, "ben", span(3), "rumour")
    report = compute_agreement(load_dataset(store), ["ana", "ben"])
    assert [t.tag for t in report.tags] == ["claim", "assessment", "figure", "rumour"]
    assert report.for_tag("rumour").percent.value == pytest.approx(0.9)
    # The overall label now differs on unit 3 of "near" as well.
    assert report.per_document[near].overall.percent.value == pytest.approx(0.4)


def test_report_to_json(dataset: Dataset, docs: tuple[int, int, int]) -> None:
    near, far, _unread = docs
    data = report_to_json(compute_agreement(dataset, ["ana", "ben"]))
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["authors"] == ["ana", "ben"] and data["documents"] == [near, far]
    assert data["tags"]["claim"]["cohen_kappa"]["value"] == pytest.approx(8 / 13)
    far_claim = data["per_document"][str(far)]["tags"]["claim"]["krippendorff_alpha"]
    assert far_claim == {
        "value": None, "units": 5, "pairable_units": 5, "values": 10, "note": NO_VARIATION
    }
    assert data["per_document"][str(near)]["per_document"] == {}
    fields = {(f["tag"], f["field"]) for f in data["fields"]}
    assert ("assessment", "likelihood") in fields and ("figure", "qualifier") in fields
    assert data["overall"]["percent_agreement"]["value"] == pytest.approx(0.8)
