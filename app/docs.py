"""The browsable docs, /docs (Swagger UI) and /redoc (ReDoc), made to work with no network.

FastAPI's own pages load their scripts from a CDN, and start Swagger UI with an inline script.
These load everything from app/static/ (Swagger UI and ReDoc as fetched from npm by
scripts/fetch_docs_assets.sh, beside their licences), and start Swagger UI from a file there,
so that each page's Content-Security-Policy allows no inline script and no other host.
"""

import hashlib
import html
import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, swagger_ui_default_parameters
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).with_name("static")
STATIC_URL = "/static"
# Every URL under STATIC_URL that the pages name changes with what it serves (a version in the
# path, a digest in the query), so a browser may keep what it fetched for a year.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"

# Each page's policy: its own origin for everything (scripts, stylesheets, /openapi.json,
# Swagger UI's "Try it out" requests), and beyond that only what it was seen to need in
# Chromium (a directive taken out, the page logs a violation):
# - img-src data: both pages draw icons from data: SVGs;
# - ReDoc, style-src 'unsafe-inline': styled-components injects <style> elements at run time
#   (without it ReDoc fails to start), and FastAPI's ReDoc page has one of its own. Swagger UI
#   needs no inline style: React sets its styles through the DOM, which CSP allows;
# - ReDoc, worker-src blob: it builds its search index in a worker made from a blob of its own
#   bundle;
# - base-uri and frame-ancestors, which default-src does not cover: no <base> may move the
#   relative URLs, and no other site may frame the pages (where "Try it out" holds a token).
# No script is inline and none is evaluated: no 'unsafe-inline' or 'unsafe-eval' for scripts.
# ReDoc's footer names an image on Redocly's CDN: refused, and the page works without it.
_SAME_ORIGIN = ["default-src 'self'", "img-src 'self' data:"]
_GUARDS = ["base-uri 'none'", "frame-ancestors 'none'"]
SWAGGER_UI_POLICY = "; ".join([*_SAME_ORIGIN, *_GUARDS])
REDOC_POLICY = "; ".join(
    [*_SAME_ORIGIN, "style-src 'self' 'unsafe-inline'", "worker-src blob:", *_GUARDS]
)


def _one(pattern: str) -> str:
    """The one folder of app/static/ that a pinned package was fetched into."""
    found = sorted(path.name for path in STATIC.glob(pattern) if path.is_dir())
    if len(found) != 1:
        raise RuntimeError(
            f"app/static/ holds {found or 'no'} {pattern}, not one: "
            "run scripts/fetch_docs_assets.sh"
        )
    return found[0]


SWAGGER_UI = _one("swagger-ui-dist-*")
REDOC = _one("redoc-*")
SWAGGER_UI_START = "docs/swagger-ui-init.js"


def _versioned(name: str) -> str:
    """Our own file's path with a digest of its bytes: a new file is a new URL."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
    return f"{name}?v={digest}"


_SWAGGER_UI_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<noscript>Swagger UI needs JavaScript; the OpenAPI document is at {openapi}.</noscript>
<div id="swagger-ui" data-config="{config}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""


class _Assets(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


class GZipButAssets(GZipMiddleware):
    """GZip for every answer but the files under /static. Compressing the Swagger UI bundle
    holds the event loop for about 0.2 s, which any client could make us spend again and again
    (a Cookie header passes by the response cache); and a browser keeps these files a year."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        path = path.removeprefix(scope.get("root_path", ""))
        if scope["type"] == "http" and path.startswith(f"{STATIC_URL}/"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def install_docs(app: FastAPI) -> None:
    """/docs, /redoc and the files under /static they load. The app must be made with
    docs_url=None and redoc_url=None, so that FastAPI's CDN pages are not there too."""
    app.mount(STATIC_URL, _Assets(directory=STATIC), name="static")
    start = _versioned(SWAGGER_UI_START)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        static = f"{root}{STATIC_URL}"
        openapi = f"{root}{app.openapi_url}"
        config: dict[str, Any] = {
            **swagger_ui_default_parameters,
            **(app.swagger_ui_parameters or {}),
            "url": openapi,
            # No badge from validator.swagger.io: the page names no other host.
            "validatorUrl": None,
        }
        page = _SWAGGER_UI_PAGE.format(
            title=html.escape(f"{app.title} - Swagger UI"),
            css=f"{static}/{SWAGGER_UI}/swagger-ui.css",
            icon=f"{static}/{SWAGGER_UI}/favicon-32x32.png",
            openapi=html.escape(openapi),
            config=html.escape(json.dumps(config)),
            bundle=f"{static}/{SWAGGER_UI}/swagger-ui-bundle.js",
            start=f"{static}/{start}",
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": SWAGGER_UI_POLICY})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        static = f"{root}{STATIC_URL}"
        # ReDoc starts itself from the <redoc spec-url> element: the page has no script but
        # the bundle.
        response = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{static}/{REDOC}/redoc.standalone.js",
            redoc_favicon_url=f"{static}/{SWAGGER_UI}/favicon-32x32.png",
            with_google_fonts=False,
        )
        response.headers["Content-Security-Policy"] = REDOC_POLICY
        return response
