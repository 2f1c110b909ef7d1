"""Agreement from tallies: a report over many documents sums the documents' tallies.

The whole-database figures must be exactly those of one rating table holding every unit, and
each document's those of its own table: checked against tables built here by the definitions
of core/agreement_data.py (covering annotations, innermost one for the fields) and fed to the
public functions of core/agreement.py, on random data with nested spans, several tags, skipped
units, missing and off-scale field values.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from annotator.core import ops
from annotator.core.agreement import (
    Tally,
    alpha_from,
    cohen_kappa,
    kappa_from,
    krippendorff_alpha,
    percent_agreement,
    percent_from,
    table_tally,
    tally,
    weighted_cohen_kappa,
    weighted_kappa_from,
)
from annotator.core.agreement_data import OVERALL, compute_agreement
from annotator.core.dataset import Dataset, DatasetDocument, load_dataset
from annotator.core.fields import TAG_FIELDS, FieldKind
from annotator.core.store import open_store

SENTENCE = "The convoy of {n} trucks is likely to arrive within two days. "
TAGS = ("claim", "assessment", "figure")
AUTHORS = ("ana", "ben", "cy")


def _fields(rng: random.Random, tag: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in TAG_FIELDS[tag]:
        if spec.choices and rng.random() < 0.7:
            values[spec.name] = rng.choice(spec.choices).code
    return values


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    rng = random.Random(17)
    path = Path(tmp_path_factory.mktemp("tally")) / "agreement.sqlite3"
    with open_store(path) as store:
        for number in range(6):
            count = rng.randint(3, 7)
            pieces = [SENTENCE.format(n=number * 10 + i) for i in range(count)]
            units, offset = [], 0
            for i, piece in enumerate(pieces):
                kind = "skipped" if i == count - 1 and number % 2 else "sentence"
                units.append((offset, offset + len(piece) - 1, kind))
                offset += len(piece)
            created = ops.add_document(
                store,
                ops.NewDocument(
                    text="".join(pieces), title=f"B{number}", issuer=None, published=None,
                    date_certainty="none", date_note=None, language="en",
                    source_name=f"b{number}.txt", source_format="txt", units=units,
                ),
            ).created_id
            assert created is not None
            new = []
            for author in AUTHORS:
                for _ in range(rng.randint(0, 2 * count)):
                    first = rng.randrange(count)
                    last = min(count - 1, first + rng.choice((0, 0, 1, 2)))
                    start, end = units[first][0], units[last][1]
                    if rng.random() < 0.15:  # covers its last unit only partly
                        end -= 3
                    chosen = rng.sample(TAGS, rng.choice((1, 1, 2)))
                    fields = {tag: _fields(rng, tag) for tag in chosen}
                    if "assessment" in chosen and rng.random() < 0.1:
                        fields["assessment"]["likelihood"] = 7  # not a code: a missing value
                    new.append(ops.NewAnnotation(start, end, author, chosen, fields=fields))
            ops.bulk_add_annotations(store, created, new)
        return load_dataset(store)


def _tables(
    dataset: Dataset, document: DatasetDocument, authors: Sequence[str]
) -> tuple[dict[str, dict[Any, dict[str, Any]]], dict[tuple[str, str], dict[Any, dict[str, Any]]]]:
    """The document's rating tables by the definitions: per tag and overall, and per field."""
    mine = [a for a in dataset.annotations if a.document_id == document.id]
    tables: dict[str, dict[Any, dict[str, Any]]] = {tag: {} for tag in (*TAGS, OVERALL)}
    fields: dict[tuple[str, str], dict[Any, dict[str, Any]]] = {}
    for index, (start, end, kind) in enumerate(document.units):
        if kind == "skipped":
            continue
        key = (document.id, index)
        covering = {
            author: [a for a in mine if a.author == author and a.start <= start and a.end >= end]
            for author in authors
        }
        held = {
            author: {t.name for a in found for t in a.tags} for author, found in covering.items()
        }
        for tag in TAGS:
            tables[tag][key] = {author: tag in held[author] for author in authors}
        tables[OVERALL][key] = {author: tuple(sorted(held[author])) for author in authors}
        for tag in TAGS:
            who = [author for author in authors if tag in held[author]]
            for spec in TAG_FIELDS[tag]:
                if spec.kind not in (FieldKind.ORDINAL, FieldKind.CHOICE):
                    continue
                table = fields.setdefault((tag, spec.name), {})
                if len(who) < 2:
                    continue
                codes = {choice.code for choice in spec.choices}
                row = {}
                for author in who:
                    inner = min(
                        (a for a in covering[author] if tag in {t.name for t in a.tags}),
                        key=lambda a: (a.end - a.start, -a.id),
                    )
                    value = next(t for t in inner.tags if t.name == tag).fields.get(spec.name)
                    row[author] = value if isinstance(value, str) and value in codes else None
                table[key] = row
    return tables, fields


