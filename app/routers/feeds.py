"""For search engines and feed readers: robots.txt, the sitemap, and the Atom feeds of
corrections and retractions (the whole dataset's, and one per figure). Cached per dataset
version and answered with ETags like every read (see `app.feeds`)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from app import feeds
from app.deps import FigureDep, SessionDep
from app.errors import NotFound
from app.mapping import page_path
from app.responses import base_url
from app.services import changes, sitemap

router = APIRouter(include_in_schema=False)

CHANGES = "/feeds/changes.atom"
# Pages that are no row of a table, each at its first page; /search is left out (noindex:
# its results are the pages themselves).
SITE_PAGES = ["/", "/about", "/measures", "/sources", "/derived"]
# A feed with nothing in it yet, in a database with no revision at all.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def figure_feed(figure_id: str) -> str:
    return f"/figures/{figure_id}/changes.atom"


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(request: Request) -> PlainTextResponse:
    return PlainTextResponse(feeds.robots(request), headers=feeds.HEADERS)


@router.get("/sitemap.xml")
def sitemap_index(request: Request, session: SessionDep) -> Response:
    """The sitemap index: the site's own pages, then each kind's files, each file named by
    the id it starts at (the first without one, so that its URL stays put)."""
    base = base_url(request)
    files = [f"{base}/sitemaps/pages.xml"]
    size = request.app.state.settings.sitemap_urls
    for name in sitemap.KINDS:
        starts = sitemap.file_starts(session, name, size=size)
        files += [
            f"{base}/sitemaps/{name}.xml" + (f"?from={start}" if n else "")
            for n, start in enumerate(starts)
        ]
    return feeds.render("sitemap-index.xml", feeds.XML, files=files)


@router.get("/sitemaps/{name}.xml")
def sitemap_file(
    name: str,
    request: Request,
    session: SessionDep,
    start: Annotated[str | None, Query(alias="from", max_length=80)] = None,
) -> Response:
    """One file of the sitemap: at most DEPSTATS_SITEMAP_URLS pages from the id `from` on."""
    base = base_url(request)
    urls: list[tuple[str, str | None]]
    if name == "pages":
        urls = [(f"{base}{path}", None) for path in SITE_PAGES]
    elif name in sitemap.KINDS:
        size = request.app.state.settings.sitemap_urls
        urls = [
            (
                f"{base}{page_path(entry.kind, entry.id)}",
                feeds.timestamp(entry.lastmod) if entry.lastmod else None,
            )
            for entry in sitemap.entries(session, name, start=start, size=size)
        ]
    else:
        raise NotFound(f"no sitemap file {name!r}; /sitemap.xml lists them")
    return feeds.render("sitemap.xml", feeds.XML, urls=urls)


@router.get(CHANGES)
def changes_feed(request: Request, session: SessionDep) -> Response:
    """The newest corrections and retractions of every figure."""
    found = changes.recent_changes(session, limit=feeds.FEED_ENTRIES)
    return feeds.feed(
        request,
        path=CHANGES,
        title="deportation-stats: corrections and retractions",
        page="/",
        changes=found,
        updated=found[0].at if found else changes.last_change(session) or EPOCH,
    )


@router.get("/figures/{figure_id}/changes.atom")
def figure_changes_feed(figure: FigureDep, request: Request, session: SessionDep) -> Response:
    """The corrections and retraction of one figure, for whoever cited it."""
    found = changes.recent_changes(session, figure_id=figure.id, limit=feeds.FEED_ENTRIES)
    return feeds.feed(
        request,
        path=figure_feed(figure.id),
        title=f"deportation-stats: corrections to {figure.id}",
        page=page_path("figure", figure.id),
        changes=found,
        updated=found[0].at if found else figure.created_at,
    )
