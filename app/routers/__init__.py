"""Thin HTTP endpoints, one module per resource; this module holds what lists share."""

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Request, Response

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
