"""Derived figures: numbers computed on read from stated figures, with honest bounds."""

from fastapi import APIRouter, Request, Response

from app.deps import DerivedDep, PagingDep, SessionDep
from app.openapi import problem_responses
from app.routers import page_of
from app.schemas import DerivedRead, Page
from app.services import derived as service

router = APIRouter(prefix="/v1/derived", tags=["derived"])


@router.get("", response_model=Page[DerivedRead], responses=problem_responses(422))
def list_derived(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[DerivedRead]:
    """Every derived figure, by id, computed from its inputs as they stand now."""
    found = service.list_derived(session, limit=paging.limit, cursor=paging.cursor)
    inputs = service.input_figures(session, found.items)
    return page_of(
        request,
        response,
        [DerivedRead.of(d, inputs) for d in found.items],
        total=found.total,
        limit=paging.limit,
        next_cursor=found.next_cursor,
    )


@router.get("/{derived_id}", response_model=DerivedRead, responses=problem_responses(404))
def read_derived(derived: DerivedDep, session: SessionDep) -> DerivedRead:
    """One derived figure: its inputs, formula, honest bounds, words and sentence."""
    return DerivedRead.of(derived, service.input_figures(session, [derived]))
