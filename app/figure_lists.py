"""A list of figures as the API answers it: a JSON page made of stored renders, or every
match streamed as CSV or NDJSON. Shared by /v1/figures and a measure's series."""

from collections.abc import Iterator

import orjson
from fastapi import Request, Response
from sqlalchemy.orm import Session

from app import workbooks
from app.db import CoreReads, core_reads
from app.deps import FigureListQuery
from app.etags import etag_from, etag_hasher
from app.paging import Sort
from app.responses import (
    LIST_MEDIA_TYPES,
    download_headers,
    fits_a_sheet,
    linked_list,
    list_format,
    next_link,
    stream_download,
    whole_lists_only,
)
from app.schemas.reads import FigureRead
from app.services import catalog, figures, renders
from app.services.figures import FigureFilters, RenderedList
from app.tables import TABLES, figure_rows


def figure_list_answer(
    request: Request, query: FigureListQuery, filters: FigureFilters
) -> Response:
    """A list of figures in the format asked for: a JSON page, or every match streamed. Built
    from the figures' stored renders: no objects, no validation, one join."""
    with core_reads(request.app.state.engine) as reads:
        version = reads.scalar(renders.VERSION) or 0
        query.check(known_ids(request, reads, version))
        fmt = list_format(request, query.format)
        whole_lists_only(fmt, query.bounded)
        if fmt in ("json", "jsonld") or query.bounded:
            result = figures.rendered_figures(
                reads,
                filters=filters,
                sort=query.sort,
                limit=query.limit,
                cursor=query.cursor,
                column="csv" if fmt == "csv" else "json",
                count=lambda: counted(request, reads, filters, version),
            )
        else:
            result = None
    if result is None:
        # The stream takes a connection of its own once this one is back in the pool:
        # holding one while waiting for another is how a pool deadlocks under load.
        return stream_figures(request, fmt, filters, query.sort)
    next_url = next_link(request, result.next_cursor)
    headers = {"ETag": _page_etag(fmt, result, query.limit, next_url)}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if fmt == "jsonld":
        items = [orjson.loads(row) for row in result.rows]
        return linked_list(request, "figures", items, headers)
    if fmt == "json":
        body = b"".join(
            (
                b'{"items":[',
                b",".join(result.rows),
                b'],"total":%d,"limit":%d,"next":' % (result.total, query.limit),
                orjson.dumps(next_url),
                b"}",
            )
        )
        return Response(body, media_type="application/json", headers=headers)
    return Response(
        _lines(fmt, result.rows),
        media_type=LIST_MEDIA_TYPES[fmt],
        headers={**headers, **download_headers(fmt, TABLES["figures"])},
    )


def _page_etag(fmt: str, result: RenderedList, limit: int, next_url: str | None) -> str:
    """Made of what the page is made of (each figure's ETag, the total, the limit and the next
    link) rather than of its 150 kB: it changes exactly when the page does, for less."""
    hasher = etag_hasher()
    hasher.update(f"{fmt}|{result.total}|{limit}|{next_url}|".encode())
    hasher.update("|".join(result.etags).encode())
    return etag_from(hasher)


def known_ids(request: Request, reads: CoreReads, version: int) -> dict[str, frozenset[str]]:
    """The ids of every measure and source, read once per dataset version in each process:
    checking that a filter names one costs no query."""
    known = request.app.state.known_ids
    if known.get("version") != version:
        ids = catalog.all_ids(reads)
        if _same_snapshot(reads, version):
            known.clear()
            known.update(ids, version=version)
        return ids
    return known


def counted(request: Request, reads: CoreReads, filters: FigureFilters, version: int) -> int:
    """How many figures match, counted once per dataset version and filters in each process:
    every page of a walk through a million figures shares one count."""
    counts: dict[tuple[int, FigureFilters], int] = request.app.state.counts
    total = counts.get((version, filters))
    if total is None:  # counted afresh
        total = figures.count_rendered(reads, filters)
        if _same_snapshot(reads, version):
            if len(counts) >= COUNTS_KEPT:
                counts.clear()
            counts[(version, filters)] = total
    return total


def _same_snapshot(reads: CoreReads, version: int) -> bool:
    """Whether what was just read belongs to `version`: always on SQLite, whose read
    transaction keeps one snapshot; on PostgreSQL, where each statement reads afresh, if no
    commit came in between."""
    if reads.dialect.name == "sqlite":
        return True
    return reads.scalar(renders.VERSION) == version


COUNTS_KEPT = 10_000


def _lines(fmt: str, rows: list[bytes]) -> bytes:
    if fmt == "csv":
        return renders.CSV_HEADER + b"".join(rows)
    return b"".join(row + b"\n" for row in rows)


def stream_figures(request: Request, fmt: str, filters: FigureFilters, sort: Sort) -> Response:
    """Every matching figure's stored render, streamed. The ETag is made of the dataset's
    version and the query (weak: it names what was asked of which data), so a 304 or a HEAD
    costs no pass over the rows."""

    def etag(session: Session) -> str:
        if fmt == "xlsx":
            fits_a_sheet(figures.count_figures(session, filters))
        asked = etag_hasher()
        asked.update(repr((fmt, filters, str(sort))).encode())
        return f'W/"v{renders.dataset_version(session)}.{asked.hexdigest()[:16]}"'

    def chunks(session: Session) -> Iterator[bytes]:
        if fmt == "xlsx":
            # Typed cells need the figures themselves, not their stored CSV lines.
            yield from workbooks.workbook_chunks(
                FigureRead, figure_rows(session, filters=filters, sort=sort)
            )
            return
        if fmt == "csv":
            yield renders.CSV_HEADER
        ending = b"" if fmt == "csv" else b"\n"
        column = "csv" if fmt == "csv" else "json"
        for rows in figures.all_rendered(session, filters=filters, sort=sort, column=column):
            yield ending.join(rows) + ending

    return stream_download(request, fmt, TABLES["figures"], etag=etag, chunks=chunks)
