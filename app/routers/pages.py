"""Pages for people at their own URLs: home, a figure, a source, a measure, a derived figure,
the lists of every measure, source and derived figure, search, about. Each is
built from the same services and read models as the API (see `app.pages`)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app import linked_data, pages, search_terms, statements
from app.deps import DerivedDep, FigureDep, MeasureDep, SessionDep, SourceDep
from app.mapping import (
    cited_figure,
    cited_source,
    derived_read,
    figure_read,
    page_path,
)
from app.models import Figure
from app.paging import Cursor, Sort
from app.responses import base_url
from app.services import catalog, derived, figures, renders, search
from app.services.catalog import IdPage
from app.services.figures import FigureFilters
from app.statements import ap_date

router = APIRouter(include_in_schema=False)

RELATION_WORDS = {
    "part_of": "A part of",
    "has_part": "Has as a part",
    "restates": "Restates",
    "restated_by": "Restated as",
}
HOME_FIGURES = 5  # per measure on the home page: its latest; the measure page has the rest
HOME_MEASURES = 50
PAGE_FIGURES = 100  # on a measure page, then a link to the next
SEARCH_RESULTS = 20
# A measure's figures over time, paged by keyset (a cursor holding the last figure's date
# and id), never by offset: the thousandth page costs what the first does.
OVER_TIME, LATEST_FIRST = Sort("time", descending=False), Sort("time", descending=True)


def counted_name_of(figure: Figure) -> str:
    """What the figure counts: its measure's name, narrowed as its source narrows it."""
    measure = figure.measure
    return statements.counted_name(measure.name, measure.subject, figure.wording_restriction)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    found = catalog.list_measures(session, limit=HOME_MEASURES, cursor=None)
    measures = []
    whens: dict[str, str] = {}
    for measure in found.items:
        latest = figures.list_figures(
            session,
            filters=FigureFilters(measure=measure.id),
            sort=LATEST_FIRST,
            limit=HOME_FIGURES,
            cursor=None,
            count=False,
        ).items
        reads = [figure_read(f) for f in reversed(latest)]
        whens.update({r.id: pages.when(r) for r in reads})
        measures.append((measure, reads))
    sources = catalog.list_sources(session, limit=HOME_MEASURES, cursor=None)
    return pages.render(
        request,
        "home.html",
        measures=measures,
        whens=whens,
        sources=sources.items,
        more_measures=found.next_cursor is not None,
        more_sources=sources.next_cursor is not None,
    )


StartAt = Annotated[
    str | None,
    Query(max_length=500, description="Where the page starts: the `Next` link's."),
]
INDEXES = {
    "measures": ("Measures", "What the figures count, each with its figures over time."),
    "sources": ("Sources", "The documents the figures are quoted from."),
    "derived": ("Derived figures", "Figures computed from others, with their formulas."),
}
LISTED: dict[str, Callable[..., IdPage[Any]]] = {
    "measures": catalog.list_measures,
    "sources": catalog.list_sources,
    "derived": derived.list_derived,
}


def _index(request: Request, session: SessionDep, kind: str, cursor: str | None) -> HTMLResponse:
    """Every measure, source or derived figure, in id order, a page of them at a time."""
    found = LISTED[kind](
        session,
        limit=PAGE_FIGURES,
        cursor=Cursor.decode(cursor, catalog.ID_ORDER) if cursor else None,
    )
    title, lede = INDEXES[kind]
    next_cursor = found.next_cursor
    return pages.render(
        request,
        "index.html",
        kind=kind,
        title=title,
        lede=lede,
        items=found.items,
        total=found.total,
        first_page=cursor is None,
        next_page=f"?cursor={next_cursor.encode()}" if next_cursor else None,
    )


@router.get("/measures", response_class=HTMLResponse)
def measures_page(request: Request, session: SessionDep, cursor: StartAt = None) -> HTMLResponse:
    return _index(request, session, "measures", cursor)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, session: SessionDep, cursor: StartAt = None) -> HTMLResponse:
    return _index(request, session, "sources", cursor)


