"""Finding figures: one by id, filtered and sorted lists with keyset paging, a measure's series."""

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, joinedload

from app.db import CoreReads
from app.errors import NotFound, invalid_field
from app.models import Figure, FigureRelation, FigureRender, Measure
from app.paging import Cursor, Sort
from app.qualifiers import Qualifier
from app.services.loading import with_related, with_related_joined
from app.services.search import best_renders, hits, ranked_page, search_binds, term_count

_SORT_COLUMNS = {
    "id": Figure.id, "measure": Figure.measure_id, "source": Figure.source_id,
    "qualifier": Figure.qualifier, "value": Figure.value, "time": Figure.time_start,
    "updated_at": Figure.updated_at,
}  # fmt: skip


@dataclass(frozen=True)
class FigureFilters:
    measure: str | None = None
    source: str | None = None
    qualifier: Qualifier | None = None
    country: str | None = None
    start: date | None = None  # the first day of `from`
    end: date | None = None  # the last day of `to`
    q: str | None = None
    include_retracted: bool = False


@dataclass
class FigureList:
    items: list[Figure]
    # Relations other figures have to each listed figure, by the listed figure's id.
    incoming: dict[str, list[FigureRelation]]
    total: int
    next_cursor: Cursor | None


@dataclass(frozen=True)
class _Shape:
    """Which filters a request uses, not their values: statements are built once a shape
    and their values bound when they run (building one cost more than running it)."""

    include_retracted: bool
    measure: bool
    source: bool
    qualifier: bool
    country: bool
    start: bool
    end: bool
    q: bool
    engine: str  # the dialect's name: how `q` is searched
    terms: int  # how many terms `q` has

    @property
    def q_alone(self) -> bool:
        others = (self.measure, self.source, self.qualifier, self.country, self.start, self.end)
        return self.q and not any(others)

    @classmethod
    def of(cls, filters: FigureFilters, engine: str) -> "_Shape":
        return cls(
            filters.include_retracted, filters.measure is not None, filters.source is not None,
            filters.qualifier is not None, filters.country is not None, filters.start is not None,
            filters.end is not None, filters.q is not None, engine,
            term_count(filters.q) if filters.q is not None else 0,
        )  # fmt: skip


def _values(
    filters: FigureFilters, connection: Connection, cursor: Cursor | None = None
) -> dict[str, Any]:
    """The values a statement of the filters' shape (and, with a cursor, `_after`) binds;
    `q`'s are read on `connection` (see `search_binds`)."""
    values: dict[str, Any] = {
        "measure": filters.measure,
        "source": filters.source,
        "qualifier": filters.qualifier.value if filters.qualifier else None,
        "country": filters.country,
        "start": filters.start,
        "end": filters.end,
    }
    if filters.q is not None:
        values |= search_binds(connection, filters.q)
    if cursor is not None:
        values["after_key"], values["after_id"] = cursor.key, cursor.id
    return values


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not shape.include_retracted:
        conditions.append(Figure.status == "published")
    if shape.measure:
        conditions.append(Figure.measure_id == bindparam("measure"))
    if shape.source:
        conditions.append(Figure.source_id == bindparam("source"))
    if shape.qualifier:
        conditions.append(Figure.qualifier == bindparam("qualifier"))
    if shape.country:
        country: BindParameter[str] = bindparam("country")
        conditions.append(or_(Measure.from_country == country, Measure.to_country == country))
    # A figure covers the days from time_start to time_end; keep it if they meet [from, to].
    if shape.start:
        conditions.append(Figure.time_end >= bindparam("start", type_=Date))
    if shape.end:
        conditions.append(Figure.time_start <= bindparam("end", type_=Date))
    return conditions


def _joined(statement: Select[Any], shape: _Shape, *, measure: bool = True) -> Select[Any]:
    """With the tables the shape's conditions and order read: the measure (unless already
    joined) for `country`, the search's hits for `q` (see app/services/search.py)."""
    if shape.country and measure:
        statement = statement.join(Figure.measure)
    if shape.q:
        found = hits(shape.engine, shape.terms)
        statement = statement.join(found, found.c.figure_id == Figure.id)
    return statement


def _key(sort: Sort, shape: _Shape) -> ColumnElement[Any]:
    """The sort's column; `rank` is the search's (lower is better), given only with `q`."""
    if sort.field == "rank":
        return hits(shape.engine, shape.terms).c.rank
    return _SORT_COLUMNS[sort.field]  # type: ignore[return-value]


