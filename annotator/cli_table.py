"""`annotator export`'s flags that mirror the annotations table's filters and sort (issue 16):
--review-status, --date-from/--date-to, --text, --field and --sort.

Each is checked before the database is read: an unknown field, a value off an ordinal scale, a
malformed range or date is a usage error naming what is wrong (exit code 2), never a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from annotator.cli_common import UsageError
from annotator.core.errors import InvalidValue
from annotator.core.review_terms import STATUSES


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    """The table's filters and sort as flags of `parser`."""
    parser.add_argument(
        "--review-status",
        action="append",
        default=[],
        metavar="STATUS",
        help=f"only annotations with this review status ({', '.join(STATUSES)}); repeatable",
    )
    parser.add_argument(
        "--date-from", metavar="YYYY-MM-DD", help="only documents published on or after this date"
    )
    parser.add_argument(
        "--date-to", metavar="YYYY-MM-DD", help="only documents published on or before this date"
    )
    parser.add_argument(
        "--text",
        metavar="TEXT",
        help="only annotations whose text or note contains TEXT (case- and accent-insensitive)",
    )
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="COND",
        help="a form field condition: NAME=VALUE, NAME>=VALUE, NAME<=VALUE, NAME=LOW..HIGH, "
        "NAME=A,B (one of); ordinal fields compare in their scale's order, e.g. "
        "'likelihood>=likely', 'source_reliability<=B'; repeatable (all must hold)",
    )
    parser.add_argument(
        "--sort",
        metavar="COLUMNS",
        help="row order for csv, xlsx and jsonl-spans: columns separated by commas, ':desc' "
        "(or a leading '-', written --sort=-date) for descending, e.g. 'likelihood:desc,date' "
        "(ties by annotation id)",
    )


def table_filter(args: argparse.Namespace, command: str) -> tuple[Any, Any]:
    """(AnnotationFilter or None, sort keys or None) from the flags; UsageError if one is bad."""
    from annotator.core.annotation_table import (
        AnnotationFilter,
        check_statuses,
        parse_condition,
        parse_date,
        parse_sort,
    )

    try:
        statuses = check_statuses(
            part.strip() for given in args.review_status for part in given.split(",")
        )
        date_from = parse_date(args.date_from) if args.date_from else None
        date_to = parse_date(args.date_to) if args.date_to else None
        conditions = tuple(parse_condition(text) for text in args.field)
        sort = parse_sort(args.sort) if args.sort else None
    except InvalidValue as exc:
        raise UsageError(f"{command}: {exc}") from exc
    if date_from is not None and date_to is not None and date_from > date_to:
        raise UsageError(f"{command}: --date-from {date_from} is after --date-to {date_to}")
    text = (args.text or "").strip()
    if args.text is not None and not text:
        raise UsageError(f"{command}: --text is empty")
    wanted = AnnotationFilter(
        statuses=statuses,
        date_from=date_from,
        date_to=date_to,
        text=text,
        conditions=conditions,
    )
    return (None if wanted == AnnotationFilter() else wanted), sort
