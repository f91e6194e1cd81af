"""Sources: the documents figures are quoted from, and their exact stored text."""

from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from app import citations, linked_data, pages
from app.auth import AdminDep, WriteSessionDep
from app.dates import parse_partial_date
from app.deps import CitationFormat, PagingDep, SessionDep, SourceDep
from app.guards import LINKED_DATA, PAGE, JsonOnly, JsonOrLinkedData
from app.mapping import source_detail, source_read
from app.openapi import (
    citation_responses,
    linked_data_responses,
    list_responses,
    problem_responses,
)
from app.responses import base_url, citation_response, id_list_answer
from app.schemas.candidates import SourceCandidates
from app.schemas.inputs import SourceCreate
from app.schemas.reads import Page, SourceDetail, SourceRead
from app.services import catalog, figures, writes

if TYPE_CHECKING:  # imported when first used: see catalog.known_measures
    from app.extract import Extraction, KnownMeasure

router = APIRouter(prefix="/v1/sources", tags=["sources"])
# A stored text is the publisher's: search engines may fetch it (robots.txt allows it, so that
# they read this) but not index it.
NOT_INDEXED = {"X-Robots-Tag": "noindex"}


@router.get("", response_model=Page[SourceRead], responses=list_responses())
def list_sources(
    request: Request, response: Response, paging: PagingDep, session: SessionDep
) -> Page[SourceRead] | Response:
    """Every source, by id: a JSON page, or CSV or NDJSON."""
    return id_list_answer(request, response, session, paging, "sources")


@router.post(
    "",
    status_code=201,
    response_model=SourceRead,
    responses={
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
        201: {"description": "Created; Location names its URL."},
    },
)
def create_source(item: SourceCreate, token: AdminDep, session: WriteSessionDep) -> JSONResponse:
    """Add a source (scope `admin`): its text and metadata. The server computes the text's
    SHA-256 (if you send one, it must match). Its id is permanent (409 if taken)."""
    source = writes.create_source(session, item, actor=token.name)
    return JSONResponse(
        source_read(source).model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/v1/sources/{source.id}", "Cache-Control": "no-store"},
    )


@router.get(
    "/{source_id}",
    response_model=SourceDetail,
    responses=linked_data_responses("schema.org JSON-LD: a NewsArticle."),
)
def read_source(
    source: SourceDep,
    session: SessionDep,
    request: Request,
    response: Response,
    media: JsonOrLinkedData,
) -> SourceDetail | Response:
    """One source's metadata, the SHA-256 of its stored text, and every figure it states with
    the spans that locate it in the text. With `Accept: application/ld+json`, the source as
    a schema.org NewsArticle."""
    if media == PAGE:
        return pages.to_page("source", source.id)
    response.headers.update(pages.alternate("source", source.id))
    if media == LINKED_DATA:
        document = linked_data.source_document(source, source.language, base_url(request))
        return JSONResponse(document, media_type=LINKED_DATA, headers=response.headers)
    return source_detail(source, figures.figures_in_source(session, source.id))


@router.get(
    "/{source_id}/citation", response_class=PlainTextResponse, responses=citation_responses()
)
def cite_source(
    source: SourceDep,
    request: Request,
    style: Annotated[
        citations.Style, Query(description="One of " + ", ".join(citations.Style) + ".")
    ] = citations.Style.TEXT,
    form: CitationFormat = "text",
) -> Response:
    """How to cite the source: Chicago (`text`), APA 7, MLA 9, Chicago 18th author-date,
    BibTeX, RIS or CSL-JSON. No author, URL or day is invented where the source has none."""
    return citation_response(request, style, source, form=form)


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
            "headers": {
                "X-Robots-Tag": {
                    "description": "`noindex`: served to verify quotes, not to republish.",
                    "schema": {"type": "string"},
                }
            },
        },
    },
)
def read_source_text(source: SourceDep) -> PlainTextResponse:
    """The stored text the quotes and spans refer to, byte for byte (check it with sha256).
    Search engines are asked not to index it (`X-Robots-Tag: noindex`): it is the
    publisher's, served so that quotes can be checked, not to republish it."""
    return PlainTextResponse(
        source.text, media_type="text/plain; charset=utf-8", headers=NOT_INDEXED
    )


@router.get(
    "/{source_id}/candidates",
    response_model=SourceCandidates,
    responses=problem_responses(404, 406),
    dependencies=[JsonOnly],
)
def source_candidates(source: SourceDep, session: SessionDep) -> SourceCandidates:
    """The figures the extractor proposes from the stored text, each marked `curated` with
    the id of a figure already made from that number (retracted ones too): an equal value
    whose value_span overlaps. A curator starts from those still null."""
    found = _extraction(
        source.id,
        source.sha256,
        source.text,
        source.published,
        source.publisher,
        catalog.known_measures(session),
    )
    curated = figures.figures_in_source(session, source.id)
    candidates = []
    for candidate in found.candidates:
        start, end = candidate.value_span
        match = next(
            (
                f.id
                for f in curated
                if f.value == float(candidate.value) and f.value_start < end and start < f.value_end
            ),
            None,
        )
        candidates.append({**candidate.as_dict(), "curated": match})
    return SourceCandidates.model_validate(
        {
            "source": source.id,
            "candidates": candidates,
            "skipped": [s.as_dict() for s in found.skipped],
        }
    )


@lru_cache(maxsize=8)
def _extraction(
    source_id: str,
    sha256: str,
    text: str,
    published: str,
    publisher: str,
    measures: "tuple[KnownMeasure, ...]",
) -> "Extraction":
    """A stored source's candidates, kept while its text, date and publisher and the measures
    stay the same: a long text takes seconds to read, and the answers may be too large for
    the response cache."""
    from app.extract import extract

    return extract(
        text,
        parse_partial_date(published),
        publisher=publisher,
        source=source_id,
        measures=measures,
    )
