"""Reviewing colleagues' work on one briefing: compare authors unit by unit, then adjudicate.

Offsets are Python `str` code points, end exclusive. Qt-free.

- Comparison (`unit_states`) follows the agreement statistics (`agreement_data`): an author
  tagged a unit X when one of the author's annotations carrying X covers the unit entirely; the
  fields of X are those of the innermost such annotation (shortest, then newest). Skipped units
  are left out. A unit's state is "agree" (every author tagged it, same tags), "partial" (some
  authors tagged it, others not), "differ" (all tagged it, the tag sets differ), "field" (same
  tags, but an ordinal or choice field such as likelihood differs) or "untagged". As in the
  statistics, an empty field is no opinion, not a disagreement.
- Adjudication writes an *adjudicated layer*: annotations of the author
  "adjudicated by <reviewer>", one per decided unit, spanning the unit exactly. The colleagues'
  annotations are never changed by it. Each decision is one transaction with its history row
  (actor = the reviewer, the comment kept with it).
- "Reject all" is recorded as an adjudicated annotation *without tags*, status "rejected": the
  decision stays visible in the review list and goes out in exports like any other work (an
  annotation with no tag; its note says what was decided), and in agreement figures it counts as
  "not tagged", which is what it means. Every other decision gets status "accepted".
- The note of an adjudicated annotation states the decision ("Adjudicated: accepted Ben's
  tags — comment"), because exports carry notes but not review columns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from annotator.core.coverage import SKIPPED, UnitIndex
from annotator.core.errors import InvalidValue, NotAReviewer, NotFound

# The plain types and names live in `facts` (no SQLAlchemy): re-exported here.
from annotator.core.facts import ADJUDICATED_PREFIX as ADJUDICATED_PREFIX
from annotator.core.facts import AGREE as AGREE
from annotator.core.facts import DECISIONS as DECISIONS
from annotator.core.facts import DIFFER as DIFFER
from annotator.core.facts import DISAGREEMENTS as DISAGREEMENTS
from annotator.core.facts import FIELD as FIELD
from annotator.core.facts import PARTIAL as PARTIAL
from annotator.core.facts import STATE_LABELS as STATE_LABELS
from annotator.core.facts import STATES as STATES
from annotator.core.facts import STATUSES as STATUSES
from annotator.core.facts import UNTAGGED as UNTAGGED
from annotator.core.facts import ReviewInfo as ReviewInfo
from annotator.core.facts import adjudicated_author as adjudicated_author
from annotator.core.facts import is_adjudicated as is_adjudicated
from annotator.core.fields import TAG_FIELDS, FieldKind, validate_fields
from annotator.core.history import record, snapshot_of
from annotator.core.model import Annotation, AnnotationTag, Document, Tag, utcnow
from annotator.core.ops import Changes
from annotator.core.store import Store


class TagLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def fields(self) -> Mapping[str, Any]: ...


class AnnotationLike(Protocol):
    """What the comparison needs of an annotation (DatasetAnnotation, AnnotationView...)."""

    @property
    def id(self) -> int: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def author(self) -> str: ...

    @property
    def tags(self) -> Sequence[TagLike]: ...


@dataclass(frozen=True)
class FieldDifference:
    """One ordinal/choice field of one tag on which the authors who filled it disagree."""

    tag: str
    field: str
    values: Mapping[str, str]  # author -> code (only authors who gave a value)


@dataclass(frozen=True)
class UnitReview:
    """How the chosen authors tagged one unit (index = its position in the document's units)."""

    index: int
    start: int
    end: int
    state: str
    tags: Mapping[str, tuple[str, ...]]  # author -> tag names (empty: untagged)
    fields: Mapping[str, Mapping[str, Mapping[str, Any]]]  # author -> tag -> field values
    annotation_ids: Mapping[str, tuple[int, ...]]  # author -> covering annotations
    field_differences: tuple[FieldDifference, ...] = ()

    @property
    def is_disagreement(self) -> bool:
        return self.state in DISAGREEMENTS

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def _compared_fields(tag: str) -> list[tuple[str, frozenset[str]]]:
    return [
        (spec.name, frozenset(choice.code for choice in spec.choices))
        for spec in TAG_FIELDS.get(tag, ())
        if spec.kind in (FieldKind.ORDINAL, FieldKind.CHOICE)
    ]


def _field_differences(
    fields: Mapping[str, Mapping[str, Mapping[str, Any]]], authors: Sequence[str]
) -> tuple[FieldDifference, ...]:
    by_tag: dict[str, list[str]] = defaultdict(list)
    for author in authors:
        for tag in fields.get(author, {}):
            by_tag[tag].append(author)
    found: list[FieldDifference] = []
    for tag, who in by_tag.items():
        if len(who) < 2:
            continue
        for name, codes in _compared_fields(tag):
            values = {
                author: value
                for author in who
                if isinstance(value := fields[author][tag].get(name), str) and value in codes
            }
            if len(set(values.values())) > 1:
                found.append(FieldDifference(tag, name, values))
    return tuple(found)


def _state(tags: Mapping[str, tuple[str, ...]], differences: bool) -> str:
    tagged = [author for author, names in tags.items() if names]
    if not tagged:
        return UNTAGGED
    if len(tagged) < len(tags):
        return PARTIAL
    if len({tags[author] for author in tagged}) > 1:
        return DIFFER
    return FIELD if differences else AGREE


def unit_states(
    units: Sequence[tuple[int, int, str]],
    annotations: Iterable[AnnotationLike],
    authors: Sequence[str],
    tag_order: Sequence[str] = (),
) -> list[UnitReview]:
    """Per non-skipped unit (start, end, kind; sorted): each author's tags, fields and state.

    Tag names are listed in `tag_order` (the database's tag order), unknown ones after by name.
    """
    chosen = tuple(dict.fromkeys(authors))
    wanted = set(chosen)
    rank_of = {name: i for i, name in enumerate(tag_order)}
    unit_index = UnitIndex(units)
    # (author, unit index, tag) -> ((length, -id), fields) of the innermost covering annotation
    best: dict[tuple[str, int, str], tuple[tuple[int, int], Mapping[str, Any]]] = {}
    covering: dict[tuple[str, int], list[int]] = defaultdict(list)
    for annotation in annotations:
        if annotation.author not in wanted:
            continue
        rank = (annotation.end - annotation.start, -annotation.id)
        for index in unit_index.covered(annotation.start, annotation.end):
            if units[index][2] != SKIPPED:
                covering[annotation.author, index].append(annotation.id)
                for tag in annotation.tags:
                    key = (annotation.author, index, tag.name)
                    held = best.get(key)
                    if held is None or rank < held[0]:
                        best[key] = (rank, tag.fields)
    per_unit: dict[int, dict[str, dict[str, Mapping[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (author, index, name), (_rank, fields) in best.items():
        per_unit[index][author][name] = fields
    reviews: list[UnitReview] = []
    for index, (start, end, kind) in enumerate(units):
        if kind == SKIPPED:
            continue
        found = per_unit.get(index, {})
        fields = {author: dict(found.get(author, {})) for author in chosen}
        tags = {
            author: tuple(sorted(fields[author], key=lambda t: (rank_of.get(t, 1 << 30), t)))
            for author in chosen
        }
        differences = _field_differences(fields, chosen)
        reviews.append(
            UnitReview(
                index=index,
                start=start,
                end=end,
                state=_state(tags, bool(differences)),
                tags=tags,
                fields=fields,
                annotation_ids={
                    author: tuple(sorted(covering.get((author, index), ()))) for author in chosen
                },
                field_differences=differences,
            )
        )
    return reviews


# -- adjudication ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Opinion:
    """One author's tags on a unit and each tag's fields (innermost covering annotation)."""

    tags: dict[str, dict[str, Any]]


def _opinions(
    session: Session, document_id: int, start: int, end: int
) -> dict[str, _Opinion]:
    """Each author's tags (with fields) over [start, end), from annotations covering it."""
    rows = session.scalars(
        select(Annotation).where(
            Annotation.document_id == document_id,
            Annotation.start <= start,
            Annotation.end >= end,
        )
    ).all()
    best: dict[tuple[str, str], tuple[tuple[int, int], dict[str, Any]]] = {}
    authors: set[str] = set()
    for annotation in rows:
        authors.add(annotation.author)
        rank = (annotation.end - annotation.start, -annotation.id)
        for tag in annotation.tags:
            key = (annotation.author, tag.tag.name)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, dict(tag.fields or {}))
    opinions = {author: _Opinion({}) for author in authors}
    for (author, name), (_rank, fields) in best.items():
        opinions[author].tags[name] = fields
    return opinions


def _merged_fields(values: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Field by field, the value most authors gave; a tie goes to the earliest author."""
    merged: dict[str, Any] = {}
    names = list(dict.fromkeys(name for fields in values for name in fields))
    for name in names:
        given = [fields[name] for fields in values if fields.get(name) not in (None, "")]
        if not given:
            continue
        counts = Counter(repr(value) for value in given)
        top = max(counts.values())
        merged[name] = next(value for value in given if counts[repr(value)] == top)
    return merged


def _decide(
    decision: str,
    opinions: Mapping[str, _Opinion],
    authors: Sequence[str],
    author_choice: str | None,
    tags: Sequence[str] | None,
    fields: Mapping[str, Mapping[str, Any]] | None,
) -> tuple[dict[str, dict[str, Any]], str]:
    """The adjudicated tags (name -> fields) and the decision's words for the note."""
    if decision == "accept_author":
        if not author_choice:
            raise InvalidValue("say whose tags to accept")
        chosen = opinions.get(author_choice, _Opinion({}))
        what = f"accepted {author_choice}'s tags" if chosen.tags else (
            f"accepted {author_choice}'s reading (no tag)"
        )
        return {tag: dict(values) for tag, values in chosen.tags.items()}, what
    if decision == "union":
        names = list(dict.fromkeys(tag for a in authors for tag in opinions[a].tags))
        result = {
            tag: _merged_fields([opinions[a].tags[tag] for a in authors if tag in opinions[a].tags])
            for tag in names
        }
        return result, f"accepted the union of {', '.join(authors) or 'nobody'}'s tags"
    if decision == "reject_all":
        return {}, f"rejected all tags ({', '.join(authors) or 'nobody'})"
    if tags is None:
        raise InvalidValue("an edited adjudication needs its tags")
    given = fields or {}
    return {tag: validate_fields(tag, given.get(tag, {})) for tag in tags}, "edited"


def proposed_union(review: UnitReview) -> dict[str, dict[str, Any]]:
    """The union of a unit's tags with merged fields (as "union" would decide it): the
    starting point of an edited adjudication."""
    authors = list(review.fields)
    names = list(dict.fromkeys(tag for author in authors for tag in review.tags[author]))
    return {
        tag: _merged_fields([review.fields[a][tag] for a in authors if tag in review.fields[a]])
        for tag in names
    }


def _note(what: str, comment: str) -> str:
    return f"Adjudicated: {what}" + (f" — {comment}" if comment else "")


def _set_tags(
    session: Session, annotation: Annotation, wanted: Mapping[str, Mapping[str, Any]]
) -> None:
    known = {name: tag_id for tag_id, name in session.execute(select(Tag.id, Tag.name))}
    for name in wanted:
        if name not in known:
            raise InvalidValue(f"unknown tag {name!r} (known: {', '.join(sorted(known))})")
    ids = {known[name]: name for name in wanted}
    # Update rows in place: removing and re-adding the same (annotation, tag) in one flush
    # would insert before deleting.
    for row in list(annotation.tags):
        if row.tag_id in ids:
            row.fields = dict(wanted[ids[row.tag_id]])
            row.suggested = []
        else:
            annotation.tags.remove(row)
    present = {row.tag_id for row in annotation.tags}
    for tag_id, name in ids.items():
        if tag_id not in present:
            annotation.tags.append(
                AnnotationTag(tag_id=tag_id, fields=dict(wanted[name]), suggested=[])
            )


def _document_length(session: Session, document_id: int) -> int:
    length = session.scalar(select(func.length(Document.text)).where(Document.id == document_id))
    if length is None:
        raise NotFound(f"no document {document_id}")
    return int(length)


def _adjudicate_in(
    session: Session,
    document_id: int,
    span: tuple[int, int],
    decision: str,
    reviewer: str,
    comment: str,
    *,
    author_choice: str | None,
    tags: Sequence[str] | None,
    fields: Mapping[str, Mapping[str, Any]] | None,
    authors: Sequence[str] | None,
) -> int:
    start, end = span
    if not 0 <= start < end <= _document_length(session, document_id):
        raise InvalidValue(f"span [{start}, {end}) is empty or outside the document")
    layer = adjudicated_author(reviewer)
    opinions = _opinions(session, document_id, start, end)
    if authors is None:
        authors = sorted(a for a in opinions if not is_adjudicated(a))
    compared = [a for a in dict.fromkeys(authors) if a != layer]
    for author in compared:
        opinions.setdefault(author, _Opinion({}))
    result, what = _decide(decision, opinions, compared, author_choice, tags, fields)
    now = utcnow()
    existing = session.scalars(
        select(Annotation)
        .where(
            Annotation.document_id == document_id,
            Annotation.start == start,
            Annotation.end == end,
            Annotation.author == layer,
        )
        .order_by(Annotation.id)
        .limit(1)
    ).first()
    before = snapshot_of(existing) if existing is not None else None
    annotation = existing or Annotation(
        document_id=document_id, start=start, end=end, author=layer, created=now
    )
    if existing is None:
        session.add(annotation)
    _set_tags(session, annotation, result)
    annotation.note = _note(what, comment)
    annotation.modified = now
    annotation.status = "rejected" if decision == "reject_all" else "accepted"
    annotation.reviewer = reviewer
    annotation.reviewed_at = now
    annotation.review_comment = comment
    session.flush()
    after = snapshot_of(annotation)
    record(session, "create" if before is None else "review", reviewer, before, after, comment)
    return annotation.id


def adjudicate(
    store: Store,
    document_id: int,
    unit_span: tuple[int, int],
    decision: str,
    reviewer: str,
    comment: str = "",
    *,
    author_choice: str | None = None,
    tags: Sequence[str] | None = None,
    fields: Mapping[str, Mapping[str, Any]] | None = None,
    authors: Sequence[str] | None = None,
) -> Changes:
    """Decide one unit (code points [start, end)): create or replace the reviewer's
    adjudicated annotation over exactly that span, in one transaction with its history.

    `decision`: "accept_author" (`author_choice`'s tags and fields), "union" (every compared
    author's tags; per field the value most of them gave, a tie going to the earliest author in
    `authors`), "reject_all" (no tags, status "rejected") or "edit" (`tags`, with `fields` per
    tag, validated). `authors` are the compared authors (default: every author with an
    annotation covering the span, adjudicated layers excepted). Raises InvalidValue for an
    unknown decision, a missing choice, a bad span, tag or field value; NotFound for a missing
    document. Nothing is written on error; the colleagues' annotations are never touched.
    """
    if decision not in DECISIONS:
        raise InvalidValue(f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
    if not reviewer.strip():
        raise InvalidValue("an adjudication needs the reviewer's name")
    with store.write() as session:
        annotation_id = _adjudicate_in(
            session, document_id, unit_span, decision, reviewer, comment,
            author_choice=author_choice, tags=tags, fields=fields, authors=authors,
        )
    return Changes(
        documents=frozenset({document_id}),
        annotations=frozenset({annotation_id}),
        created_id=annotation_id,
    )


def accept_agreed(
    store: Store,
    document_id: int,
    reviews: Iterable[UnitReview],
    reviewer: str,
    comment: str = "",
) -> Changes:
    """Adjudicate every "agree" unit of `reviews` not yet decided by `reviewer` as the union
    (all in one transaction); returns the new annotations in `Changes.annotations`."""
    if not reviewer.strip():
        raise InvalidValue("an adjudication needs the reviewer's name")
    layer = adjudicated_author(reviewer)
    created: set[int] = set()
    with store.write() as session:
        decided = {
            (start, end)
            for start, end in session.execute(
                select(Annotation.start, Annotation.end).where(
                    Annotation.document_id == document_id, Annotation.author == layer
                )
            )
        }
        for review in reviews:
            if review.state != AGREE or review.span in decided:
                continue
            created.add(
                _adjudicate_in(
                    session, document_id, review.span, "union", reviewer, comment,
                    author_choice=None, tags=None, fields=None, authors=list(review.tags),
                )
            )
    return Changes(documents=frozenset({document_id}), annotations=frozenset(created))


def set_review_status(
    store: Store, annotation_id: int, status: str, reviewer: str, comment: str = ""
) -> Changes:
    """Set an annotation's review status with reviewer, time (now, UTC) and comment.

    Recorded in its history as "review". The annotation's content and modification time are
    unchanged. Raises InvalidValue for an unknown status, NotFound for a missing annotation,
    NotAReviewer when a team database refuses it (another author's, and the role no reviewer).
    """
    if status not in STATUSES:
        raise InvalidValue(f"unknown review status {status!r} (one of {', '.join(STATUSES)})")
    if not reviewer.strip():
        raise InvalidValue("a review needs the reviewer's name")
    # beside others' edits; a review changes no searched text
    with store.write(annotations=(annotation_id,), search_text=False) as session:
        annotation = session.get(Annotation, annotation_id)
        if annotation is None:
            raise NotFound(f"no annotation {annotation_id} (it may have been deleted)")
        before = snapshot_of(annotation)
        annotation.status = status
        annotation.reviewer = reviewer
        annotation.reviewed_at = utcnow()
        annotation.review_comment = comment
        try:
            session.flush()
        except StaleDataError as exc:
            # A team database's policies let this role update no row of that author's (only
            # reviewers may): the update found nothing to change.
            raise NotAReviewer(before.author, reviewer) from exc
        record(session, "review", reviewer, before, snapshot_of(annotation), comment)
        document_id = annotation.document_id
    return Changes(documents=frozenset({document_id}), annotations=frozenset({annotation_id}))


# -- queries --------------------------------------------------------------------------------


def review_info(
    store: Store, *, document_id: int | None = None, ids: Iterable[int] | None = None
) -> dict[int, ReviewInfo]:
    """Review columns of a document's annotations, or of the given annotation ids."""
    query = select(
        Annotation.id,
        Annotation.status,
        Annotation.reviewer,
        Annotation.reviewed_at,
        Annotation.review_comment,
    )
    found: dict[int, ReviewInfo] = {}
    chunks: list[list[int]] | list[None] = [None]
    if ids is not None:
        ordered = sorted(set(ids))
        chunks = [ordered[i : i + 500] for i in range(0, len(ordered), 500)]
    with store.read() as session:
        for chunk in chunks:
            current = query
            if document_id is not None:
                current = current.where(Annotation.document_id == document_id)
            if chunk is not None:
                current = current.where(Annotation.id.in_(chunk))
            for row in session.execute(current):
                found[row[0]] = ReviewInfo(row[1] or "draft", row[2], row[3], row[4] or "")
    return found


def documents_matching(
    store: Store, *, status: str | None = None, author: str | None = None
) -> set[int]:
    """Ids of documents with at least one annotation of `status` by `author` (None: any)."""
    query = select(Annotation.document_id).distinct()
    if status is not None:
        query = query.where(Annotation.status == status)
    if author is not None:
        query = query.where(Annotation.author == author)
    with store.read() as session:
        return set(session.scalars(query))


def document_authors(store: Store, document_id: int) -> list[str]:
    """The authors with at least one annotation on the document, sorted."""
    with store.read() as session:
        return list(
            session.scalars(
                select(Annotation.author)
                .where(Annotation.document_id == document_id)
                .distinct()
                .order_by(Annotation.author)
            )
        )
