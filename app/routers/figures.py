"""Figures: the list with its filters, one figure (JSON, JSON-LD or a CSV row), its citation,
its history."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.orm import Session

from app import citations, linked_data, pages
from app.auth import LockedFigureDep, RetractableFigureDep, WriterDep, WriteSessionDep
from app.deps import (
    Accessed,
    CitationFormat,
    FigureDep,
    FigureListDep,
    SessionDep,
    checked_id,
    off_the_loop,
)
from app.etags import etag_of
from app.figure_lists import figure_list_answer
from app.guards import (
    CSV,
    JSON_OR_LINKED_DATA,
    PAGE,
    FigureFormatParameter,
    JsonOnly,
    representation,
)
from app.mapping import cited_figure, figure_read, revision_read
from app.openapi import citation_responses, list_responses, problem_responses
from app.responses import LIST_MEDIA_TYPES, base_url, citation_response
from app.schemas.inputs import FigureCreateBody, FigureRetract, FigureUpdate
from app.schemas.reads import FigureRead, Page, RevisionRead
from app.services import catalog, figures, renders, writes
from app.tabular import csv_lines

router = APIRouter(prefix="/v1/figures", tags=["figures"])


@router.get("", response_model=Page[FigureRead], responses=list_responses())
async def list_figures(
    request: Request, response: Response, query: FigureListDep
) -> Page[FigureRead] | Response:
    """Figures matching the filters: a JSON page at a time (follow `next`), or every match as
    CSV or NDJSON (`Accept` or `?format=`)."""
    return await off_the_loop(request, figure_list_answer, request, query, query.filters)


def written(session: Session, figure_id: str, *, status: int = 200) -> Response:
    """The figure as it now stands, as the write's refresh rendered it, with its new ETag;
    never cached."""
    body, etag = renders.stored(session, figure_id)
    headers = {"ETag": etag, "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/v1/figures/{figure_id}"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429, 503)


@router.post(
    "",
    status_code=201,
    response_model=FigureRead,
    responses={
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
        201: {"description": "Created; Location names its URL."},
    },
)
def create_figure(
    submitted: FigureCreateBody, token: WriterDep, session: WriteSessionDep
) -> Response:
    """Add a figure (scope `write`). You choose its permanent id (409 if taken); its quote
    must occur verbatim in the source text, at quote_span or, when left out, exactly once;
    its value must match value_text. Revision 1 records the token's name."""
    figure = writes.create_figure(session, submitted, actor=token.name)
    return written(session, figure.id, status=201)


@router.patch("/{figure_id}", response_model=FigureRead, responses=problem_responses(*WRITE_ERRORS))
def correct_figure(
    figure: LockedFigureDep, patch: FigureUpdate, token: WriterDep, session: WriteSessionDep
) -> Response:
    """Correct a figure (scope `write`): send only the fields to change and a `reason`, with
    If-Match. A stale ETag is a 412, a missing one a 428. The previous state stays in
    /history."""
    writes.correct_figure(session, figure, patch, actor=token.name)
    return written(session, figure.id)


@router.post(
    "/{figure_id}/retract", response_model=FigureRead, responses=problem_responses(*WRITE_ERRORS)
)
def retract_figure(
    figure: RetractableFigureDep, body: FigureRetract, token: WriterDep, session: WriteSessionDep
) -> Response:
    """Retract a figure (scope `write`), with a reason. It leaves the lists but stays at its
    URL with `status: retracted`, the reason, and its history. Nothing is ever deleted."""
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
                },
                CSV: {
                    "schema": {"type": "string"},
                    "description": "One CSV row under a header: the columns of the list's CSV.",
                },
            }
        },
    },
)
async def read_figure(
    figure_id: Annotated[str, Path(description="The figure's id, e.g. `removals-2017`.")],
    request: Request,
    format: FigureFormatParameter = None,
) -> FigureRead | Response:
    """One figure: its value and qualifier, the exact quote and its spans, who said it, when.

    With `Accept: application/ld+json` (or `?format=jsonld`), the same figure as schema.org
    linked data; with `Accept: text/csv` (or `?format=csv`), one CSV row under the list's
    header. A browser (Accept preferring text/html) is sent to the figure's page."""
    return await off_the_loop(request, _figure_answer, request, figure_id, format)


def _figure_answer(request: Request, figure_id: str, format: str | None) -> Response:
    checked_id("figure", figure_id)
    body, etag = renders.rendered_figure(request.app.state.engine, figure_id)
    media_type = representation(request, format, [*JSON_OR_LINKED_DATA, CSV])
    if media_type == PAGE:
        return pages.to_page("figure", figure_id)
    headers = {"ETag": etag, **pages.alternate("figure", figure_id)}
    if media_type == CSV:
        row = b"".join(csv_lines(FigureRead, [FigureRead.model_validate_json(body)]))
        headers["ETag"] = etag_of(row)
        headers["Content-Disposition"] = f'attachment; filename="{figure_id}.csv"'
        return Response(row, media_type=LIST_MEDIA_TYPES["csv"], headers=headers)
    if media_type == linked_data.MEDIA_TYPE:
        # Made from the ORM's figure alone, so that it is one snapshot, however it changes.
        with request.app.state.sessionmaker() as session:
            figure = figures.get_figure(session, figure_id)
            incoming = figures.incoming_relations(session, [figure.id]).get(figure.id, [])
            read = figure_read(figure, incoming)
            document = linked_data.figure_document(read, figure.measure, base_url(request))
            headers["ETag"] = renders.figure_etag(figure, read)
        return JSONResponse(document, media_type=linked_data.MEDIA_TYPE, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/{figure_id}/citation", response_class=PlainTextResponse, responses=citation_responses()
)
def cite_figure(
    figure: FigureDep,
    request: Request,
    style: Annotated[
        citations.Style, Query(description="One of " + ", ".join(citations.Style) + ".")
    ] = citations.Style.TEXT,
    accessed: Accessed = None,
    form: CitationFormat = "text",
) -> Response:
    """How to cite the figure: its ready sentence, its source and its record in this dataset
    (`text`); or those two citations, the source's and the record's, in APA 7, MLA 9,
    Chicago 18th author-date, BibTeX, RIS or CSL-JSON (keys: the source's id and
    `deportation-stats:{id}`). Several figures at once: /v1/citations."""
    cited = cited_figure(figure, pages.permalink(request, "figure", figure.id))
    return citation_response(request, style, figure.source, cited, accessed, form)


@router.get(
    "/{figure_id}/history",
    response_model=list[RevisionRead],
    responses=problem_responses(404, 406),
    dependencies=[JsonOnly],
)
def read_figure_history(figure: FigureDep, session: SessionDep) -> list[RevisionRead]:
    """Every revision of the figure, oldest first, each with the full state it produced."""
    return [revision_read(r) for r in catalog.figure_history(session, figure.id)]