@dataclass
class RenderedList:
    rows: list[bytes]  # each figure's stored JSON object or CSV line, in order
    etags: list[str]  # each figure's ETag, in the same order
    total: int
    next_cursor: Cursor | None


@lru_cache(maxsize=512)
def _rendered(
    shape: _Shape, sort: Sort, column: str, after: bool = False, limited: bool = True
) -> Select[tuple[str, Any, bytes, str]]:
    """The stored renders of the figures of this shape, in `sort` order (after a cursor, if
    `after`; at most `limit` of them, if `limited`); plain columns, no objects: these are
    the hot reads, built once a shape and prepared once (see `CoreReads`)."""
    key = _key(sort, shape)
    order = (key.desc(), Figure.id.desc()) if sort.descending else (key, Figure.id)
    if limited and sort.field == "rank" and shape.q_alone:
        return ranked_page(shape.engine, shape.terms, column, shape.include_retracted, after,
                           sort.descending)  # fmt: skip
    statement = select(Figure.id, key, getattr(FigureRender, column), FigureRender.etag).join(
        FigureRender, FigureRender.figure_id == Figure.id
    )
    statement = _joined(statement, shape).where(*_conditions(shape)).order_by(*order)
    if after:
        statement = statement.where(_after(sort, key))
    return statement.limit(bindparam("limit")) if limited else statement


@lru_cache(maxsize=256)
def _counting(shape: _Shape) -> Select[int]:
    return _joined(select(func.count()).select_from(Figure), shape).where(*_conditions(shape))


def count_figures(session: Session, filters: FigureFilters) -> int:
    engine, connection = session.get_bind().dialect.name, session.connection()
    values = _values(filters, connection)
    return int(connection.execute(_counting(_Shape.of(filters, engine)), values).scalar() or 0)


def count_rendered(reads: CoreReads, filters: FigureFilters) -> int:
    """`count_figures`, on the hot reads' connection."""
    engine = reads.dialect.name
    values = _values(filters, reads.connection)
    return reads.scalar(_counting(_Shape.of(filters, engine)), values) or 0


def rendered_figures(
    reads: CoreReads,
    *,
    filters: FigureFilters,
    sort: Sort,
    limit: int,
    cursor: Cursor | None,
    column: str = "json",
    count: Callable[[], int] | None = None,
) -> RenderedList:
    """One page of `list_figures`, as the stored renders (`json` or `csv`). The total is the
    page's own length when the first page is also the last; else `count()` (by default, a
    count of the matches)."""
    shape = _Shape.of(filters, reads.dialect.name)
    found = None
    if filters.q is not None and shape.q_alone and sort == Sort("rank", descending=False):
        words, retracted = filters.q, filters.include_retracted
        found = best_renders(reads.connection, words, retracted, limit + 1, cursor, column)
    if found is None:
        statement = _rendered(shape, sort, column, cursor is not None)
        values = _values(filters, reads.connection, cursor)
        found = reads.all(statement, {**values, "limit": limit + 1})
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = Cursor(sort, found[-1][1], found[-1][0])
    if cursor is None and next_cursor is None:
        total = len(found)  # every match is on this page: no need to count them again
    else:
        total = count() if count is not None else count_rendered(reads, filters)
    return RenderedList([row[2] for row in found], [row[3] for row in found], total, next_cursor)


def all_rendered(
    session: Session, *, filters: FigureFilters, sort: Sort, column: str, batch: int = 2000
) -> Iterator[list[bytes]]:
    """Every matching figure's stored render, `batch` at a time, streamed from one query (a
    server-side cursor on PostgreSQL), so memory stays flat however many there are.

    On SQLite the rows are taken from the driver's cursor as it gives them: one bytes column
    needs no result processing, and skipping it sends a million rows seconds sooner."""
    connection = session.connection()
    shape = _Shape.of(filters, connection.dialect.name)
    statement = _rendered(shape, sort, column, limited=False).with_only_columns(
        getattr(FigureRender, column)
    )
    values = _values(filters, connection)
    if connection.dialect.name == "sqlite":
        cursor = connection.execute(statement, values).cursor  # nothing fetched from it yet
        try:
            while rows := cursor.fetchmany(batch):
                yield [row[0] for row in rows]
        finally:
            # A statement not read to its end holds SQLite's read snapshot, whatever
            # happens to its transaction: a download ended early must let it go.
            cursor.close()
        return
    streamed = connection.execute(statement.execution_options(stream_results=True), values)
    try:
        for rows in streamed.partitions(batch):
            yield [bytes(row[0]) for row in rows]
    finally:
        streamed.close()


