"""The dataset as tables: every row of each list, in batches so memory stays flat, and the
Frictionless Data Package that describes them (served at /v1/datapackage.json, written by
`depstats export`)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.mapping import derived_read, figure_read, measure_read, source_read
from app.paging import Cursor, Sort
from app.schemas.reads import DerivedRead, FigureRead, MeasureRead, SourceRead
from app.services import catalog, derived, figures
from app.services.figures import FigureFilters
from app.tabular import table_schema

BATCH = 500
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


@dataclass(frozen=True)
class Table:
    name: str
    model: type[BaseModel]
    title: str
    description: str


TABLES = {
    "figures": Table("figures", FigureRead, "Figures",
                     "One number stated in one source, with its qualifier, bounds, period or "
                     "date, exact quote and spans, and who said it."),
    "measures": Table("measures", MeasureRead, "Measures", "What is counted, defined once."),
    "sources": Table("sources", SourceRead, "Sources",
                     "The documents figures are quoted from (their texts are served by the API "
                     "at /v1/sources/{id}/text and remain their publishers' copyright)."),
    "derived": Table("derived", DerivedRead, "Derived figures",
                     "Numbers computed from figures, with honest bounds."),
}  # fmt: skip


def figure_rows(session: Session, *, filters: FigureFilters, sort: Sort) -> Iterator[FigureRead]:
    """Every figure matching `filters`, in `sort` order, fetched a batch at a time."""
    cursor: Cursor | None = None
    while True:
        page = figures.list_figures(
            session, filters=filters, sort=sort, limit=BATCH, cursor=cursor, count=False
        )
        rows = [figure_read(f, page.incoming.get(f.id, [])) for f in page.items]
        # Forget this batch's objects before the next, so memory does not grow with the table.
        session.expunge_all()
        yield from rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _read_measures(session: Session, items: list[Any]) -> list[BaseModel]:
    return [measure_read(m) for m in items]


def _read_sources(session: Session, items: list[Any]) -> list[BaseModel]:
    return [source_read(s) for s in items]


def _read_derived(session: Session, items: list[Any]) -> list[BaseModel]:
    inputs = derived.input_figures(session, items)
    return [derived_read(d, inputs) for d in items]


@dataclass(frozen=True)
class ById:
    """A table listed in id order: how to fetch a page of it, and how to show its rows."""

    fetch: Callable[..., catalog.IdPage[Any]]
    read: Callable[[Session, list[Any]], list[BaseModel]]


ID_LISTS = {
    "measures": ById(catalog.list_measures, _read_measures),
    "sources": ById(catalog.list_sources, _read_sources),
    "derived": ById(derived.list_derived, _read_derived),
}


def rows_by_id(session: Session, name: str) -> Iterator[BaseModel]:
    """Every row of a table listed in id order, a batch at a time."""
    spec = ID_LISTS[name]
    cursor: Cursor | None = None
    while True:
        page = spec.fetch(session, limit=BATCH, cursor=cursor)
        rows = spec.read(session, page.items)
        session.expunge_all()
        yield from rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def source_rows(session: Session) -> Iterator[BaseModel]:
    return rows_by_id(session, "sources")


def all_rows(session: Session, table: str) -> Iterator[BaseModel]:
    if table == "figures":
        return figure_rows(session, filters=FigureFilters(), sort=Sort("id", descending=False))
    return rows_by_id(session, table)


def datapackage(path_of: Callable[[str], str], sources: list[SourceRead]) -> dict[str, Any]:
    """The Data Package descriptor; `path_of(table)` gives each resource's CSV path or URL."""
    return {
        "name": "deportation-stats",
        "title": "deportation-stats: figures about deportation and repatriation",
        "description": "Figures about deportation and repatriation, each traced to the exact "
        "words of the document that stated it: qualifier, period or date, quote and spans, "
        "and who said it.",
        "licenses": [LICENSE],
        "sources": [
            {
                "title": f"{s.publisher}: {s.title} ({s.published})",
                **({"path": s.url} if s.url else {}),
            }
            for s in sources
        ],
        "resources": [
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": path_of(table.name),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(table.model),
            }
            for table in TABLES.values()
        ],
    }