@router.get("/derived", response_class=HTMLResponse)
def derived_index(request: Request, session: SessionDep, cursor: StartAt = None) -> HTMLResponse:
    return _index(request, session, "derived", cursor)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=pages.SEARCH_LENGTH, description="What to look for.")] = "",
) -> HTMLResponse:
    query = " ".join(q.split())
    results, marked, quotes, counts, count, absent = [], [], [], [], "", []
    if query:
        found = search.search(session, query, limit=SEARCH_RESULTS)
        # Each figure as its JSON says it (a dict: the template reads `read.id` alike).
        results = renders.stored_objects(session, [h.figure_id for h in found.hits])
        subjects = renders.measure_subjects(session, (read["measure"] for read in results))
        counts = [
            statements.counted_name(
                r["measure_name"], subjects[r["measure"]], r["wording"]["restriction"]
            )
            for r in results
        ]
        marked = [search_terms.mark(r["statement"], found.terms) for r in results]
        quotes = [search_terms.mark(r["quote"], found.terms) for r in results]
        count = pages.count_words(found.total, len(results), found.total_text)
        absent = search_terms.words_of(query, found.absent)
    return pages.render(
        request,
        "search.html",
        query=query,
        results=results,
        marked=marked,
        quotes=quotes,
        counts=counts,
        count_words=count,
        absent=absent,
    )


@router.get("/derived/{derived_id}", response_class=HTMLResponse)
def derived_page(derived_figure: DerivedDep, request: Request, session: SessionDep) -> HTMLResponse:
    read = derived_read(derived_figure, derived.input_figures(session, [derived_figure]))
    return pages.render(
        request,
        "derived.html",
        read=read,
        permalink=pages.permalink(request, "derived", read.id),
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    return pages.render(request, "about.html")


@router.get("/figures/{figure_id}", response_class=HTMLResponse)
def figure_page(figure: FigureDep, request: Request, session: SessionDep) -> HTMLResponse:
    incoming = figures.incoming_relations(session, [figure.id]).get(figure.id, [])
    read = figure_read(figure, incoming)
    base = base_url(request)
    permalink = pages.permalink(request, "figure", figure.id)
    using = derived.derived_using(session, figure.id)
    inputs = derived.input_figures(session, using)
    return pages.render(
        request,
        "figure.html",
        read=read,
        counts=counted_name_of(figure),
        when=pages.when(read),
        published=ap_date(read.source.published),
        quote=pages.marked_quote(read),
        permalink=permalink,
        api_url=f"/v1/figures/{figure.id}",
        feed_url=f"/figures/{figure.id}/changes.atom",
        source_page=page_path("source", read.source.id),
        cited_styles=pages.figure_citations(
            cited_source(figure.source), cited_figure(figure, permalink)
        ),
        relation_words=RELATION_WORDS,
        derived=[derived_read(d, inputs) for d in using],
        history=catalog.figure_history(session, figure.id),
        linked_data=linked_data.figure_document(read, figure.measure, base),
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(source: SourceDep, request: Request, session: SessionDep) -> HTMLResponse:
    reads = [figure_read(f) for f in figures.figures_in_source(session, source.id)]
    return pages.render(
        request,
        "source.html",
        source=source,
        published=ap_date(source.published),
        figures=reads,
        pieces=pages.highlighted_text(source.text, reads),
        permalink=pages.permalink(request, "source", source.id),
    )


@router.get("/measures/{measure_id}", response_class=HTMLResponse)
def measure_page(
    measure: MeasureDep,
    request: Request,
    session: SessionDep,
    cursor: StartAt = None,
) -> HTMLResponse:
    found = figures.list_figures(
        session,
        filters=FigureFilters(measure=measure.id),
        sort=OVER_TIME,
        limit=PAGE_FIGURES,
        cursor=Cursor.decode(cursor, OVER_TIME) if cursor else None,
        count=False,
    )
    reads = [figure_read(f, found.incoming.get(f.id, [])) for f in found.items]
    return pages.render(
        request,
        "measure.html",
        measure=measure,
        figures=reads,
        whens=[pages.when(r) for r in reads],
        first_page=cursor is None,
        next_page=f"?cursor={found.next_cursor.encode()}" if found.next_cursor else None,
        permalink=pages.permalink(request, "measure", measure.id),
    )
