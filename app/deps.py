"""Annotated dependencies: the request's transactions, the settings, list queries, and path
ids resolved or 404. Who may write, and how a write begins, is app/auth.py."""

import asyncio
import contextvars
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.config import Settings
from app.dates import parse_partial_date
from app.errors import (
    InvalidInput,
    NotFound,
    invalid_field,
)
from app.ids import SLUG, SLUG_PATTERN
from app.models import Derived, Figure, Measure, Source
from app.paging import SORT_FIELDS, Cursor, Sort
from app.qualifiers import Qualifier
from app.schemas.fields import PARTIAL_DATE_PATTERN, CountryCode, Text, partial_date
from app.services import catalog, derived, figures
from app.services.figures import FigureFilters


@contextmanager
def _transaction(sessions: Any) -> Iterator[Session]:
    """A session of `sessions` in one transaction: commit on success, roll back and re-raise
    on error."""
    with sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request. A plain `def`: FastAPI opens and ends it in its thread
    pool, never in the event loop."""
    with _transaction(request.app.state.sessionmaker) as session:
        yield session


T = TypeVar("T")


async def off_the_loop(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run a route's reads in the app's read threads (`app.state.reads`, sized by the
    `read_threads` setting), never in the event loop: a read may wait on the disk, or on a
    lock during a checkpoint (SQLite), or on the network (PostgreSQL). Its own small
    executor, not Starlette's 40-thread pool: handing work to it costs half as much, and
    fewer threads wait on the interpreter lock. (Hot reads are mostly answered by the
    response cache, which reads nothing.)"""
    context = contextvars.copy_context()  # the request's context (its id, for the log)
    call = functools.partial(context.run, work, *args)
    return await asyncio.get_running_loop().run_in_executor(request.app.state.reads, call)


@contextmanager
def write_transaction(request: Request) -> Iterator[Session]:
    """Like get_session, for requests that write. The transaction takes the write lock at
    its first statement, not before (SQLite: BEGIN IMMEDIATE; PostgreSQL: services lock the
    rows they change), so nothing is locked until the route runs; waiting for the lock is
    bounded by DEPSTATS_LOCK_TIMEOUT_MS, after which the request gets a 503 (see
    app.problems)."""
    with _transaction(request.app.state.write_sessionmaker) as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a client
# never reads an acknowledgement of a write that is not yet kept.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# Dependencies that only read the request are `async def`: FastAPI runs a plain `def` in
# its thread pool, a hop that costs more than the work here.
async def _settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def checked_id(kind: str, value: str) -> str:
    # An id that cannot exist (bad characters, NUL bytes, 10 kB long) is a 404 without a query.
    if not SLUG.fullmatch(value):
        raise NotFound(f"no {kind} with id {value[:100]!r}")
    return value


def figure_or_404(
    session: SessionDep,
    figure_id: Annotated[str, Path(description="The figure's id, e.g. `removals-2017`.")],
) -> Figure:
    return figures.get_figure(session, checked_id("figure", figure_id))


def measure_or_404(
    session: SessionDep,
    measure_id: Annotated[str, Path(description="The measure's id, e.g. `final-removal-orders`.")],
) -> Measure:
    return catalog.get_measure(session, checked_id("measure", measure_id))


def source_or_404(
    session: SessionDep,
    source_id: Annotated[
        str, Path(description="The source's id, e.g. `khmer-times-2018-02-us-deportees`.")
    ],
) -> Source:
    return catalog.get_source(session, checked_id("source", source_id))


def derived_or_404(
    session: SessionDep,
    derived_id: Annotated[
        str,
        Path(
            description="The derived figure's id, e.g. "
            "`final-removal-orders-criminal-share-2017-12`."
        ),
    ],
) -> Derived:
    return derived.get_derived(session, checked_id("derived figure", derived_id))


FigureDep = Annotated[Figure, Depends(figure_or_404)]
DerivedDep = Annotated[Derived, Depends(derived_or_404)]
MeasureDep = Annotated[Measure, Depends(measure_or_404)]
SourceDep = Annotated[Source, Depends(source_or_404)]


