"""Thin HTTP endpoints, one module per resource; this module holds what lists share."""

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Request, Response

from app import citations, models
from app.paging import Cursor
from app.schemas import Page

T = TypeVar("T")


def page_of(
    request: Request,
    response: Response,
    items: Sequence[T],
    *,
    total: int,
    limit: int,
    next_cursor: Cursor | None,
) -> Page[T]:
    """The JSON list envelope, with the next page's URL in `next` and in a `Link` header."""
    next_url = None
    if next_cursor is not None:
        next_url = str(request.url.include_query_params(cursor=next_cursor.encode()))
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return Page[T](items=list(items), total=total, limit=limit, next=next_url)


def base_url(request: Request) -> str:
    """ "http://host:port", for absolute links and ids."""
    return str(request.base_url).rstrip("/")


def citation_response(
    style: citations.Style, source: models.Source, figure: citations.CitedFigure | None = None
) -> Response:
    cited = citations.CitedSource(
        id=source.id,
        title=source.title,
        publisher=source.publisher,
        author=source.author,
        published=source.published,
        url=source.url,
        language=source.language,
    )
    return Response(citations.cite(style, cited, figure), media_type=citations.MEDIA_TYPES[style])
