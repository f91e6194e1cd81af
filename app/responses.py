"""What the routers' answers share: pages and their links, list formats and bulk downloads,
citations, absolute URLs."""

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, TypeVar
from urllib.parse import urlencode

from anyio import CapacityLimiter, to_thread
from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import URL

from app import citations, linked_data, models, workbooks
from app.bibliography import CitedFigure
from app.errors import NotAcceptable, TooManyRequests, ToPage, invalid_field
from app.etags import etag_from, etag_hasher, etag_matches
from app.mapping import cited_source
from app.negotiation import negotiate
from app.paging import Cursor
from app.ratelimit import DownloadSlots
from app.schemas.reads import Page
from app.scopes import HEAD_FLAG
from app.tables import ID_LISTS, TABLES, Table, rows_by_id
from app.tabular import csv_lines, ndjson_lines

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
    next_url = next_link(request, next_cursor)
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return Page[T](items=list(items), total=total, limit=limit, next=next_url)


def next_link(request: Request, next_cursor: Cursor | None) -> str | None:
    if next_cursor is None:
        return None
    return str(_public(request, request.url.include_query_params(cursor=next_cursor.encode())))


def _public(request: Request, url: URL) -> URL:
    """The URL as clients should see it: under DEPSTATS_PUBLIC_URL when set, so that a forged
    Host header cannot put another site into links that caches keep."""
    public = request.app.state.settings.public_url
    if not public:
        return url
    base = URL(public.rstrip("/"))
    return url.replace(scheme=base.scheme, netloc=base.netloc, path=base.path + url.path)


def base_url(request: Request) -> str:
    """ "https://host", for absolute links and ids."""
    return str(_public(request, request.base_url)).rstrip("/")


def _acceptable(request: Request, served_as: str) -> None:
    """A citation's media type is fixed by its style and format: an Accept that excludes it is
    a 406, as on every other route, rather than an answer it did not ask for."""
    media = served_as.split(";")[0]
    if negotiate(request.scope, request.headers.get("accept"), [media]) is None:
        raise NotAcceptable(
            f"this citation is served as {media}; ask with Accept: {media} "
            "(or */*), or choose another style with ?style= (or format with ?format=)"
        )


def citation_response(
    request: Request,
    style: citations.Style,
    source: models.Source,
    figure: CitedFigure | None = None,
    accessed: str | None = None,
    form: str = "text",
) -> Response:
    """The citation in `style`; as HTML fragments if `form` is "html" (prose styles only)."""
    html = form == "html"
    if html and style not in citations.PROSE:
        raise invalid_field(
            "query",
            "format",
            f"format=html is for the apa, mla and chicago styles, not "
            f"{style.value}; leave format out, or ask for ?style=apa&format=html",
        )
    media = "text/html; charset=utf-8" if html else citations.MEDIA_TYPES[style]
    _acceptable(request, media)
    headers = {}
    if style.value in EXPORT_SUFFIXES:
        # A file for a reference manager: a browser saves it under the figure's name.
        name = f"{figure.id if figure else source.id}.{EXPORT_SUFFIXES[style.value]}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(
        citations.cite(style, cited_source(source), figure, accessed, html),
        media_type=media,
        headers=headers,
    )


EXPORT_SUFFIXES = {"bibtex": "bib", "ris": "ris", "csl-json": "json"}
EXPORT_NAMES = {style: f"citations.{suffix}" for style, suffix in EXPORT_SUFFIXES.items()}


def export_response(
    request: Request,
    style: citations.Style,
    cited: list[tuple[models.Source, CitedFigure]],
    accessed: str | None = None,
) -> Response:
    """Several figures for a reference manager, as a download: each figure's record and each
    distinct source once (see `bibliography`)."""
    _acceptable(request, citations.MEDIA_TYPES[style])
    export = citations.EXPORTS[style]
    body = export(
        [(cited_source(source), figure) for source, figure in cited],
        accessed,
    )
    disposition = f'attachment; filename="{EXPORT_NAMES[style.value]}"'
    return Response(
        body, media_type=citations.MEDIA_TYPES[style], headers={"Content-Disposition": disposition}
    )


LIST_MEDIA_TYPES = {
    "json": "application/json",
    "jsonld": linked_data.MEDIA_TYPE,
    "csv": "text/csv; charset=utf-8; header=present",
    "ndjson": "application/x-ndjson",
    "xlsx": workbooks.MEDIA_TYPE,
}


