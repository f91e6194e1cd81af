"""Measures: what is counted, and each measure's figures as a series."""

from dataclasses import replace

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app import linked_data, pages
from app.deps import MeasureDep, PagingDep, SeriesListDep, SessionDep
from app.figure_lists import figure_list_answer
from app.guards import LINKED_DATA, PAGE, JsonOrLinkedData
from app.mapping import measure_detail
from app.openapi import linked_data_responses, list_responses
from app.responses import base_url, id_list_answer
from app.schemas.reads import FigureRead, MeasureDetail, MeasureRead, Page
from app.services import figures

router = APIRouter(prefix="/v1/measures", tags=["measures"])


@router.get("", response_model=Page[MeasureRead], responses=list_responses())
def list_measures(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[MeasureRead] | Response:
    """Every measure, by id: a JSON page, or CSV or NDJSON."""
    return id_list_answer(request, response, session, paging, "measures")


@router.get(
    "/{measure_id}",
    response_model=MeasureDetail,
    responses=linked_data_responses("schema.org JSON-LD: a StatisticalVariable."),
)
def read_measure(
    measure: MeasureDep,
    session: SessionDep,
    request: Request,
    response: Response,
    media: JsonOrLinkedData,
) -> MeasureDetail | Response:
    """One measure, with its published figures in time order. With `Accept:
    application/ld+json`, the measure as a schema.org StatisticalVariable."""
    if media == PAGE:
        return pages.to_page("measure", measure.id)
    response.headers.update(pages.alternate("measure", measure.id))
    if media == LINKED_DATA:
        document = linked_data.measure_document(measure, base_url(request))
        return JSONResponse(document, media_type=LINKED_DATA, headers=response.headers)
    return measure_detail(measure, figures.measure_series(session, measure.id))


@router.get("/{measure_id}/figures", response_model=Page[FigureRead], responses=list_responses(404))
def list_measure_figures(
    measure: MeasureDep,
    request: Request,
    response: Response,
    query: SeriesListDep,
    session: SessionDep,
) -> Page[FigureRead] | Response:
    """The measure's figures, in time order unless `sort` says otherwise, with every filter
    of /v1/figures; a JSON page, or every match as CSV or NDJSON."""
    filters = replace(query.filters, measure=measure.id)
    # The list is read on a connection of its own: give this one back first, since holding
    # one while waiting for another is how a pool deadlocks under load.
    session.close()
    return figure_list_answer(request, query, filters)
