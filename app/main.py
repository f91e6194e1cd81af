"""create_app(): the engine's life, the error handlers, the routers, the OpenAPI document."""

import gc
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware

from app import __version__
from app import pages as page_assets
from app.cache import DatasetVersion, ResponseCache
from app.config import Settings, get_settings
from app.db import create_db_engine, create_sessionmaker
from app.docs import GZipButAssets, install_docs
from app.guards import known_query_parameters
from app.middleware import BodyLimit, ConditionalGet, RequestContext
from app.openapi import install_openapi
from app.problems import install_error_handlers
from app.ratelimit import DownloadSlots, RateLimits
from app.routers import (
    citations,
    derived,
    extract,
    feeds,
    figures,
    measures,
    meta,
    pages,
    sources,
)

DESCRIPTION = """
Figures about deportation and repatriation, starting with Cambodian nationals removed from
the United States. Every number is traced to the exact words of the document that stated it:
its qualifier ("more than 1,900" is not 1,900), its period or as-of date, and who said it.

Reads carry a weak `ETag` (send it back in `If-None-Match` for a 304) and are answered from
memory until the data changes: `X-Cache: hit` or `miss` says which, and a write or a load is
seen on the next request. Errors are RFC 9457 `application/problem+json`. Lists are
`{items, total, limit, next}` with the next page also in a `Link` header. The curated dataset
is CC BY 4.0; source texts remain their publishers' and are served only so that quotes can be
verified.
"""

TAGS = [
    {"name": "figures", "description": "Numbers stated in sources, with quotes and spans."},
    {"name": "derived", "description": "Numbers computed from figures, with honest bounds."},
    {"name": "measures", "description": "What is counted, and each measure's series."},
    {"name": "sources", "description": "The documents, and their exact stored text."},
    {"name": "meta", "description": "The dataset's front door and the health probes."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # The engine connects lazily, so making it here costs nothing and lets tests use the
    # app without running its lifespan.
    engine = create_db_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything made so far (the app, its routes and models) lives as long as the
        # process: keep it out of the collector's full passes, which would otherwise walk it
        # all and stall a request now and then (the long tail of latency).
        gc.freeze()
        yield
        app.state.dataset_version.close()
        app.state.reads.shutdown(wait=True)
        engine.dispose()

    app = FastAPI(
        title="deportation-stats",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(known_query_parameters)],
        # Served by install_docs instead: FastAPI's pages load their scripts from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    # Threads start on the first read, so an app used without its lifespan costs none.
    app.state.reads = ThreadPoolExecutor(settings.read_threads, thread_name_prefix="reads")
    app.state.write_sessionmaker = create_sessionmaker(engine, write=True)
    app.state.rate_limits = RateLimits(settings)
    app.state.downloads = DownloadSlots(settings.bulk_downloads_per_client)
    app.state.counts = {}  # see app.routers.figures.counted
    app.state.known_ids = {}  # see app.routers.figures.known_ids
    install_error_handlers(app)
    # Outermost last: request id and log see everything; CORS answers preflights; GZip
    # compresses what the conditional layer has already given its ETag (kept for both), all but
    # the docs pages' files.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConditionalGet, max_age=settings.cache_max_age)
    app.add_middleware(GZipButAssets, minimum_size=settings.gzip_minimum_size)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "If-None-Match", "X-Request-ID"],
        expose_headers=["ETag", "Link", "X-Request-ID", "Content-Disposition"],
        max_age=600,
    )
    # Inside the request id and the log (every answer gets its own id and line), outside the
    # rest: a kept answer is the whole of what they made.
    app.state.dataset_version = DatasetVersion(engine)
    app.add_middleware(
        ResponseCache,
        version=app.state.dataset_version,
        max_bytes=settings.response_cache_bytes,
        max_entry_bytes=settings.response_cache_entry_bytes,
        keyed_on_host=settings.public_url is None,
    )
    app.add_middleware(RequestContext, log_format=settings.log_format)
    for module in (meta, figures, citations, derived, measures, sources, extract, pages, feeds):
        app.include_router(module.router)
    # The pages' stylesheet, script and icon; kept a year at the digested URLs the pages name.
    app.mount("/assets", page_assets.Assets(directory=page_assets.ASSETS), name="assets")
    install_openapi(app)
    install_docs(app)
    return app