def list_format(request: Request, requested: str | None) -> str:
    """`?format=` if given, else the list type the Accept header prefers; 406 if none. A
    browser (HTML first) is sent to the page that lists the same (ToPage)."""
    if requested:
        return requested  # whatever the Accept: no offers noted, one answer for every one
    offers = [media.split(";")[0] for media in LIST_MEDIA_TYPES.values()]
    chosen = negotiate(request.scope, request.headers.get("accept"), [*offers, "text/html"])
    if chosen == "text/html":
        raise ToPage(_list_page(request))
    if chosen is None:
        raise NotAcceptable(
            f"lists are served as {', '.join(offers)}; ask with Accept or "
            "?format=json|jsonld|csv|ndjson|xlsx"
        )
    return next(name for name, media in LIST_MEDIA_TYPES.items() if media.startswith(chosen))


def _list_page(request: Request) -> str:
    """The page for a list: a search for /v1/figures?q=, a measure's page for its series,
    the pages listing every measure, source or derived figure, else the home page."""
    path, q = request.url.path, request.query_params.get("q")
    if path == "/v1/figures" and q:
        return f"/search?{urlencode({'q': q})}"
    if path.startswith("/v1/measures/") and path.endswith("/figures"):
        return path.removeprefix("/v1").removesuffix("/figures")
    if path in ("/v1/measures", "/v1/sources", "/v1/derived"):
        return path.removeprefix("/v1")
    return "/"


def _encode(fmt: str, table: Table, rows: Iterator[BaseModel]) -> Iterator[bytes]:
    if fmt == "xlsx":
        return workbooks.workbook_chunks(table.model, rows)
    return csv_lines(table.model, rows) if fmt == "csv" else ndjson_lines(rows)


def fits_a_sheet(rows: int) -> None:
    """A workbook of more rows than an Excel sheet holds is refused before it is written."""
    if rows > workbooks.MAX_ROWS:
        raise invalid_field(
            "query",
            "format",
            f"{rows:,} rows match, more than the {workbooks.MAX_ROWS:,} an Excel sheet holds: "
            "filter them, or take format=csv",
        )


def whole_lists_only(fmt: str, bounded: bool) -> None:
    """A workbook is a whole list: a page of one is refused, saying what to ask instead."""
    if fmt == "xlsx" and bounded:
        raise invalid_field(
            "query",
            "format",
            "xlsx is the whole list, for Excel: leave out limit and cursor (and filter to "
            "narrow it), or ask for a page as json, csv or ndjson",
        )


def linked_list(
    request: Request, kind: str, items: Sequence[Mapping[str, Any]], headers: dict[str, str]
) -> Response:
    """A page of a list as JSON-LD, at the page's own URL, with `headers` (its next page's
    `Link`, an ETag)."""
    page_url = str(_public(request, request.url))
    document = linked_data.list_document(kind, items, page_url, base_url(request))
    return JSONResponse(document, media_type=linked_data.MEDIA_TYPE, headers=headers)


def download_headers(fmt: str, table: Table) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{table.name}.{fmt}"'}


def list_answer(
    request: Request,
    response: Response,
    *,
    fmt: str,
    table: Table,
    bounded: bool,
    page: Callable[[], Page[Any]],
    rows: Callable[[Session], Iterator[BaseModel]],
) -> Page[Any] | Response:
    """A list in the format asked for. JSON is a page, and so is JSON-LD (a schema.org Dataset
    of the page's items); CSV and NDJSON are the bulk formats, every matching row streamed,
    unless `limit` or `cursor` asks for one page."""
    if fmt == "json":
        return page()
    if fmt == "jsonld":
        found = page()
        items = [item.model_dump(mode="json") for item in found.items]
        link = {"Link": response.headers["link"]} if "link" in response.headers else {}
        return linked_list(request, table.name, items, link)
    whole_lists_only(fmt, bounded)
    if bounded:
        found = page()
        body = b"".join(_encode(fmt, table, iter(found.items)))
        headers = download_headers(fmt, table)
        if "link" in response.headers:
            headers["Link"] = response.headers["link"]
        return Response(body, media_type=LIST_MEDIA_TYPES[fmt], headers=headers)
    return _stream(request, fmt, table, rows)