# The pattern is stated in the schema, so that clients (and the contract fuzzer) know the
# rule up front; the validator checks it, with a message that says what to send
# ("'last year' is not a date as YYYY, YYYY-MM or YYYY-MM-DD").
DateFilter = Annotated[
    str,
    AfterValidator(partial_date),
    Field(json_schema_extra={"pattern": PARTIAL_DATE_PATTERN}),
]
# Made from SORT_FIELDS at import, which a type checker cannot read: it sees a str.
SortValue = Literal[tuple(f"{sign}{field}" for field in SORT_FIELDS for sign in ("", "-"))]  # type: ignore[valid-type]


class PageQuery(BaseModel):
    """Paging parameters. Unknown parameters are refused, so that a misspelt filter
    (`mesure=`) is a 422 rather than a silently unfiltered answer."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    limit: int | None = Field(
        None,
        ge=1,
        description="Rows per page: 100 by default, at most 1000 "
        "(DEPSTATS_DEFAULT_PAGE_SIZE, DEPSTATS_MAX_PAGE_SIZE).",
    )
    cursor: str | None = Field(
        None,
        max_length=1000,
        # What this API's cursors look like, base64url of {"s":..., stated in the schema; any
        # other (or one that looks like ours but is not) is a 422 saying what to do instead.
        json_schema_extra={"pattern": r"^eyJzIjoi[A-Za-z0-9_-]{4,992}$"},
        description="Where to continue: copy it from the previous page's `next`.",
    )
    format: Literal["json", "jsonld", "csv", "ndjson", "xlsx"] | None = Field(
        None,
        description="json (a page), jsonld (a page as a schema.org Dataset), csv or ndjson "
        "(every matching row, unless limit or cursor is given), or xlsx (an Excel workbook "
        "of every matching row); overrides Accept.",
    )


class FigureQuery(PageQuery):
    measure: str | None = Field(
        None, pattern=SLUG_PATTERN, description="Only this measure's figures (a measure id)."
    )
    source: str | None = Field(
        None, pattern=SLUG_PATTERN, description="Only figures stated in this source (an id)."
    )
    qualifier: Qualifier | None = Field(None, description="Only figures with this qualifier.")
    country: CountryCode | None = Field(
        None,
        description="Only figures whose measure moves people from or to this country "
        "(ISO 3166-1 alpha-2, e.g. `KH`).",
    )
    from_: DateFilter | None = Field(
        None,
        alias="from",
        description="Only figures whose period or as-of date reaches this "
        "year, month or day or later (`2017`, `2017-12`, `2018-01-25`).",
    )
    to: DateFilter | None = Field(
        None,
        description="Only figures whose period or as-of date starts by the end of this "
        "year, month or day.",
    )
    q: Text | None = Field(
        None,
        min_length=1,
        description="Words to search for, as a person types them: figures whose quote, "
        "sentence, measure (name and definition), attribution or note hold any of them, "
        "in any form (`deported` finds `deportees`, `removals`, `repatriated`), best match "
        "first (`sort=rank`, the default with `q`). Quotes, `AND`, `OR` and punctuation are "
        "plain text; `1,412` finds 1412.",
    )
    include_retracted: bool = Field(False, description="Also list retracted figures.")
    sort: SortValue | None = Field(  # type: ignore[valid-type]
        None,
        description=f"Order by one of {', '.join(SORT_FIELDS)}; "
        "prefix `-` for descending; ties are broken by id. By default "
        "`id`, `time` for a measure's figures, and `rank` (best match first) with `q`.",
    )


def _each_once(request: Request) -> None:
    """A parameter given twice (`measure=a&measure=b`) would silently keep the last value:
    refuse it, as a list that looks filtered but is not would mislead."""
    names = [name for name, _ in request.query_params.multi_items()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidInput(
            f"invalid input: query {', '.join(repeated)}",
            errors=[
                {
                    "pointer": f"#/{name}",
                    "location": "query",
                    "detail": "given more than once; each filter takes one value",
                }
                for name in repeated
            ],
        )


def _limit(query: PageQuery, settings: Settings) -> int:
    limit = query.limit if query.limit is not None else settings.default_page_size
    if limit > settings.max_page_size:
        raise invalid_field("query", "limit", f"must be at most {settings.max_page_size}")
    return limit


class Paging:
    """A page of a list ordered by id: its size and where it starts."""

    def __init__(
        self, request: Request, query: Annotated[PageQuery, Query()], settings: SettingsDep
    ) -> None:
        _each_once(request)
        self.limit = _limit(query, settings)
        self.cursor = (
            Cursor.decode(query.cursor, catalog.ID_ORDER) if query.cursor is not None else None
        )
        self.format = query.format
        self.bounded = query.limit is not None or query.cursor is not None


async def _paging(
    request: Request, query: Annotated[PageQuery, Query()], settings: SettingsDep
) -> Paging:
    return Paging(request, query, settings)


PagingDep = Annotated[Paging, Depends(_paging)]


class FigureListQuery:
    """A figure list request, checked against the settings and the data."""

    default_sort = "id"

    def __init__(
        self,
        request: Request,
        query: Annotated[FigureQuery, Query()],
        settings: SettingsDep,
    ) -> None:
        _each_once(request)
        self.limit = _limit(query, settings)
        if query.q is not None and len(query.q) > settings.max_query_length:
            raise invalid_field(
                "query", "q", f"must be at most {settings.max_query_length} characters"
            )
        # With `q`, best match first unless another order is asked for; rank means nothing
        # without one.
        self.sort = Sort.parse(query.sort or ("rank" if query.q else self.default_sort))
        if self.sort.field == "rank" and not query.q:
            raise invalid_field(
                "query", "sort", "sort=rank orders by how well figures match q; give q"
            )
        self._named = {"measure": query.measure, "source": query.source}
        start = parse_partial_date(query.from_).first_day() if query.from_ else None
        end = parse_partial_date(query.to).last_day() if query.to else None
        if start and end and start > end:
            raise invalid_field(
                "query", "to", f"`to` ({query.to}) is before `from` ({query.from_})"
            )
        self.filters = FigureFilters(
            measure=query.measure,
            source=query.source,
            qualifier=query.qualifier,
            country=query.country,
            start=start,
            end=end,
            q=query.q,
            include_retracted=query.include_retracted,
        )
        self.cursor = Cursor.decode(query.cursor, self.sort) if query.cursor is not None else None
        self.format = query.format
        self.bounded = query.limit is not None or query.cursor is not None

    def check(self, known: dict[str, frozenset[str]]) -> None:
        """The measure and source it filters on exist (a 422 otherwise): a typo must not
        look like an empty list. `known` holds the ids of each (see routers.figures)."""
        for name, value in self._named.items():
            if value is not None and value not in known[name]:
                raise invalid_field("query", name, f"no {name} with id {value[:100]!r}")


class SeriesListQuery(FigureListQuery):
    """A measure's figures: in time order unless the client sorts otherwise."""

    default_sort = "time"


