"""Derived figures: numbers computed on read from stated figures, with honest bounds."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app import linked_data, pages
from app.deps import DerivedDep, PagingDep, SessionDep
from app.guards import LINKED_DATA, PAGE, JsonOrLinkedData
from app.mapping import derived_read
from app.openapi import linked_data_responses, list_responses
from app.responses import base_url, id_list_answer
from app.schemas.reads import DerivedRead, Page
from app.services import derived as service

router = APIRouter(prefix="/v1/derived", tags=["derived"])


@router.get("", response_model=Page[DerivedRead], responses=list_responses())
def list_derived(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[DerivedRead] | Response:
    """Every derived figure, by id, computed from its inputs as they stand now: a JSON page,
    or CSV or NDJSON."""
    return id_list_answer(request, response, session, paging, "derived")


@router.get(
    "/{derived_id}",
    response_model=DerivedRead,
    responses=linked_data_responses("schema.org JSON-LD: an Observation with honest bounds."),
)
def read_derived(
    derived: DerivedDep,
    session: SessionDep,
    request: Request,
    response: Response,
    media: JsonOrLinkedData,
) -> DerivedRead | Response:
    """One derived figure: its inputs, formula, honest bounds, words and sentence. With
    `Accept: application/ld+json`, a schema.org Observation."""
    if media == PAGE:
        return pages.to_page("derived", derived.id)
    response.headers.update(pages.alternate("derived", derived.id))
    read = derived_read(derived, service.input_figures(session, [derived]))
    if media == LINKED_DATA:
        document = linked_data.derived_document(read, base_url(request))
        return JSONResponse(document, media_type=LINKED_DATA, headers=response.headers)
    return read