def _stream(
    request: Request, fmt: str, table: Table, rows: Callable[[Session], Iterator[BaseModel]]
) -> Response:
    """Stream every row: a first pass hashes the rows for the ETag (so a 304 or a HEAD costs
    no download), a second pass sends them. Memory stays flat. A workbook's ETag is its CSV's
    with the format: the same rows make the same workbook."""

    def etag(session: Session) -> str:
        hasher = etag_hasher()
        hasher.update(fmt.encode())
        rows_seen = -1  # the CSV's header is no row
        for chunk in _encode("csv" if fmt == "xlsx" else fmt, table, rows(session)):
            hasher.update(chunk)
            rows_seen += 1
        if fmt == "xlsx":
            fits_a_sheet(rows_seen)
        return etag_from(hasher)

    return stream_download(
        request, fmt, table, etag=etag, chunks=lambda s: _encode(fmt, table, rows(s))
    )


def stream_download(
    request: Request,
    fmt: str,
    table: Table,
    *,
    etag: Callable[[Session], str],
    chunks: Callable[[Session], Iterator[bytes]],
) -> Response:
    """A bulk download from one read transaction: `etag(session)` first (a matching
    If-None-Match is a 304, a HEAD gets the headers alone, neither reads the rows), then
    `chunks(session)` streamed, read in the streams' own threads (see stream_threads)."""
    session: Session = request.app.state.sessionmaker()
    try:
        if session.get_bind().dialect.name == "postgresql":
            # The ETag and the rows must come from one snapshot.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        tag = etag(session)
        headers = {"ETag": tag, **download_headers(fmt, table)}
        if etag_matches(request.headers.get("if-none-match"), tag):
            session.close()
            return Response(status_code=304, headers={"ETag": tag})
        if request.scope.get(HEAD_FLAG):
            session.close()
            # No body and no Content-Length: the download's length is not known ahead.
            return StreamingResponse(iter(()), media_type=LIST_MEDIA_TYPES[fmt], headers=headers)
        parts = chunks(session)
        client = request.client.host if request.client else "unknown"
        downloads: DownloadSlots = request.app.state.downloads
        if not downloads.take(client):
            raise TooManyRequests(
                f"this client is already streaming {downloads.per_client} whole lists; "
                "wait for one to end, or ask for pages with limit=",
                retry_after=1,
            )
    except BaseException:
        session.close()
        raise
    streams = stream_threads(request)

    async def body() -> AsyncIterator[bytes]:
        while part := await to_thread.run_sync(next, parts, None, limiter=streams):
            yield part

    def close() -> None:
        if isinstance(parts, Generator):
            parts.close()  # a generator stopped early closes its cursor (see all_rendered)
        session.close()

    async def end() -> None:
        # However the response ended (done, failed, or the client gone or cut off for not
        # reading): the read transaction ends and the client's slot is given back.
        downloads.give_back(client)
        await to_thread.run_sync(close, limiter=streams)

    return Download(body(), end, media_type=LIST_MEDIA_TYPES[fmt], headers=headers)


class Download(StreamingResponse):
    """A streamed response that runs `end` once it is over, whether or not its body was
    ever read: a client that leaves before the first byte must not keep a transaction."""

    def __init__(
        self,
        content: AsyncIterator[bytes],
        end: Callable[[], Awaitable[None]],
        **kwargs: Any,
    ) -> None:
        super().__init__(content, **kwargs)
        self._content = content
        self._end = end

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._content.aclose()  # type: ignore[attr-defined]
            await self._end()


def stream_threads(request: Request) -> CapacityLimiter:
    """The threads bulk downloads read their batches in, apart from those requests use: a
    stream holds a connection until it ends, and must always be able to go on while
    requests wait for one (else the threads all wait and nothing moves). At most 8 streams
    read at once; one limiter an app, made in its event loop."""
    limiter = getattr(request.app.state, "streams", None)
    if limiter is None:
        limiter = request.app.state.streams = CapacityLimiter(8)
    return limiter


def id_list_answer(
    request: Request, response: Response, session: Session, paging: Any, name: str
) -> Page[Any] | Response:
    """A table listed in id order (measures, sources, derived), in any list format."""
    spec = ID_LISTS[name]

    def page() -> Page[Any]:
        found = spec.fetch(session, limit=paging.limit, cursor=paging.cursor)
        return page_of(
            request,
            response,
            spec.read(session, found.items),
            total=found.total,
            limit=paging.limit,
            next_cursor=found.next_cursor,
        )

    fmt = list_format(request, paging.format)
    if fmt != "json" and not paging.bounded:
        session.close()  # the stream takes a connection of its own: never hold two
    return list_answer(
        request,
        response,
        fmt=fmt,
        table=TABLES[name],
        bounded=paging.bounded,
        page=page,
        rows=lambda s: rows_by_id(s, name),
    )
