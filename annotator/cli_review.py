"""`annotator agreement`, `merge` and `review`: comparing and combining analysts' work."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from annotator.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    fold_search_backlog,
    open_db,
    print_json,
    resolve_document,
)
from annotator.core.errors import AnnotatorError
from annotator.core.fields import field_label, value_text
from annotator.core.text import printable


def _stat_text(stat: Any) -> str:
    return "n/a" if stat.value is None else f"{stat.value:.3f}"


def cmd_agreement(args: argparse.Namespace) -> int:
    from annotator.core.agreement_data import compute_agreement, report_to_json
    from annotator.core.dataset import DatasetFilter, load_dataset

    with open_db(args) as store:
        document_id = resolve_document(store, args.document) if args.document else None
        wanted = DatasetFilter(
            document_ids=frozenset({document_id}) if document_id is not None else None,
            authors=frozenset(args.authors),
        )
        dataset = load_dataset(store, wanted)
    report = compute_agreement(dataset, args.authors, document_id)
    if args.json:
        print_json(report_to_json(report))
        return EXIT_OK
    print(f"authors: {', '.join(report.authors)}   documents: {len(report.document_ids)}   "
          f"units: {report.n_units}")
    print(f"{'tag':<16} {'agree %':>8} {'kappa':>7} {'alpha':>7}")
    for found in (*report.tags, report.overall):
        percent = found.percent.value
        print(
            f"{found.tag:<16} {('n/a' if percent is None else f'{percent * 100:.1f}'):>8} "
            f"{_stat_text(found.kappa):>7} {_stat_text(found.alpha):>7}"
        )
    if report.fields:
        print(f"\n{'field':<34} {'level':<8} {'alpha':>7} {'kappa':>7} {'lin.':>7} {'quad.':>7}")
        for item in report.fields:
            print(
                f"{item.tag + ': ' + field_label(item.tag, item.field):<34} {item.level:<8} "
                f"{_stat_text(item.alpha):>7} "
                f"{_stat_text(item.kappa):>7} {_stat_text(item.kappa_linear):>7} "
                f"{_stat_text(item.kappa_quadratic):>7}"
            )
    print("\nn/a: undefined (no variation, no pairable units, or not two authors)")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    from annotator.core.colleague import merge_colleague

    results: list[dict[str, Any]] = []
    failed = False
    with open_db(args, create=True) as store:
        for path in args.files:
            try:
                report = merge_colleague(store, path, add_differing=args.add_differing)
            except AnnotatorError as exc:
                failed = True
                results.append({"file": str(path), "error": str(exc)})
                print(printable(str(exc)), file=sys.stderr)
                continue
            merge = report.merge
            results.append(
                {
                    "file": str(path),
                    "format": report.format,
                    "annotations_added": merge.annotations_added,
                    "annotations_present": merge.annotations_present,
                    "documents_added": merge.documents_added,
                    "tags_added": list(merge.tags_added),
                    "not_merged": [
                        {"title": n.title, "sha256": n.sha256, "local_document": n.local_id,
                         "annotations": n.annotations, "reason": n.reason}
                        for n in report.not_merged
                    ],
                    "skipped": list(report.skipped),
                    "sources_added": list(merge.sources.added),
                    "source_grades_differ": list(merge.sources.grades_differ),
                }
            )
            if not args.json:
                print(f"merged {printable(report.summary())}")
        fold_search_backlog(store)
    if args.json:
        print_json(results)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from annotator.core.queries import document_annotations, document_detail, list_tags
    from annotator.core.review import STATE_LABELS, STATES, is_adjudicated, unit_states

    with open_db(args) as store:
        document_id = resolve_document(store, args.document)
        detail = document_detail(store, document_id)
        annotations = document_annotations(store, document_id)
        order = [tag.name for tag in list_tags(store)]
    authors = list(dict.fromkeys(args.authors or sorted(
        {a.author for a in annotations if not is_adjudicated(a.author)}
    )))
    if len(authors) < 2:
        raise AnnotatorError(
            f"document {document_id} needs two or more authors to compare "
            f"(found: {', '.join(authors) or 'none'})"
        )
    units = [(u.start, u.end, u.kind) for u in detail.units]
    reviews = unit_states(units, annotations, authors, order)
    shown = reviews if args.all else [r for r in reviews if r.is_disagreement]
    if args.json:
        print_json(
            [
                {
                    "unit": r.index, "start": r.start, "end": r.end, "state": r.state,
                    "tags": {author: list(tags) for author, tags in r.tags.items()},
                    "field_differences": [
                        {"tag": d.tag, "field": d.field, "values": dict(d.values)}
                        for d in r.field_differences
                    ],
                }
                for r in shown
            ]
        )
        return EXIT_OK
    counts = {state: sum(1 for r in reviews if r.state == state) for state in STATES}
    print(f"authors: {', '.join(authors)}   units: {len(reviews)}   "
          + ", ".join(f"{STATE_LABELS[state]}: {counts[state]}" for state in STATES))
    for r in shown:
        tags = " | ".join(f"{a}: {','.join(r.tags[a]) or '-'}" for a in authors)
        fields = "; ".join(
            f"{d.tag}, {field_label(d.tag, d.field)}: "
            + " / ".join(f"{a}={value_text(d.tag, d.field, v) or '-'}" for a, v in d.values.items())
            for d in r.field_differences
        )
        text = " ".join(detail.text[r.start : r.end].split())
        print(f"{r.index:>5}  {r.state:<8}  {tags}" + (f"  [{fields}]" if fields else "")
              + f"  {text[:70]}")
    return EXIT_OK