def _expected(
    dataset: Dataset, documents: Sequence[DatasetDocument], authors: Sequence[str]
) -> tuple[dict[str, dict[Any, dict[str, Any]]], dict[tuple[str, str], dict[Any, dict[str, Any]]]]:
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    fields: dict[tuple[str, str], dict[Any, dict[str, Any]]] = {}
    for document in documents:
        found, found_fields = _tables(dataset, document, authors)
        for name, table in found.items():
            tables.setdefault(name, {}).update(table)
        for key, table in found_fields.items():
            fields.setdefault(key, {}).update(table)
    return tables, fields


def _check(report: Any, tables: Any, fields: Any, authors: Sequence[str]) -> None:
    for name, table in tables.items():
        found = report.for_tag(name)
        assert found.percent == percent_agreement(table), name
        assert found.alpha == krippendorff_alpha(table, "nominal"), name
        if len(authors) == 2:
            first, second = authors
            expected = cohen_kappa(
                [row[first] for row in table.values()], [row[second] for row in table.values()]
            )
            assert found.kappa == expected, name
    for (tag, name), table in fields.items():
        found = report.for_field(tag, name)
        spec = next(s for s in TAG_FIELDS[tag] if s.name == name)
        codes = [choice.code for choice in spec.choices]
        level = "ordinal" if spec.kind is FieldKind.ORDINAL else "nominal"
        assert found.percent == percent_agreement(table), (tag, name)
        assert found.alpha == krippendorff_alpha(table, level, codes), (tag, name)
        if len(authors) == 2 and level == "ordinal":
            first, second = authors
            a = [row.get(first) for row in table.values()]
            b = [row.get(second) for row in table.values()]
            assert found.kappa_linear == weighted_cohen_kappa(a, b, codes, "linear")
            assert found.kappa_quadratic == weighted_cohen_kappa(a, b, codes, "quadratic")


@pytest.mark.parametrize("authors", [AUTHORS, AUTHORS[:2], AUTHORS[1:]])
def test_whole_and_per_document_figures_are_those_of_their_tables(
    dataset: Dataset, authors: tuple[str, ...]
) -> None:
    report = compute_agreement(dataset, authors)
    documents = [dataset.document(i) for i in report.document_ids]
    assert len(documents) >= 5
    tables, fields = _expected(dataset, documents, authors)
    assert report.n_units == len(tables[OVERALL])
    _check(report, tables, fields, authors)
    for document in documents:
        tables, fields = _expected(dataset, [document], authors)
        _check(report.per_document[document.id], tables, fields, authors)


def _random_table(rng: random.Random, units: range, coders: int) -> dict[Any, dict[int, Any]]:
    labels = ("low", "some", "high", None)
    return {
        unit: {coder: rng.choice(labels) for coder in range(coders) if rng.random() < 0.9}
        for unit in units
    }


@pytest.mark.parametrize("coders", [2, 3, 4])
def test_tallies_of_parts_add_up_to_the_tally_of_the_whole(coders: int) -> None:
    rng = random.Random(coders)
    scale = ["low", "some", "high"]
    for _ in range(20):
        parts = [_random_table(rng, range(n * 100, n * 100 + rng.randint(0, 12)), coders)
                 for n in range(rng.randint(1, 5))]
        whole = {unit: row for part in parts for unit, row in part.items()}
        summed = Tally()
        for part in parts:
            summed.add(table_tally(part))
        assert summed == table_tally(whole)
        assert percent_from(summed) == percent_agreement(whole)
        for level in ("nominal", "ordinal", "interval"):
            assert alpha_from(summed, level, scale) == krippendorff_alpha(whole, level, scale)
        if coders == 2:
            two = Tally()
            for part in parts:
                two.add(tally([[row.get(0), row.get(1)] for row in part.values()], two=True))
            a = [row.get(0) for row in whole.values()]
            b = [row.get(1) for row in whole.values()]
            assert kappa_from(two.confusion, two.n_units) == cohen_kappa(a, b)
            for weights in ("linear", "quadratic"):
                assert weighted_kappa_from(
                    two.confusion, two.n_units, scale, weights
                ) == weighted_cohen_kappa(a, b, scale, weights)
