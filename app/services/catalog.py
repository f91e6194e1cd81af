"""Measures, sources and the dataset as a whole."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import CoreReads
from app.errors import NotFound
from app.models import DatasetState, Derived, Figure, Measure, Revision, Source
from app.paging import Cursor, Sort

if TYPE_CHECKING:  # the extractor is imported when first used: its rules take 0.15 s to compile
    from app.extract import KnownMeasure

T = TypeVar("T", Measure, Source, Derived)
ID_ORDER = Sort("id", descending=False)


@dataclass
class IdPage(Generic[T]):
    items: list[T]
    total: int
    next_cursor: Cursor | None


def page_by_id(
    session: Session,
    model: type[T],
    *,
    limit: int,
    cursor: Cursor | None,
    options: tuple[Any, ...] = (),
) -> IdPage[T]:
    statement = select(model).options(*options).order_by(model.id).limit(limit + 1)
    if cursor is not None:
        statement = statement.where(model.id > cursor.id)
    items = list(session.scalars(statement))
    total = session.scalar(select(func.count()).select_from(model)) or 0
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = Cursor(ID_ORDER, items[-1].id, items[-1].id)
    return IdPage(items, total, next_cursor)


def list_measures(session: Session, *, limit: int, cursor: Cursor | None) -> IdPage[Measure]:
    return page_by_id(session, Measure, limit=limit, cursor=cursor)


def get_measure(session: Session, measure_id: str) -> Measure:
    return _get(session, Measure, measure_id, "measure")


_IDS = {"measure": select(Measure.id), "source": select(Source.id)}


def all_ids(reads: CoreReads) -> dict[str, frozenset[str]]:
    """Every measure's and every source's id (small tables: a few hundred rows at most)."""
    return {kind: frozenset(row[0] for row in reads.all(ids)) for kind, ids in _IDS.items()}


def list_sources(session: Session, *, limit: int, cursor: Cursor | None) -> IdPage[Source]:
    return page_by_id(session, Source, limit=limit, cursor=cursor)


def get_source(session: Session, source_id: str) -> Source:
    return _get(session, Source, source_id, "source")


def _get(session: Session, model: type[T], item_id: str, noun: str) -> T:
    """The row of this id, or a 404 naming what was asked for."""
    found = session.get(model, item_id)
    if found is None:
        raise NotFound(f"no {noun} with id {item_id!r}")
    return found


@dataclass(frozen=True)
class DatasetSummary:
    version: int
    last_change: datetime | None
    sources: int
    measures: int
    figures: int
    retracted_figures: int
    derived: int


def dataset_summary(session: Session) -> DatasetSummary:
    """Counts, and the dataset's version: the one caches key on (every revision raises it, and
    so does making the stored renders again), so that a client can key on it too."""
    version = session.scalar(select(DatasetState.version).where(DatasetState.id == 1)) or 0
    last_change = session.scalar(select(func.max(Revision.created_at)))
    by_status: dict[str, int] = {
        status: count
        for status, count in session.execute(
            select(Figure.status, func.count()).group_by(Figure.status)
        )
    }
    return DatasetSummary(
        version=version,
        last_change=last_change,
        sources=session.scalar(select(func.count()).select_from(Source)) or 0,
        measures=session.scalar(select(func.count()).select_from(Measure)) or 0,
        figures=by_status.get("published", 0),
        retracted_figures=by_status.get("retracted", 0),
        derived=session.scalar(select(func.count()).select_from(Derived)) or 0,
    )


def known_measures(session: Session) -> "tuple[KnownMeasure, ...]":
    """The measures a candidate may be given: those that exist, with their kinds and people."""
    from app.extract import KnownMeasure

    rows = session.execute(
        select(Measure.id, Measure.kind, Measure.subject, Measure.predicate).order_by(Measure.id)
    )
    return tuple(KnownMeasure.of(*row) for row in rows)


def figure_history(session: Session, figure_id: str) -> list[Revision]:
    """A figure's revisions, oldest first."""
    return list(
        session.scalars(
            select(Revision)
            .where(Revision.resource == "figure", Revision.resource_id == figure_id)
            .order_by(Revision.number)
        )
    )
