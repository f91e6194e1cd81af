"""Each figure's representations, made when the data behind them changes, stored, and sent
as they are: its JSON object, its CSV line and its ETag.

A figure's representation shows more than its own row: its measure's name and words, its
source's summary, and the number of every figure it relates to either way. So every commit
re-renders the figures it touched, their neighbours by relation, and every figure of a
measure or source it changed (session events below collect them as they are flushed). The
stored renders also carry the fingerprint of the code that made them: when an upgrade changes
how a figure is shown, `ensure_current` makes them all again before the API serves one.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, event, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from app.middleware import etag_hasher
from app.models import DatasetState, Figure, FigureRelation, FigureRender, Measure, Source
from app.schemas import FigureRead
from app.services.figures import _with_related, incoming_relations
from app.tabular import CsvRows

BATCH = 500
_APP = Path(__file__).resolve().parent.parent
# The modules whose code decides what a figure's representations say.
_SHAPING = ("schemas.py", "statements.py", "numbers.py", "qualifiers.py", "dates.py",
            "intervals.py", "tabular.py", "services/renders.py")  # fmt: skip


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _SHAPING:
        digest.update(name.encode() + b"\0" + (_APP / name).read_bytes())
    return digest.hexdigest()


FINGERPRINT = _fingerprint()
_CSV = CsvRows(FigureRead)
CSV_HEADER = _CSV.header()


def figure_etag(figure: Figure, read: FigureRead) -> str:
    """Derived from the figure's revision, so JSON and JSON-LD of one revision share it, and
    from what else its representations show (its measure, source and related figures), so it
    still changes whenever the data behind them does."""
    hasher = etag_hasher()
    hasher.update(orjson.dumps(read.model_dump(mode="json")))
    hasher.update(figure.measure.definition.encode())
    return f'W/"{figure.id}.r{figure.revision}.{hasher.hexdigest()[:16]}"'


def render(session: Session, ids: Iterable[str]) -> int:
    """Make and store the renders of these figures (ids that are no figure are skipped)."""
    done = 0
    pending = iter(sorted(set(ids)))
    while batch := list(islice(pending, BATCH)):
        # Read in a session of its own on the same connection: it sees this transaction's
        # changes, flushed, and none of the objects the caller's session holds half-loaded.
        with Session(bind=session.connection()) as reading:
            found = list(
                reading.scalars(_with_related(select(Figure)).where(Figure.id.in_(batch))).unique()
            )
            incoming = incoming_relations(reading, [f.id for f in found])
            rows = [_render(figure, incoming.get(figure.id, [])) for figure in found]
        session.execute(delete(FigureRender).where(FigureRender.figure_id.in_(batch)))
        if rows:
            session.execute(insert(FigureRender), rows)
        done += len(rows)
    return done


def _render(figure: Figure, incoming: list[FigureRelation]) -> dict[str, str]:
    read = FigureRead.of(figure, incoming)
    data = read.model_dump(mode="json")
    return {
        "figure_id": figure.id,
        "json": orjson.dumps(data),
        "csv": _CSV.line(data),
        "etag": figure_etag(figure, read),
    }


def ensure_current(session: Session, *, force: bool = False) -> int:
    """Re-render every figure if the stored renders were made by other code (or by none), or
    if `force`; the caller commits. Returns how many were rendered."""
    state = session.get(DatasetState, 1, with_for_update=True)
    if state is None or (state.render_fingerprint == FINGERPRINT and not force):
        return 0
    done = 0
    last = ""
    while ids := list(
        session.scalars(select(Figure.id).where(Figure.id > last).order_by(Figure.id).limit(BATCH))
    ):
        done += render(session, ids)
        last = ids[-1]
        session.expunge_all()
    session.execute(
        update(DatasetState)
        .where(DatasetState.id == 1)
        .values(render_fingerprint=FINGERPRINT, version=DatasetState.version + 1)
    )
    return done


VERSION = select(DatasetState.version).where(DatasetState.id == 1)


def dataset_version(session: Session) -> int:
    return session.connection().execute(VERSION).scalar() or 0


# Collecting what each transaction changed, and rendering it before it commits.

_PENDING = "depstats.render_pending"
_RENDERING = "depstats.rendering"


@dataclass
class _Changed:
    figures: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.figures or self.measures or self.sources)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    changed = session.info.setdefault(_PENDING, _Changed())
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, Figure):
            changed.figures.add(row.id)
            # Relations dropped from the collection are deleted as orphans by the flush
            # itself, so they are not among session.deleted: the history still has them.
            history = inspect(row).attrs.relations.history
            changed.figures.update(r.target_id for r in chain(history.added, history.deleted))
        elif isinstance(row, FigureRelation):
            changed.figures.update((row.figure_id, row.target_id))
        elif isinstance(row, Measure):
            changed.measures.add(row.id)
        elif isinstance(row, Source):
            changed.sources.add(row.id)


@event.listens_for(Session, "before_commit")
def _render_changes(session: Session) -> None:
    if session.info.get(_RENDERING):
        return
    session.flush()
    changed = session.info.pop(_PENDING, None)
    if not changed:
        return
    session.info[_RENDERING] = True
    try:
        render(session, _affected(session, changed))
    finally:
        session.info.pop(_RENDERING, None)
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _affected(session: Session, changed: _Changed) -> Iterator[str]:
    yield from changed.figures
    for ids in _chunks(sorted(changed.figures)):
        yield from session.scalars(
            select(FigureRelation.figure_id).where(FigureRelation.target_id.in_(ids))
        )
        yield from session.scalars(
            select(FigureRelation.target_id).where(FigureRelation.figure_id.in_(ids))
        )
    if changed.measures or changed.sources:
        yield from session.scalars(
            select(Figure.id).where(
                or_(
                    Figure.measure_id.in_(sorted(changed.measures)),
                    Figure.source_id.in_(sorted(changed.sources)),
                )
            )
        )


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
