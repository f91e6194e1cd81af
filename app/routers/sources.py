"""Sources: the documents figures are quoted from, and their exact stored text."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from app.deps import PagingDep, SessionDep, SourceDep
from app.openapi import problem_responses
from app.routers import page_of
from app.schemas import Page, SourceRead
from app.services import catalog

router = APIRouter(prefix="/v1/sources", tags=["sources"])


@router.get("", response_model=Page[SourceRead], responses=problem_responses(422))
def list_sources(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[SourceRead]:
    """Every source, by id."""
    found = catalog.list_sources(session, limit=paging.limit, cursor=paging.cursor)
    return page_of(
        request,
        response,
        [SourceRead.of(s) for s in found.items],
        total=found.total,
        limit=paging.limit,
        next_cursor=found.next_cursor,
    )


@router.get("/{source_id}", response_model=SourceRead, responses=problem_responses(404))
def read_source(source: SourceDep) -> SourceRead:
    """One source's metadata, with the SHA-256 of its stored text."""
    return SourceRead.of(source)


@router.get(
    "/{source_id}/text",
    response_class=PlainTextResponse,
    responses={
        **problem_responses(404),
        200: {
            "content": {"text/plain": {}},
            "description": "The exact stored text, UTF-8: every figure's "
            "quote is text[quote_span.start:quote_span.end], counted in code "
            "points.",
        },
    },
)
def read_source_text(source: SourceDep) -> PlainTextResponse:
    """The stored text the quotes and spans refer to, byte for byte (check it with sha256)."""
    return PlainTextResponse(source.text, media_type="text/plain; charset=utf-8")
