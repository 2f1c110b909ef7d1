"""The `annotator` command: no subcommand opens the window; subcommands work headless.

Exit codes: 0 success, 1 a failed operation (one line on stderr), 2 bad usage.
`--debug` shows the traceback of a failure instead of the one-line message.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from annotator import __version__
from annotator.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    db_target,
    failure_line,
    fold_search_backlog,
    open_db,
    print_json,
    resolve_document,
    stopped_json,
)
from annotator.cli_maintenance import cmd_backup, cmd_check, cmd_restore
from annotator.cli_review import cmd_agreement, cmd_merge, cmd_review
from annotator.cli_server import add_server_parser, add_sync_parser, cmd_server, cmd_sync
from annotator.cli_table import add_table_arguments, table_filter
from annotator.core.errors import AnnotatorError
from annotator.core.text import printable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH|URL",
        type=db_target,
        default=argparse.SUPPRESS,
        help="database file, or a team database on a server: postgresql://USER@HOST/DB "
        "(default: $ANNOTATOR_DB or the user data folder)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback when something fails",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = _Parser(
        prog="annotator",
        description="Tag claims, assessments and figures in briefings. "
        "Without a subcommand, opens the annotation window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p_import = sub.add_parser(
        "import", parents=[common],
        help="import briefings (.txt .md .html .pdf .docx) or annotation files",
        description="Import briefing files (.txt, .md, .html, .pdf, .docx) into the database, "
        "each file in its own transaction. Annotation exports (JSON Lines spans, W3C Web "
        "Annotation, REFI-QDA .qdpx) are recognised by their content and merged.",
    )
    p_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p_import.add_argument(
        "--allow-duplicate", action="store_true", help="import a text even if already stored"
    )
    p_import.add_argument(
        "--max-mb", type=float, default=50.0, metavar="MB", help="refuse larger files (default 50)"
    )
    p_import.add_argument("--json", action="store_true", help="print the outcome as JSON")

    p_list = sub.add_parser(
        "list", parents=[common], help="list documents",
        description="List documents with title, date, unit count and annotation count.",
    )
    p_list.add_argument("--json", action="store_true", help="print JSON")

    p_show = sub.add_parser(
        "show", parents=[common], help="show a document's units and their tags",
        description="Show a document's units with their tags. DOC is an id, a sha256 prefix "
        "or part of the title.",
    )
    p_show.add_argument("document", metavar="DOC")
    p_show.add_argument("--json", action="store_true", help="print JSON")
    p_show.add_argument(
        "--all", action="store_true", help="include skipped boilerplate units in the text output"
    )

    p_edit = sub.add_parser(
        "edit", parents=[common], help="correct a document's title, issuer, date or language",
        description="Correct the metadata guessed on import. DOC is an id, a sha256 prefix or "
        "part of the title. A date given here is recorded as exact.",
    )
    p_edit.add_argument("document", metavar="DOC")
    p_edit.add_argument("--title")
    p_edit.add_argument("--issuer", help="empty string to clear")
    p_edit.add_argument("--date", metavar="YYYY-MM-DD", help="empty string to clear")
    p_edit.add_argument("--language", metavar="CODE", help="e.g. en, fr, ar; empty to clear")

    p_remove = sub.add_parser(
        "remove", parents=[common], help="remove a document and its annotations",
        description="Remove a document from the library with its annotations and their "
        "history. DOC is an id, a sha256 prefix or part of the title. Without --yes, only "
        "says what would be removed. The database is backed up first (see annotator backup "
        "--list); restore that backup to get the document back.",
    )
    p_remove.add_argument("document", metavar="DOC")
    p_remove.add_argument("--yes", action="store_true", help="remove it (no question asked)")

    p_export = sub.add_parser(
        "export", parents=[common], help="export annotations (CSV, XLSX, JSON Lines, W3C, ...)",
        description="Export annotations. The file is written to a temporary name and renamed "
        "into place: a failed export leaves nothing behind. The database's handling caveat is "
        "written into every export.",
    )
    p_export.add_argument(
        "--format", "-f", required=True, dest="fmt", metavar="F",
        help="csv, xlsx, jsonl, jsonl-spans, w3c, qdpx, qdc, brat, doccano or html",
    )
    p_export.add_argument("--out", "-o", required=True, type=Path, metavar="PATH")
    p_export.add_argument(
        "--document", action="append", default=[], metavar="DOC",
        help="only this document (id, sha256 prefix or part of the title); repeatable",
    )
    p_export.add_argument("--author", action="append", default=[], help="only this author")
    p_export.add_argument("--tag", action="append", default=[], help="only this tag")
    p_export.add_argument(
        "--excel-bom", action="store_true", help="CSV: start with a UTF-8 BOM for Excel"
    )
    p_export.add_argument(
        "--history", action="store_true",
        help="jsonl-spans: also write each annotation's recorded changes (about twice the "
        "size); `annotator import` brings them back",
    )
    add_table_arguments(p_export)

    p_caveat = sub.add_parser(
        "caveat", parents=[common], help="show or set the database's handling caveat",
        description="Show or set the handling caveat (e.g. TLP:AMBER, OFFICIAL-SENSITIVE) that "
        "every export carries in its header or metadata.",
    )
    p_caveat.add_argument("text", nargs="?", help="the caveat to set")
    p_caveat.add_argument("--clear", action="store_true", help="remove the caveat")

    p_agreement = sub.add_parser(
        "agreement", parents=[common], help="inter-annotator agreement between authors",
        description="Agreement between authors on sentence units (a unit counts as tagged X by "
        "an author when an annotation of that author with tag X covers it): percent agreement, "
        "Cohen's kappa (two authors) and Krippendorff's alpha per tag and overall, and "
        "agreement on the form fields (ordinal alpha, weighted kappa).",
    )
    p_agreement.add_argument("--authors", nargs="+", required=True, metavar="AUTHOR")
    p_agreement.add_argument("--document", metavar="DOC", help="only this document")
    p_agreement.add_argument("--json", action="store_true", help="print JSON")

    p_merge = sub.add_parser(
        "merge", parents=[common], help="merge a colleague's database or annotation export",
        description="Merge a colleague's Annotator database (read-only) or annotation export "
        "(JSON Lines spans, W3C, REFI-QDA) into the database, each file in one transaction: "
        "documents matched by the SHA-256 of their text, authors kept, annotations already "
        "present skipped. A briefing whose text differs from a local one of the same title or "
        "file name is reported and not merged.",
    )
    p_merge.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p_merge.add_argument(
        "--add-differing", action="store_true",
        help="add a briefing whose text differs as a new document instead of leaving it out",
    )
    p_merge.add_argument("--json", action="store_true", help="print the outcome as JSON")

    p_review = sub.add_parser(
        "review", parents=[common], help="list where authors disagree on a document",
        description="Compare authors unit by unit on one document (DOC: id, sha256 prefix or "
        "part of the title): agree, partial (only some tagged it), differ (tag sets differ), "
        "field (same tags, an ordinal/choice field such as likelihood differs). Lists the "
        "disagreements (all units with --all).",
    )
    p_review.add_argument("document", metavar="DOC")
    p_review.add_argument(
        "--authors", nargs="+", metavar="AUTHOR",
        help="authors to compare (default: every author of the document but adjudicated layers)",
    )
    p_review.add_argument("--all", action="store_true", help="list every unit, not only "
                          "disagreements")
    p_review.add_argument("--json", action="store_true", help="print JSON")

    p_backup = sub.add_parser(
        "backup", parents=[common], help="back the database up now (or list its backups)",
        description="Copy the database with SQLite's online backup API into the folder "
        "<database>.backups next to it, keeping the newest --keep copies; with --to, into one "
        "self-contained file of your choice.",
    )
    p_backup.add_argument(
        "--keep", type=int, default=None,
        help="how many to keep (default: the number set in Edit > Preferences, 7 unless changed)",
    )
    p_backup.add_argument("--list", action="store_true", help="list the backups, newest first")
    p_backup.add_argument(
        "--to", type=Path, metavar="FILE",
        help="write one self-contained copy of the database to FILE (to send to a colleague); "
        "the backups folder is left as it is",
    )

    p_restore = sub.add_parser(
        "restore", parents=[common], help="restore a backup (the current file is saved first)",
        description="Replace the database by BACKUP. The current file is first saved as a "
        "'before-restore' backup, so nothing is lost.",
    )
    p_restore.add_argument("backup", type=Path, metavar="BACKUP")

    add_server_parser(sub, common, _Parser)
    add_sync_parser(sub, common)

    sub.add_parser(
        "check", parents=[common], help="check the database for damage",
        description="Run SQLite's integrity and foreign-key checks and report in plain words. "
        "Exit code 1 when a problem is found.",
    )

    p_segment = sub.add_parser(
        "segment", parents=[common], help="print the sentence units of a file",
        description="Print the units of FILE as [[start, end], ...]: code-point offsets into the "
        "file's text after line-ending normalisation only. Does not touch the database.",
    )
    p_segment.add_argument("file", type=Path, metavar="FILE")
    p_segment.add_argument("--json", action="store_true", help="print [[start, end], ...]")
    p_segment.add_argument(
        "--kinds", action="store_true", help="with --json, print [[start, end, kind], ...]"
    )
    return parser


def cmd_import(args: argparse.Namespace) -> int:
    from annotator.core.importing import ImportStopped, import_files

    if args.max_mb <= 0:
        raise UsageError("annotator import: --max-mb must be positive")
    max_bytes = int(args.max_mb * 1024 * 1024)
    stopped: ImportStopped | None = None
    with open_db(args, create=True) as store:
        try:
            outcomes = import_files(
                store, args.files, allow_duplicate=args.allow_duplicate, max_bytes=max_bytes
            )
        except ImportStopped as exc:  # the files before it are imported: say so first
            stopped, outcomes = exc, exc.outcomes
        if stopped is None:  # stopped by the database or the disk: the next run folds
            fold_search_backlog(store)
    failed = [o for o in outcomes if not o.ok and o.duplicate_of is None]
    if args.json:
        print_json(
            [
                {
                    "file": str(o.path),
                    "document_id": o.document_id,
                    "units": o.unit_count,
                    "title": o.title,
                    "duplicate_of": o.duplicate_of,
                    "error": o.error,
                    "annotations_added": o.merge.annotations_added if o.merge else None,
                    "annotations_present": o.merge.annotations_present if o.merge else None,
                    "warnings": list(o.warnings),
                }
                for o in outcomes
            ]
            + stopped_json(stopped)
        )
    for outcome in outcomes:
        if outcome.merge is not None:
            if not args.json:
                print(f"merged {printable(outcome.merge.summary())}")
        elif outcome.ok:
            if not args.json:
                print(
                    f"imported {printable(outcome.path.name)} as document "
                    f"{outcome.document_id} ({outcome.unit_count} units): "
                    f"{printable(outcome.title)}"
                )
        else:
            hint = " (use --allow-duplicate to import it again)" if outcome.duplicate_of else ""
            print(f"{printable(outcome.error or '')}{hint}", file=sys.stderr)
        for warning in outcome.warnings:
            print(f"warning: {printable(warning)}", file=sys.stderr)
    if stopped is not None:
        print(f"annotator: {printable(str(stopped))}", file=sys.stderr)
    return EXIT_FAILED if failed or stopped else EXIT_OK


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "id": summary.id,
        "title": summary.title,
        "issuer": summary.issuer,
        "published": summary.published.isoformat() if summary.published else None,
        "date_certainty": summary.date_certainty,
        "date_note": summary.date_note,
        "language": summary.language,
        "source_name": summary.source_name,
        "source_format": summary.source_format,
        "imported_at": summary.imported_at.isoformat(),
        "units": summary.unit_count,
        "annotations": summary.annotation_count,
        "sha256": summary.sha256,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from annotator.core.queries import list_documents

    with open_db(args) as store:
        summaries = list_documents(store)
    if args.json:
        print_json([_summary_json(s) for s in summaries])
        return EXIT_OK
    if not summaries:
        print("no documents (import some with: annotator import FILE...)")
        return EXIT_OK
    print(f"{'id':>4}  {'date':<10}  {'units':>5}  {'annot.':>6}  title")
    for s in summaries:
        date = s.published.isoformat() if s.published else "-"
        if s.date_certainty == "ambiguous":
            date += "?"
        print(
            f"{s.id:>4}  {date:<10}  {s.unit_count:>5}  {s.annotation_count:>6}  "
            f"{printable(s.title)}"
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from annotator.core.queries import document_detail

    with open_db(args) as store:
        detail = document_detail(store, resolve_document(store, args.document))
    if args.json:
        data = _summary_json(detail.summary)
        data["units"] = [
            {
                "ordinal": u.ordinal,
                "start": u.start,
                "end": u.end,
                "kind": u.kind,
                "text": u.text,
                "tags": list(u.tags),
            }
            for u in detail.units
        ]
        print_json(data)
        return EXIT_OK
    s = detail.summary
    print(f"# {printable(s.title)}")
    print(printable(
        f"issuer: {s.issuer or '-'}   date: {s.published or '-'} ({s.date_certainty})"
        f"   language: {s.language or '-'}   source: {s.source_name}"
    ))
    if s.date_note:
        print(f"date note: {printable(s.date_note)}")
    for unit in detail.units:
        if unit.kind == "skipped" and not args.all:
            continue
        tags = ",".join(unit.tags) or "-"
        text = printable(" ".join(unit.text.split()))
        print(f"{unit.ordinal:>5}  {unit.kind:<8}  {tags:<24}  {text}")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from annotator.core.backup import make_backup
    from annotator.core.queries import document_summary
    from annotator.core.removal import remove_document
    from annotator.core.settings import backups_to_keep

    with open_db(args) as store:
        document_id = resolve_document(store, args.document)
        summary = document_summary(store, document_id)
        what = (
            f"document {document_id} “{summary.title}” and its {summary.annotation_count} "
            f"annotation{'' if summary.annotation_count == 1 else 's'}"
        )
        what = printable(what)
        if not args.yes:
            print(f"would remove {what}; run again with --yes to remove it")
            return EXIT_USAGE
        if store.path is None:  # a server: its administrator backs it up
            remove_document(store, document_id)
            print(f"removed {what} from {printable(store.label)}")
            return EXIT_OK
        backup = make_backup(store.path, f"before-remove-{document_id}", backups_to_keep())
        remove_document(store, document_id)
    shown = printable(str(backup))
    print(f"removed {what}; the database as it was is saved in {shown} "
          f"(annotator merge \"{shown}\" brings the document back)")
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    import datetime as dt

    from annotator.core.ops import update_document

    values: dict[str, Any] = {}
    if args.title is not None:
        if not args.title.strip():
            raise UsageError("annotator edit: --title cannot be empty")
        values["title"] = args.title.strip()
    if args.issuer is not None:
        values["issuer"] = args.issuer.strip() or None
    if args.language is not None:
        values["language"] = args.language.strip() or None
    if args.date is not None:
        try:
            published = dt.date.fromisoformat(args.date) if args.date.strip() else None
        except ValueError as exc:
            raise UsageError(f"annotator edit: --date {args.date!r} is not YYYY-MM-DD") from exc
        values.update(
            published=published,
            date_certainty="exact" if published else "none",
            date_note="set by the analyst" if published else None,
        )
    if not values:
        raise UsageError("annotator edit: give at least one of --title --issuer --date --language")
    with open_db(args) as store:
        document_id = resolve_document(store, args.document)
        update_document(store, document_id, **values)
    print(f"document {document_id} updated: {', '.join(sorted(values))}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from annotator.core.dataset import DatasetFilter
    from annotator.core.exporters.registry import (
        FORMATS,
        ORDERED_FORMATS,
        ExportOptions,
        export_store,
    )
    from annotator.core.queries import list_authors, list_tags

    if args.fmt not in FORMATS:
        raise UsageError(
            f"annotator export: unknown format {args.fmt!r} (choose from {', '.join(FORMATS)})"
        )
    if args.history and not FORMATS[args.fmt].carries_history:
        carriers = ", ".join(name for name, fmt in FORMATS.items() if fmt.carries_history)
        raise UsageError(f"annotator export: --history applies only to {carriers}")
    table, sort = table_filter(args, "annotator export")
    if sort is not None and args.fmt not in ORDERED_FORMATS:
        raise UsageError(f"annotator export: --sort applies only to {', '.join(ORDERED_FORMATS)}")
    with open_db(args) as store:
        document_ids = (
            frozenset(resolve_document(store, key) for key in args.document)
            if args.document
            else None
        )
        _check_known("tag", args.tag, [t.name for t in list_tags(store)])
        _check_known("author", args.author, list_authors(store))
        wanted = DatasetFilter(
            document_ids=document_ids,
            authors=frozenset(args.author) if args.author else None,
            tags=frozenset(args.tag) if args.tag else None,
            table=table,
            sort=sort,
        )
        result = export_store(
            store, args.fmt, args.out, wanted,
            ExportOptions(excel_bom=args.excel_bom, history=args.history),
        )
    print(f"exported {result.items} item(s) to {printable(str(result.path))}")
    return EXIT_OK


def _check_known(what: str, given: list[str] | None, known: list[str]) -> None:
    """UsageError for a --tag or --author filter naming nothing in the database (a typo would
    otherwise give an empty export)."""
    unknown = [name for name in given or () if name not in known]
    if unknown:
        choices = ", ".join(known) if known else "none yet"
        raise UsageError(
            f"annotator export: no {what} {unknown[0]!r} in this database ({what}s: {choices})"
        )


def cmd_caveat(args: argparse.Namespace) -> int:
    from annotator.core.dataset import get_caveat, set_caveat

    with open_db(args) as store:
        if args.clear:
            set_caveat(store, None)
            print("handling caveat cleared")
        elif args.text is not None:
            if not args.text.strip():
                raise UsageError("annotator caveat: the caveat is empty (use --clear to remove)")
            set_caveat(store, args.text)
            print(f"handling caveat set: {printable(args.text.strip())}")
        else:
            print(printable(get_caveat(store) or "(no handling caveat set)"))
    return EXIT_OK


def cmd_segment(args: argparse.Namespace) -> int:
    from annotator.core.importers import read_text
    from annotator.core.segment import segment

    decoded = read_text(args.file)
    for warning in decoded.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    text = decoded.text
    units = segment(text)
    if args.json:
        if args.kinds:
            print_json([[u.start, u.end, str(u.kind)] for u in units])
        else:
            print_json([[u.start, u.end] for u in units])
        return EXIT_OK
    for unit in units:
        snippet = printable(" ".join(text[unit.start : unit.end].split()))
        print(f"{unit.start:>7} {unit.end:>7}  {unit.kind!s:<8}  {snippet}")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace, files: Sequence[Path] = ()) -> int:
    from annotator.gui.app import run

    return run(getattr(args, "db", None), files)


def _split_files(argv: list[str]) -> tuple[list[str], list[Path]]:
    """`annotator [--db X] FILE...` (e.g. from a desktop file's %F) opens the window and
    imports FILE...: the leading arguments that are existing files, not subcommands."""
    files: list[Path] = []
    rest: list[str] = []
    expects_value = False
    for arg in argv:
        if expects_value:
            rest.append(arg)
            expects_value = False
        elif arg == "--db":
            rest.append(arg)
            expects_value = True
        elif arg not in COMMANDS and not arg.startswith("-") and Path(arg).exists():
            files.append(Path(arg))
        else:
            rest.append(arg)
    return rest, files


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_gui,
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "segment": cmd_segment,
    "edit": cmd_edit,
    "remove": cmd_remove,
    "export": cmd_export,
    "caveat": cmd_caveat,
    "agreement": cmd_agreement,
    "merge": cmd_merge,
    "review": cmd_review,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "check": cmd_check,
    "server": cmd_server,
    "sync": cmd_sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    command: str | None = None
    try:
        rest, files = _split_files(arguments)
        if files and not any(arg in COMMANDS for arg in rest):
            return cmd_gui(parser.parse_args(rest), files)
        args = parser.parse_args(arguments)
        command = args.command
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except AnnotatorError as exc:
        if debug:
            traceback.print_exc()
        print(f"annotator: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the command's outer boundary: one line, never a traceback
        if debug:
            traceback.print_exc()
        # An SQLAlchemy error's text holds the statement and its parameters (document text).
        print(printable(failure_line(exc, command)), file=sys.stderr)
        return EXIT_FAILED
