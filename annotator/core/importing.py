"""The import service used by the CLI and the GUI: files in, documents and units stored.

Each file is one transaction: a file that fails leaves the database exactly as it was, and the
other files of the same batch are still imported. A failure of the database or the disk itself
(full, read-only, held by another program) would fail every later file too: it stops the batch
(`ImportStopped`), the files before it staying imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.core.connections import refuse_if_open
from annotator.core.errors import AnnotatorError, DuplicateDocument
from annotator.core.importers import DEFAULT_MAX_BYTES, ImportedDocument, read_document
from annotator.core.interchange.detect import annotation_format, read_annotation_file
from annotator.core.interchange.merge import MergeReport, merge_incoming
from annotator.core.ops import NewDocument, add_document
from annotator.core.segment import UnitKind, segment
from annotator.core.storage_errors import describe_storage_error, is_storage_failure
from annotator.core.store import Store
from annotator.core.text import clean_title

NOT_TRIED_SHOWN = 10  # names listed in the message; the rest are counted


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one file: a new document id, or the reason it was not imported."""

    path: Path
    document_id: int | None = None
    unit_count: int = 0
    title: str = ""
    error: str | None = None
    duplicate_of: int | None = None
    merge: MergeReport | None = None  # set when the file was an annotation file
    # Imported, but not exactly as the file is (bytes that were not valid UTF-8...): one line
    # each, naming the file, for the analyst.
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.document_id is not None or self.merge is not None


class ImportStopped(AnnotatorError):
    """A failure of the database or the disk stopped a batch at `failed`; the files before it
    are imported (`outcomes`), `failed` and `not_tried` are not."""

    def __init__(
        self,
        failed: Path,
        reason: str,
        outcomes: Sequence[ImportOutcome] = (),
        not_tried: Sequence[Path] = (),
    ) -> None:
        self.failed = failed
        self.reason = reason
        self.outcomes = list(outcomes)
        self.not_tried = list(not_tried)
        super().__init__(reason + not_tried_note(self.not_tried))


def not_tried_note(not_tried: Sequence[Path]) -> str:
    """"; not tried: D.txt, E.txt" naming the files a stopped batch did not reach."""
    if not not_tried:
        return ""
    names = ", ".join(path.name or str(path) for path in not_tried[:NOT_TRIED_SHOWN])
    more = len(not_tried) - NOT_TRIED_SHOWN
    return f"; not tried: {names}" + (f" and {more} more" if more > 0 else "")


def document_from_text(
    text: str,
    *,
    title: str,
    source_name: str,
    issuer: str | None = None,
    published: dt.date | None = None,
    language: str | None = None,
    units: Sequence[tuple[int, int, str]] | None = None,
) -> NewDocument:
    """A document whose metadata is known (not guessed), split into units (unless `units`,
    already checked to fit the text, are given)."""
    return NewDocument(
        text=text,
        title=title,
        issuer=issuer,
        published=published,
        date_certainty="exact" if published else "none",
        date_note=None,
        language=language,
        source_name=source_name,
        source_format="txt",
        units=(
            list(units)
            if units is not None
            else [(unit.start, unit.end, str(unit.kind)) for unit in segment(text)]
        ),
    )


def prepare_document(imported: ImportedDocument) -> NewDocument:
    """Split the cleaned text into units and bundle it with its metadata."""
    meta = imported.metadata
    units = [(unit.start, unit.end, str(unit.kind)) for unit in segment(imported.text)]
    # The splitter sees the layout (standalone line near the top, after banners): its title
    # line is the better guess; the metadata heuristics are the fallback.
    title_unit = next(((s, e) for s, e, kind in units if kind == UnitKind.TITLE), None)
    title = clean_title(
        imported.text[title_unit[0] : title_unit[1]]
        if title_unit
        else meta.title or Path(imported.source_name).stem
    ) or "Untitled"  # a file name of control characters only
    return NewDocument(
        text=imported.text,
        title=title,
        issuer=meta.issuer,
        published=meta.published,
        date_certainty=str(meta.date_certainty),
        date_note=meta.date_note,
        language=meta.language,
        source_name=imported.source_name,
        source_format=imported.source_format,
        units=units,
    )


def import_file(
    store: Store,
    path: Path,
    *,
    allow_duplicate: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportOutcome:
    """Import one file; raises AnnotatorError (nothing written) when it cannot be imported.

    Annotation files (JSON Lines spans, W3C Web Annotation, REFI-QDA) are recognised by their
    content and merged; anything else is imported as a briefing. A database this process has
    open (or its `-wal`/`-shm`) is refused before it is read: reading it as a plain file would
    drop this process's locks on it.
    """
    refuse_if_open(path)
    fmt = annotation_format(path)
    if fmt is not None:
        incoming = read_annotation_file(path, fmt)
        report = merge_incoming(store, incoming)
        skipped = tuple(f"{path.name}: {line}" for line in incoming.skipped)
        return ImportOutcome(path=path, merge=report, title=report.summary(), warnings=skipped)
    imported = read_document(path, max_bytes=max_bytes)
    new = prepare_document(imported)
    changes = add_document(store, new, allow_duplicate=allow_duplicate)
    return ImportOutcome(
        path=path, document_id=changes.created_id, unit_count=len(new.units), title=new.title,
        warnings=imported.warnings,
    )


def import_files(
    store: Store,
    paths: Iterable[Path],
    *,
    allow_duplicate: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, Path], None] | None = None,
) -> list[ImportOutcome]:
    """Import each file on its own; bad files are reported in their outcome, not raised.

    Raises ImportStopped when the database or the disk fails: the files before the failed one
    stay imported, the later ones are not tried.
    """
    paths = list(paths)
    outcomes: list[ImportOutcome] = []
    for index, path in enumerate(paths):
        if progress is not None:
            progress(index, path)
        try:
            outcomes.append(
                import_file(store, path, allow_duplicate=allow_duplicate, max_bytes=max_bytes)
            )
        except DuplicateDocument as exc:
            outcomes.append(ImportOutcome(path=path, error=str(exc), duplicate_of=exc.existing_id))
        except Exception as exc:
            if is_storage_failure(exc):
                reason = describe_storage_error(exc, f"{path.name or path}: not imported")
                raise ImportStopped(path, reason, outcomes, paths[index + 1 :]) from exc
            if not isinstance(exc, AnnotatorError):
                raise
            outcomes.append(ImportOutcome(path=path, error=str(exc)))
    return outcomes
