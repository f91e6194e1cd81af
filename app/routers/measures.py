"""Measures: what is counted, and each measure's figures as a series."""

from dataclasses import replace

from fastapi import APIRouter, Request, Response

from app.deps import MeasureDep, PagingDep, SeriesListDep, SessionDep
from app.openapi import problem_responses
from app.routers import page_of
from app.routers.figures import figure_page
from app.schemas import FigureRead, MeasureDetail, MeasureRead, Page, SeriesPoint
from app.services import catalog, figures

router = APIRouter(prefix="/v1/measures", tags=["measures"])


@router.get("", response_model=Page[MeasureRead], responses=problem_responses(422))
def list_measures(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[MeasureRead]:
    """Every measure, by id."""
    found = catalog.list_measures(session, limit=paging.limit, cursor=paging.cursor)
    return page_of(
        request,
        response,
        [MeasureRead.of(m) for m in found.items],
        total=found.total,
        limit=paging.limit,
        next_cursor=found.next_cursor,
    )


@router.get("/{measure_id}", response_model=MeasureDetail, responses=problem_responses(404))
def read_measure(measure: MeasureDep, session: SessionDep) -> MeasureDetail:
    """One measure, with its published figures in time order."""
    series = [SeriesPoint.of(f) for f in figures.measure_series(session, measure.id)]
    return MeasureDetail(**MeasureRead.of(measure).model_dump(), figures=series)


@router.get(
    "/{measure_id}/figures",
    response_model=Page[FigureRead],
    responses=problem_responses(404, 422),
)
def list_measure_figures(
    measure: MeasureDep,
    request: Request,
    response: Response,
    query: SeriesListDep,
    session: SessionDep,
) -> Page[FigureRead]:
    """The measure's figures, in time order unless `sort` says otherwise, with every filter
    of /v1/figures."""
    result = figures.list_figures(
        session,
        filters=replace(query.filters, measure=measure.id),
        sort=query.sort,
        limit=query.limit,
        cursor=query.cursor,
    )
    return figure_page(request, response, result, query.limit)
