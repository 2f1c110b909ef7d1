"""Agreement between authors who tagged the same briefings: rating tables and the report.

The tables are built from a `Dataset` (`load_dataset`) and fed to `annotator.core.agreement`.

- Units: a document's units keyed (document id, unit index), the index being the position in
  `DatasetDocument.units` (its ordinal); units of kind "skipped" (boilerplate) are left out.
- Tags (binary): an author tagged a unit X when one of that author's annotations carrying tag X
  covers the unit entirely (annotation start <= unit start and annotation end >= unit end, in
  code points). Every author rates every unit of every document in the report, True or False:
  an author who tagged nothing in a document rated all of its units "not X".
- Overall (nominal): an author's label for a unit is the sorted tuple of the tags covering it,
  `()` for none, so a unit counts as agreed only when the same set of tags was applied.
- Fields: for each unit that at least two authors tagged with the same tag, each of those
  authors' value of every ordinal field (likelihood, confidence, source_reliability,
  information_credibility: ordinal alpha, weighted kappa) and every choice field (figure_kind,
  qualifier: nominal alpha), taken from the covering annotation with that tag; when an author
  has several, the shortest (innermost) one, and among equally long ones the newest (highest
  id). An empty field, or a code that is not on the field's scale, is a missing value.
- Documents: those that none of the chosen authors annotated are left out (nobody has read them
  yet; counting their untagged units as agreement would inflate every figure), unless
  `include_unannotated` is set or the document was asked for by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from annotator.core.agreement import (
    AgreementStat,
    Tally,
    alpha_from,
    kappa_from,
    percent_from,
    tally,
    weighted_kappa_from,
)
from annotator.core.bulk import gc_paused
from annotator.core.coverage import SKIPPED, UnitIndex
from annotator.core.dataset import Dataset, DatasetAnnotation, DatasetDocument
from annotator.core.errors import InvalidValue
from annotator.core.fields import TAG_FIELDS, FieldKind, FieldSpec

SEEDED_TAGS = ("claim", "assessment", "figure")
OVERALL = "overall"
NEEDS_TWO = "needs exactly two authors"
NOT_ORDINAL = "not an ordinal field"



@dataclass(frozen=True)
class TagAgreement:
    """Agreement on one tag (binary, tagged or not) or, for `OVERALL`, on the set of tags."""

    tag: str
    percent: AgreementStat
    kappa: AgreementStat  # Cohen's kappa; value None unless exactly two authors
    alpha: AgreementStat  # Krippendorff's alpha, nominal


@dataclass(frozen=True)
class FieldAgreement:
    """Agreement on one form field over the units that several authors tagged with its tag."""

    tag: str
    field: str
    level: Literal["nominal", "ordinal"]
    percent: AgreementStat
    alpha: AgreementStat  # Krippendorff's alpha at `level`
    kappa: AgreementStat  # Cohen's kappa (unweighted); two authors only
    kappa_linear: AgreementStat  # weighted Cohen's kappa; two authors and ordinal fields only
    kappa_quadratic: AgreementStat


@dataclass(frozen=True)
class AgreementReport:
    """Agreement of `authors` over `document_ids`; `per_document` holds one report per
    document (whose own `per_document` is empty), each made when it is first read."""

    authors: tuple[str, ...]
    document_ids: tuple[int, ...]
    n_units: int  # rated units (skipped ones left out)
    tags: tuple[TagAgreement, ...]
    overall: TagAgreement
    fields: tuple[FieldAgreement, ...]
    per_document: Mapping[int, AgreementReport] = field(default_factory=dict)

    def for_tag(self, name: str) -> TagAgreement:
        """The agreement on tag `name` (or `OVERALL`); KeyError if it is not in the report."""
        if name == OVERALL:
            return self.overall
        for found in self.tags:
            if found.tag == name:
                return found
        raise KeyError(name)

    def for_field(self, tag: str, name: str) -> FieldAgreement:
        """The agreement on field `name` of `tag`; KeyError if it is not in the report."""
        for found in self.fields:
            if (found.tag, found.field) == (tag, name):
                return found
        raise KeyError(f"{tag}.{name}")


@dataclass
class _Tallies:
    """The rating tables of some documents, tallied (`agreement.Tally`): a document's tallies
    add up to those of the whole database."""

    units: int = 0
    tags: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    fields: dict[tuple[str, str], Tally] = field(default_factory=dict)

    def add(self, other: _Tallies) -> None:
        self.units += other.units
        self.overall.add(other.overall)
        for name, found in other.tags.items():
            self.tags.setdefault(name, Tally()).add(found)
        for key, found in other.fields.items():
            self.fields.setdefault(key, Tally()).add(found)


def _rated_fields(tags: Iterable[str]) -> list[tuple[str, FieldSpec]]:
    return [
        (tag, spec)
        for tag in tags
        for spec in TAG_FIELDS.get(tag, ())
        if spec.kind in (FieldKind.ORDINAL, FieldKind.CHOICE)
    ]


def _innermost(
    document: DatasetDocument, annotations: Iterable[DatasetAnnotation]
) -> dict[tuple[str, int, str], tuple[int, int, Mapping[str, Any]]]:
    """(author, unit index, tag) -> (span length, -id, fields) of the innermost covering one."""
    units = document.units
    unit_index = UnitIndex(units)
    best: dict[tuple[str, int, str], tuple[int, int, Mapping[str, Any]]] = {}
    for annotation in annotations:
        rank = (annotation.end - annotation.start, -annotation.id)
        for index in unit_index.covered(annotation.start, annotation.end):
            if units[index][2] != SKIPPED:
                for tag in annotation.tags:
                    key = (annotation.author, index, tag.name)
                    held = best.get(key)
                    if held is None or rank < held[:2]:
                        best[key] = (*rank, tag.fields)
    return best


def _document_tallies(
    document: DatasetDocument,
    annotations: Iterable[DatasetAnnotation],
    authors: Sequence[str],
    tags: Sequence[str],
    rated_fields: Sequence[tuple[str, FieldSpec]],
) -> _Tallies:
    """The tallied rating tables of one document (see the module's description)."""
    best = _innermost(document, annotations)
    held: dict[tuple[str, int], set[str]] = defaultdict(set)
    taggers: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    by_unit: dict[tuple[int, str], list[str]] = defaultdict(list)
    for author, index, tag in best:
        held[author, index].add(tag)
        by_unit[index, tag].append(author)
    for (index, tag), who in sorted(by_unit.items()):
        if len(who) >= 2:
            taggers[tag].append((index, who))
    rated = [i for i, (_s, _e, kind) in enumerate(document.units) if kind != SKIPPED]
    two = len(authors) == 2
    # An author's label for a unit is the set of tags covering it (the same set of tags is
    # the same label, as the sorted tuple of the module's description).
    tags_at = {key: frozenset(found) for key, found in held.items()}
    no_tags: frozenset[str] = frozenset()
    rows = [tuple(tags_at.get((author, i), no_tags) for author in authors) for i in rated]
    found = _Tallies(units=len(rated))
    for tag in tags:
        found.tags[tag] = tally((tuple(tag in labels for labels in row) for row in rows), two=two)
    found.overall = tally(rows, two=two)
    for tag, spec in rated_fields:
        codes = {choice.code for choice in spec.choices}
        values: list[tuple[str | None, ...]] = []
        for index, who in taggers.get(tag, ()):
            given = {author: best[author, index, tag][2].get(spec.name) for author in who}
            values.append(
                tuple(
                    value if isinstance(value, str) and value in codes else None
                    for value in (given.get(author) for author in authors)
                )
            )
        found.fields[tag, spec.name] = tally(values, two=two)
    return found


def _two_author_kappa(found: Tally, authors: Sequence[str]) -> AgreementStat:
    if len(authors) != 2:
        return AgreementStat.undefined(NEEDS_TWO, found.n_units)
    return kappa_from(found.confusion, found.n_units)


def _tag_agreement(tag: str, found: Tally, authors: Sequence[str]) -> TagAgreement:
    return TagAgreement(
        tag=tag,
        percent=percent_from(found),
        kappa=_two_author_kappa(found, authors),
        alpha=alpha_from(found, "nominal"),
    )


def _field_agreement(
    tag: str, spec: FieldSpec, found: Tally, authors: Sequence[str]
) -> FieldAgreement:
    ordinal = spec.kind is FieldKind.ORDINAL
    codes = [choice.code for choice in spec.choices]
    weighted: dict[str, AgreementStat] = {}
    for weights in ("linear", "quadratic"):
        if not ordinal:
            weighted[weights] = AgreementStat.undefined(NOT_ORDINAL, found.n_units)
        elif len(authors) != 2:
            weighted[weights] = AgreementStat.undefined(NEEDS_TWO, found.n_units)
        else:
            weighted[weights] = weighted_kappa_from(
                found.confusion,
                found.n_units,
                codes,
                "linear" if weights == "linear" else "quadratic",
            )
    return FieldAgreement(
        tag=tag,
        field=spec.name,
        level="ordinal" if ordinal else "nominal",
        percent=percent_from(found),
        alpha=alpha_from(found, "ordinal" if ordinal else "nominal", codes),
        kappa=_two_author_kappa(found, authors),
        kappa_linear=weighted["linear"],
        kappa_quadratic=weighted["quadratic"],
    )


def _report(
    tallies: _Tallies,
    authors: tuple[str, ...],
    document_ids: tuple[int, ...],
    tags: Sequence[str],
    rated_fields: Sequence[tuple[str, FieldSpec]],
    per_document: Mapping[int, AgreementReport] | None = None,
) -> AgreementReport:
    return AgreementReport(
        authors=authors,
        document_ids=document_ids,
        n_units=tallies.units,
        tags=tuple(
            _tag_agreement(tag, tallies.tags.get(tag, Tally()), authors) for tag in tags
        ),
        overall=_tag_agreement(OVERALL, tallies.overall, authors),
        fields=tuple(
            _field_agreement(tag, spec, tallies.fields.get((tag, spec.name), Tally()), authors)
            for tag, spec in rated_fields
        ),
        per_document={} if per_document is None else per_document,
    )


def _report_tags(dataset: Dataset, by_author: Iterable[DatasetAnnotation]) -> list[str]:
    """The seeded tags, then every other tag the authors used, in the database's tag order."""
    used = {tag.name for annotation in by_author for tag in annotation.tags}
    position = {info.name: index for index, info in enumerate(dataset.tags)}
    extra = sorted(used - set(SEEDED_TAGS), key=lambda name: (position.get(name, 1 << 30), name))
    return [*SEEDED_TAGS, *extra]


def compute_agreement(
    dataset: Dataset,
    authors: Sequence[str],
    document_id: int | None = None,
    *,
    include_unannotated: bool = False,
) -> AgreementReport:
    """Agreement of `authors` over the dataset's documents (or only `document_id`).

    Per tag and overall: percent agreement, Cohen's kappa (exactly two authors) and nominal
    Krippendorff's alpha; per ordinal/choice field: alpha at the field's level, percent
    agreement, Cohen's kappa and (ordinal, two authors) weighted kappa. Includes a report per
    document. Raises InvalidValue for fewer than two distinct authors, NotFound for a document
    that is not in the dataset.
    """
    chosen = tuple(dict.fromkeys(authors))
    if len(chosen) < 2:
        raise InvalidValue("agreement needs at least two different authors")
    documents = [dataset.document(document_id)] if document_id is not None else dataset.documents
    wanted_ids = {document.id for document in documents}
    by_document: dict[int, list[DatasetAnnotation]] = defaultdict(list)
    for annotation in dataset.annotations:
        if annotation.author in chosen and annotation.document_id in wanted_ids:
            by_document[annotation.document_id].append(annotation)
    if not include_unannotated and document_id is None:
        documents = [document for document in documents if document.id in by_document]
    tags = _report_tags(dataset, (a for found in by_document.values() for a in found))
    rated_fields = _rated_fields(tags)
    # Each document's tables are tallied once: the whole report reads their sum, and the
    # document's own report, made when it is read (the window and the command's table show
    # only the whole; a report per document is half the work), reads them.
    # The collector paused: it would walk the tallies kept so far again and again.
    whole = _Tallies()
    per_document: dict[int, _Tallies] = {}
    with gc_paused():
        for document in documents:
            tallies = per_document[document.id] = _document_tallies(
                document, by_document.get(document.id, ()), chosen, tags, rated_fields
            )
            whole.add(tallies)
    return _report(
        whole, chosen, tuple(d.id for d in documents), tags, rated_fields,
        _PerDocument(per_document, chosen, tags, rated_fields),
    )


class _PerDocument(Mapping[int, AgreementReport]):
    """Each document's report, made from its tallies when it is first read."""

    def __init__(
        self,
        tallies: dict[int, _Tallies],
        authors: tuple[str, ...],
        tags: Sequence[str],
        rated_fields: Sequence[tuple[str, FieldSpec]],
    ) -> None:
        self._tallies = tallies
        self._made: dict[int, AgreementReport] = {}
        self._parts = (authors, tags, rated_fields)

    def __getitem__(self, document_id: int) -> AgreementReport:
        made = self._made.get(document_id)
        if made is None:
            authors, tags, rated_fields = self._parts
            with gc_paused():
                made = self._made[document_id] = _report(
                    self._tallies[document_id], authors, (document_id,), tags, rated_fields
                )
        return made

    def __iter__(self) -> Iterator[int]:
        return iter(self._tallies)

    def __len__(self) -> int:
        return len(self._tallies)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _stat_json(stat: AgreementStat) -> dict[str, Any]:
    return {
        "value": stat.value,
        "units": stat.n_units,
        "pairable_units": stat.n_pairable,
        "values": stat.n_values,
        "note": stat.note,
    }


def _tag_json(found: TagAgreement) -> dict[str, Any]:
    return {
        "percent_agreement": _stat_json(found.percent),
        "cohen_kappa": _stat_json(found.kappa),
        "krippendorff_alpha": _stat_json(found.alpha),
    }


def report_to_json(report: AgreementReport) -> dict[str, Any]:
    """The report as plain JSON types (undefined values are null; document ids become keys)."""
    with gc_paused():  # every document's report is made now, thousands of small objects
        return _report_json(report)


def _report_json(report: AgreementReport) -> dict[str, Any]:
    return {
        "authors": list(report.authors),
        "documents": list(report.document_ids),
        "units": report.n_units,
        "tags": {found.tag: _tag_json(found) for found in report.tags},
        "overall": _tag_json(report.overall),
        "fields": [
            {
                "tag": found.tag,
                "field": found.field,
                "level": found.level,
                "percent_agreement": _stat_json(found.percent),
                "krippendorff_alpha": _stat_json(found.alpha),
                "cohen_kappa": _stat_json(found.kappa),
                "weighted_kappa_linear": _stat_json(found.kappa_linear),
                "weighted_kappa_quadratic": _stat_json(found.kappa_quadratic),
            }
            for found in report.fields
        ],
        "per_document": {
            str(document_id): _report_json(nested)
            for document_id, nested in report.per_document.items()
        },
    }