def _after(sort: Sort, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows after the cursor (bound as after_key and after_id) in its order, as one
    row-value comparison: an index on the sort key is then searched from the cursor on, so
    the last page of a walk costs what the first does (an OR of the two cases made the
    database scan from the start)."""
    after_id = bindparam("after_id", type_=String)
    if column is Figure.id:
        return Figure.id < after_id if sort.descending else Figure.id > after_id
    row = tuple_(column, Figure.id)
    after = tuple_(bindparam("after_key", type_=column.type), after_id)
    return row < after if sort.descending else row > after


def list_figures(
    session: Session,
    *,
    filters: FigureFilters,
    sort: Sort,
    limit: int | None,
    cursor: Cursor | None,
    count: bool = True,
) -> FigureList:
    """The figures matching `filters` in `sort` order, after `cursor`; all of them if no limit.

    `count=False` skips counting every match (total is then -1), for callers that page on."""
    total = count_figures(session, filters) if count else -1
    shape = _Shape.of(filters, session.get_bind().dialect.name)
    column = _key(sort, shape)
    order = (column.desc(), Figure.id.desc()) if sort.descending else (column, Figure.id)
    statement = _joined(with_related(select(Figure, column)), shape, measure=False)
    statement = statement.where(*_conditions(shape)).order_by(*order)
    if cursor is not None:
        statement = statement.where(_after(sort, column))
    if limit is not None:
        statement = statement.limit(limit + 1)
    values = _values(filters, session.connection(), cursor)
    rows = list(session.execute(statement, values).unique())
    items = [row[0] for row in rows]
    next_cursor = None
    if limit is not None and len(items) > limit:
        items, last = items[:limit], rows[limit - 1]
        next_cursor = Cursor(sort, last[1], last[0].id)
    return FigureList(items, incoming_relations(session, [f.id for f in items]), total, next_cursor)


def incoming_relations(session: Session, ids: Sequence[str]) -> dict[str, list[FigureRelation]]:
    """Relations that point at these figures (has_part, restated_by), by target id."""
    found: dict[str, list[FigureRelation]] = defaultdict(list)
    if ids:
        rows = session.scalars(
            select(FigureRelation)
            .options(
                joinedload(FigureRelation.figure).load_only(
                    Figure.id, Figure.value, Figure.qualifier, raiseload=True
                )
            )
            .where(FigureRelation.target_id.in_(ids))
            .order_by(FigureRelation.type, FigureRelation.figure_id)
        )
        for relation in rows:
            found[relation.target_id].append(relation)
    return found


def get_figure(session: Session, figure_id: str, *, fresh: bool = False) -> Figure:
    """One figure, retracted or not, with what its representation shows; NotFound otherwise.
    `fresh` reloads one this session already holds (after a write)."""
    statement = with_related_joined(select(Figure)).where(Figure.id == figure_id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    figure = session.scalars(statement).unique().one_or_none()
    if figure is None:
        raise NotFound(f"no figure with id {figure_id!r}")
    return figure


def measure_series(session: Session, measure_id: str) -> list[Figure]:
    """A measure's published figures in time order."""
    statement = (
        with_related(select(Figure))
        .where(Figure.measure_id == measure_id, Figure.status == "published")
        .order_by(Figure.time_start, Figure.time_end, Figure.id)
    )
    return list(session.scalars(statement).unique())


def figures_in_source(session: Session, source_id: str) -> list[Figure]:
    """Every figure a source states, retracted ones too, in the order they appear in its text."""
    return list(
        session.scalars(
            with_related(select(Figure))
            .where(Figure.source_id == source_id)
            .order_by(Figure.quote_start, Figure.value_start, Figure.id)
        ).unique()
    )


def figures_by_id(session: Session, ids: list[str]) -> list[Figure]:
    """The figures of these ids, each once, in the order first given; a 422 naming the ids
    that match no figure (retracted ones are found: they stay citable at their URL)."""
    wanted = list(dict.fromkeys(ids))
    statement = with_related(select(Figure)).where(Figure.id.in_(wanted))
    found = {figure.id: figure for figure in session.scalars(statement)}
    if missing := [i for i in wanted if i not in found]:
        raise invalid_field("query", "figure", f"no figure with id {', '.join(map(repr, missing))}")
    return [found[i] for i in wanted]
