"""Derived figures: numbers computed on read from stated figures, with honest bounds."""

from fastapi import APIRouter, Request, Response

from app.deps import DerivedDep, PagingDep, SessionDep
from app.guards import JsonOnly
from app.mapping import derived_read
from app.openapi import list_responses, problem_responses
from app.responses import id_list_answer
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
    responses=problem_responses(404, 406),
    dependencies=[JsonOnly],
)
def read_derived(derived: DerivedDep, session: SessionDep) -> DerivedRead:
    """One derived figure: its inputs, formula, honest bounds, words and sentence."""
    return derived_read(derived, service.input_figures(session, [derived]))
