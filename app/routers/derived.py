"""Derived figures: numbers computed on read from stated figures, with honest bounds."""

from fastapi import APIRouter, Request, Response

from app.deps import DerivedDep, JsonOnly, PagingDep, SessionDep
from app.openapi import list_responses, problem_responses
from app.routers import list_answer, list_format, page_of
from app.schemas import DerivedRead, Page
from app.services import derived as service
from app.tables import TABLES, derived_rows

router = APIRouter(prefix="/v1/derived", tags=["derived"])


@router.get("", response_model=Page[DerivedRead], responses=list_responses())
def list_derived(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[DerivedRead] | Response:
    """Every derived figure, by id, computed from its inputs as they stand now: a JSON page,
    or CSV or NDJSON."""

    def page() -> Page[DerivedRead]:
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

    return list_answer(
        request,
        response,
        fmt=list_format(request, paging.format),
        table=TABLES["derived"],
        bounded=paging.bounded,
        page=page,
        rows=derived_rows,
    )


@router.get(
    "/{derived_id}",
    response_model=DerivedRead,
    responses=problem_responses(404, 406),
    dependencies=[JsonOnly],
)
def read_derived(derived: DerivedDep, session: SessionDep) -> DerivedRead:
    """One derived figure: its inputs, formula, honest bounds, words and sentence."""
    return DerivedRead.of(derived, service.input_figures(session, [derived]))
