"""Figures: the list with its filters, one figure (JSON or JSON-LD), its citation, its history."""

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.orm import Session

from app import citations, linked_data
from app.deps import (
    FigureDep,
    FigureListDep,
    FigureListQuery,
    JsonOnly,
    SessionDep,
    WriterDep,
    WriteSessionDep,
    checked_id,
)
from app.errors import NotAcceptable, PreconditionFailed, PreconditionRequired
from app.middleware import etag_hasher, etag_matches
from app.models import Figure
from app.negotiation import choose
from app.openapi import citation_responses, list_responses, problem_responses
from app.routers import base_url, citation_response, list_answer, list_format, page_of
from app.schemas import (
    FigurePatch,
    FigureRead,
    FigureSubmit,
    Page,
    RetractRequest,
    RevisionRead,
    figure_statement,
)
from app.services import figures, writes
from app.services.figures import FigureFilters, FigureList
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
    return figure_list_answer(request, response, session, query, query.filters)


def figure_list_answer(
    request: Request,
    response: Response,
    session: Session,
    query: FigureListQuery,
    filters: FigureFilters,
) -> Page[FigureRead] | Response:
    """A list of figures in the format asked for: a JSON page, or every match streamed."""

    def page() -> Page[FigureRead]:
        result = figures.list_figures(
            session, filters=filters, sort=query.sort, limit=query.limit, cursor=query.cursor
        )
        return figure_page(request, response, result, query.limit)

    return list_answer(
        request,
        response,
        fmt=list_format(request, query.format),
        table=TABLES["figures"],
        bounded=query.bounded,
        page=page,
        rows=lambda s: figure_rows(s, filters=filters, sort=query.sort),
    )


FIGURE_MEDIA_TYPES = ["application/json", linked_data.MEDIA_TYPE]


def figure_read(session: Session, figure: Figure) -> FigureRead:
    incoming = figures.incoming_relations(session, [figure.id])
    return FigureRead.of(figure, incoming.get(figure.id, []))


def figure_etag(figure: Figure, read: FigureRead) -> str:
    """Derived from the figure's revision, so JSON and JSON-LD of one revision share it, and
    from what else its representations show (its measure, source and related figures), so it
    still changes whenever the data behind them does."""
    hasher = etag_hasher()
    hasher.update(orjson.dumps(read.model_dump(mode="json")))
    hasher.update(figure.measure.definition.encode())
    return f'W/"{figure.id}.r{figure.revision}.{hasher.hexdigest()[:16]}"'


def check_if_match(
    if_match: str | None, figure: Figure, session: Session, *, required: bool
) -> None:
    """RFC 9110 preconditions, compared weakly (a deliberate departure: the README says why)."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the ETag from GET /v1/figures/{id}, so that a correction "
                "made since you read the figure is not overwritten"
            )
        return
    current = figure_etag(figure, figure_read(session, figure))
    if not etag_matches(if_match, current):
        raise PreconditionFailed(
            f"figure {figure.id!r} has changed since that ETag (it is now at revision "
            f"{figure.revision}); GET it again and reapply your change"
        )


def written(session: Session, figure_id: str, *, status: int = 200) -> JSONResponse:
    """The figure as it now stands, with its new ETag; never cached."""
    figure = figures.get_figure(session, figure_id, fresh=True)
    read = figure_read(session, figure)
    headers = {"ETag": figure_etag(figure, read), "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/v1/figures/{figure.id}"
    return JSONResponse(read.model_dump(mode="json"), status_code=status, headers=headers)


WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 422, 428, 429)


@router.post(
    "",
    status_code=201,
    response_model=FigureRead,
    responses={
        **problem_responses(400, 401, 403, 409, 413, 422, 429),
        201: {"description": "Created; Location names its URL."},
    },
)
def create_figure(
    submitted: FigureSubmit, token: WriterDep, session: WriteSessionDep
) -> JSONResponse:
    """Add a figure (scope `write`). You choose its permanent id (409 if taken); its quote
    must occur verbatim in the source text, at quote_span or, when left out, exactly once;
    its value must match value_text. Revision 1 records the token's name."""
    figure = writes.create_figure(session, submitted, actor=token.name)
    return written(session, figure.id, status=201)


@router.patch("/{figure_id}", response_model=FigureRead, responses=problem_responses(*WRITE_ERRORS))
def correct_figure(
    figure_id: Annotated[str, Path(description="The figure's id; it never changes.")],
    patch: FigurePatch,
    token: WriterDep,
    session: WriteSessionDep,
    if_match: Annotated[
        str | None, Header(description="The ETag you read the figure with (required).")
    ] = None,
) -> JSONResponse:
    """Correct a figure (scope `write`): send only the fields to change and a `reason`, with
    If-Match. A stale ETag is a 412, a missing one a 428. The previous state stays in
    /history."""
    figure = writes.lock_figure(session, checked_id("figure", figure_id))
    check_if_match(if_match, figure, session, required=True)
    writes.correct_figure(session, figure, patch, actor=token.name)
    return written(session, figure.id)


@router.post(
    "/{figure_id}/retract", response_model=FigureRead, responses=problem_responses(*WRITE_ERRORS)
)
def retract_figure(
    figure_id: Annotated[str, Path(description="The figure's id.")],
    body: RetractRequest,
    token: WriterDep,
    session: WriteSessionDep,
    if_match: Annotated[
        str | None, Header(description="Optional; checked like a PATCH's when sent.")
    ] = None,
) -> JSONResponse:
    """Retract a figure (scope `write`), with a reason. It leaves the lists but stays at its
    URL with `status: retracted`, the reason, and its history. Nothing is ever deleted."""
    figure = writes.lock_figure(session, checked_id("figure", figure_id))
    check_if_match(if_match, figure, session, required=False)
    writes.retract_figure(session, figure, reason=body.reason, actor=token.name)
    return written(session, figure.id)


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
    response: Response,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> FigureRead | Response:
    """One figure: its value and qualifier, the exact quote and its spans, who said it, when.

    With `Accept: application/ld+json`, the same figure as schema.org linked data."""
    media_type = choose(accept, FIGURE_MEDIA_TYPES)
    if media_type is None:
        raise NotAcceptable(f"this figure is served as {' or '.join(FIGURE_MEDIA_TYPES)}")
    read = figure_read(session, figure)
    etag = figure_etag(figure, read)
    if media_type == linked_data.MEDIA_TYPE:
        document = linked_data.figure_document(read, figure.measure, base_url(request))
        return JSONResponse(document, media_type=linked_data.MEDIA_TYPE, headers={"ETag": etag})
    response.headers["ETag"] = etag
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