# Built by `async` functions: FastAPI would run the classes themselves in its thread pool.
async def _figure_list_query(
    request: Request, query: Annotated[FigureQuery, Query()], settings: SettingsDep
) -> FigureListQuery:
    return FigureListQuery(request, query, settings)


async def _series_list_query(
    request: Request, query: Annotated[FigureQuery, Query()], settings: SettingsDep
) -> SeriesListQuery:
    return SeriesListQuery(request, query, settings)


FigureListDep = Annotated[FigureListQuery, Depends(_figure_list_query)]
SeriesListDep = Annotated[SeriesListQuery, Depends(_series_list_query)]


# The day a reader accessed what they cite: written only when given, so that a citation is a
# function of the data (and caches, ETags and a baked copy hold).
def _a_day(text: str | None) -> str | None:
    if text is not None:
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError(text)  # not 2026-W49-3 or 20261202, which ISO also allows
            date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a day that exists (YYYY-MM-DD)") from None
    return text


Accessed = Annotated[
    str | None,
    Query(
        description="The day you accessed it (YYYY-MM-DD), written into the citation; none "
        "is written unless you give one.",
        # Stated for clients; checked by _a_day, whose message names the form, not a regex.
        json_schema_extra={"pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    ),
    AfterValidator(_a_day),
]

CitationFormat = Annotated[
    Literal["text", "html"],
    Query(
        alias="format",
        description="`html` for HTML fragments of the apa, mla and chicago styles, as "
        'citeproc-js writes them (a `<div class="csl-entry">` per reference, italics as '
        "`<i>`); `text` (the default) for plain text.",
    ),
]
