"""Figures: the list with its filters, one figure (JSON or JSON-LD), its citation, its history."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from app import citations, linked_data
from app.deps import FigureDep, FigureListDep, JsonOnly, SessionDep
from app.errors import NotAcceptable
from app.negotiation import choose
from app.openapi import citation_responses, list_responses, problem_responses
from app.routers import base_url, citation_response, list_answer, list_format, page_of
from app.schemas import FigureRead, Page, RevisionRead, figure_statement
from app.services import figures
from app.services.figures import FigureList
from app.tables import TABLES, figure_rows

router = APIRouter(prefix="/v1/figures", tags=["figures"])


def figure_page(
    request: Request, response: Response, result: FigureList, limit: int
) -> Page[FigureRead]:
    items = [FigureRead.of(f, result.incoming.get(f.id, [])) for f in result.items]
    return page_of(
        request, response, items, total=result.total, limit=limit, next_cursor=result.next_cursor
    )


@router.get("", response_model=Page[FigureRead], responses=list_responses())
def list_figures(
    request: Request, response: Response, query: FigureListDep, session: SessionDep
) -> Page[FigureRead] | Response:
    """Figures matching the filters: a JSON page at a time (follow `next`), or every match as
    CSV or NDJSON (`Accept` or `?format=`)."""

    def page() -> Page[FigureRead]:
        result = figures.list_figures(
            session,
            filters=query.filters,
            sort=query.sort,
            limit=query.limit,
            cursor=query.cursor,
        )
        return figure_page(request, response, result, query.limit)

    return list_answer(
        request,
        response,
        fmt=list_format(request, query.format),
        table=TABLES["figures"],
        bounded=query.bounded,
        page=page,
        rows=lambda s: figure_rows(s, filters=query.filters, sort=query.sort),
    )


FIGURE_MEDIA_TYPES = ["application/json", linked_data.MEDIA_TYPE]


@router.get(
    "/{figure_id}",
    response_model=FigureRead,
    responses={
        **problem_responses(404, 406),
        200: {
            "content": {
                linked_data.MEDIA_TYPE: {
                    "schema": {"type": "object"},
                    "description": "schema.org JSON-LD: an Observation of a "
                    "StatisticalVariable, its quote a Claim in a NewsArticle.",
                }
            }
        },
    },
)
def read_figure(
    figure: FigureDep,
    session: SessionDep,
    request: Request,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> FigureRead | Response:
    """One figure: its value and qualifier, the exact quote and its spans, who said it, when.

    With `Accept: application/ld+json`, the same figure as schema.org linked data."""
    media_type = choose(accept, FIGURE_MEDIA_TYPES)
    if media_type is None:
        raise NotAcceptable(f"this figure is served as {' or '.join(FIGURE_MEDIA_TYPES)}")
    incoming = figures.incoming_relations(session, [figure.id])
    read = FigureRead.of(figure, incoming.get(figure.id, []))
    if media_type == linked_data.MEDIA_TYPE:
        document = linked_data.figure_document(read, figure.measure, base_url(request))
        return JSONResponse(document, media_type=linked_data.MEDIA_TYPE)
    return read


@router.get(
    "/{figure_id}/citation", response_class=PlainTextResponse, responses=citation_responses()
)
def cite_figure(
    figure: FigureDep,
    request: Request,
    style: Annotated[
        citations.Style, Query(description="One of " + ", ".join(citations.Style) + ".")
    ] = citations.Style.TEXT,
) -> Response:
    """How to cite the figure: its ready sentence and its source (`text`), or the source in
    APA 7, MLA 9, Chicago 17 author-date, BibTeX, RIS or CSL-JSON with the figure as a note."""
    cited = citations.CitedFigure(
        id=figure.id,
        statement=figure_statement(figure),
        permalink=f"{base_url(request)}/v1/figures/{figure.id}",
    )
    return citation_response(style, figure.source, cited)


@router.get(
    "/{figure_id}/history",
    response_model=list[RevisionRead],
    responses=problem_responses(404, 406),
    dependencies=[JsonOnly],
)
def read_figure_history(figure: FigureDep, session: SessionDep) -> list[RevisionRead]:
    """Every revision of the figure, oldest first, each with the full state it produced."""
    return [
        RevisionRead(
            number=r.number, actor=r.actor, reason=r.reason, created_at=r.created_at, state=r.state
        )
        for r in figures.figure_history(session, figure.id)
    ]
