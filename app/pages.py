"""Pages for people: the same figures, sources and measures as the API, as HTML a browser
reads with JavaScript off. Jinja2 through Starlette's templates, autoescaped, so no text of a
figure, note or source is ever rendered as markup; a strict Content-Security-Policy (no
inline script or style: the stylesheet and the Copy buttons' script are files of the app).

What a page shows is built here from the API's own read models; the page routes only fetch.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.responses import Response
from starlette.types import Scope

from app import citations
from app.bibliography import CitedFigure, CitedSource
from app.mapping import page_path
from app.negotiation import negotiate
from app.responses import base_url
from app.schemas.reads import FigureRead
from app.services.loader import revised_by
from app.statements import ap_date

# Jinja2 with autoescape on for every template. Pages are rendered to a string here, not
# through Starlette's TemplateResponse, which sends an extra ASGI message under the test
# client ("http.response.debug") that the middlewares need not know; the bytes are what the
# response cache keeps either way.
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
)
ASSETS = Path(__file__).parent / "assets"
# The pages name each of their files with a digest of its bytes, so a new file is a new URL
# and a browser may keep the one it has for a year instead of asking again every minute.
ASSET_URLS = {
    path.name: f"/assets/{path.name}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    for path in ASSETS.iterdir()
    if path.is_file()
}
TEMPLATES.globals["asset"] = ASSET_URLS.__getitem__
TEMPLATES.filters["revised_by"] = revised_by
# How much of a question /search reads; its boxes stop there, so a pasted question is cut,
# not answered with a 422.
SEARCH_LENGTH = 200
TEMPLATES.globals["search_length"] = SEARCH_LENGTH
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
MEDIA_TYPE = "text/html; charset=utf-8"
# No inline script or style, nothing from elsewhere; JSON-LD in a page is data, not script.
POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
STYLES = [citations.Style.APA, citations.Style.MLA, citations.Style.CHICAGO]


class Assets(StaticFiles):
    """The pages' stylesheet, script and icon: kept a year when asked for at the URL the pages
    name (its digest the file's own), else the reads' short default (an old or a bare URL)."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = f"/assets/{Path(full_path).name}?{scope['query_string'].decode('latin-1')}"
        if asked == ASSET_URLS.get(Path(full_path).name):
            response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        return response


def permalink(request: Request, kind: str, item_id: str) -> str:
    """A figure's, source's or measure's page as an absolute URL: the permalink."""
    return f"{base_url(request)}{page_path(kind, item_id)}"


def to_page(kind: str, item_id: str) -> RedirectResponse:
    """A browser that opened an API URL is sent to the page (303 See Other: the page is
    another resource, for people)."""
    return RedirectResponse(
        page_path(kind, item_id),
        status_code=303,
        headers={**alternate(kind, item_id), "Vary": "Accept"},
    )


def alternate(kind: str, item_id: str) -> dict[str, str]:
    """The `Link` header an API answer names its page with."""
    return {"Link": f'<{page_path(kind, item_id)}>; rel="alternate"; type="text/html"'}


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with its security policy."""
    html = TEMPLATES.get_template(template).render(request=request, **context)
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff"},
    )


def outside_the_api(request: Request) -> bool:
    """A URL outside the API's own (/v1, /openapi.json): its errors depend on Accept."""
    return not request.url.path.startswith(("/v1", "/openapi"))


def for_people(request: Request) -> bool:
    """Whether an error should be a page: a browser (HTML before JSON) asking for a URL
    outside the API's own, whose errors stay problem+json for all."""
    if not outside_the_api(request):
        return False
    offers = ["application/problem+json", "text/html"]
    return negotiate(request.scope, request.headers.get("accept"), offers) == "text/html"


def error_page(
    request: Request, status: int, title: str, detail: str, errors: list[dict[str, str]]
) -> HTMLResponse:
    """A 404 or a 422 on a page, as a page: what went wrong, in words for a person (no
    API markup), and the way back."""
    reasons = [f"{e['pointer'].removeprefix('#/')}: {e['detail']}" for e in errors]
    if status == 422:
        title, detail = "This address has a mistake", "part of the address could not be read"
    return render(
        request,
        "error.html",
        status=status,
        title=title,
        detail=detail,
        reasons=[reason.replace("`", "") for reason in reasons],
    )


def when(read: FigureRead) -> str:
    """ "in 2017", "from 2002 to February 2018", "as of December 2017", at its precision; in
    the source's own words first where the figure keeps them ("from 1975 until the end of the
    20th century (1975 to 2000)"), as its sentence does."""
    if read.as_of is not None:
        reading = f"as of {ap_date(read.as_of)}"
    else:
        assert read.period is not None
        start, end = ap_date(read.period.start), ap_date(read.period.end)
        reading = f"in {start}" if start == end else f"from {start} to {end}"
    words = read.wording.time_words
    if not words:
        return reading
    return f"{words} ({reading.removeprefix('from ')})"


@dataclass(frozen=True)
class Marked:
    """A quote cut around the number it states: before, the number, after."""

    before: str
    number: str
    after: str


def marked_quote(read: FigureRead) -> Marked:
    start = read.value_span.start - read.quote_span.start
    end = read.value_span.end - read.quote_span.start
    return Marked(read.quote[:start], read.quote[start:end], read.quote[end:])


@dataclass(frozen=True)
class Cited:
    """One citation style for the page: its name, HTML entries, and plain text to copy."""

    name: str
    html: list[str]
    text: str


STYLE_NAMES = {
    citations.Style.APA: "APA 7",
    citations.Style.MLA: "MLA 9",
    citations.Style.CHICAGO: "Chicago 18th, author-date",
}


def figure_citations(source: CitedSource, figure: CitedFigure) -> list[Cited]:
    """Every prose style, as HTML to show (citeproc-js's markup, which we write: not user
    text as such, since `csl.entry` escapes every field) and as text to copy."""
    found = []
    for style in STYLES:
        html = citations.cite(style, source, figure, html=True).splitlines()
        text = citations.cite(style, source, figure)
        found.append(Cited(STYLE_NAMES[style], html, text.strip()))
    return found


@dataclass(frozen=True)
class Stretch:
    """A stretch of a quoted passage: plain, or a figure's number, linked to the figure and
    its anchor; `also` names other figures stating the same number (anchors only)."""

    text: str
    figure: str | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Highlight:
    """A stretch of a source's text: plain, or a quoted passage cut into stretches."""

    text: str
    quoted: tuple[Stretch, ...] = ()


def highlighted_text(text: str, reads: list[FigureRead]) -> list[Highlight]:
    """The source's stored text cut into plain stretches and quoted passages, in order.
    Quotes that overlap (figures sharing a sentence) make one passage, in which every
    figure's number is marked and anchored by the figure's id, so that each figure page's
    link lands on its own number."""
    passages: list[tuple[int, int, list[FigureRead]]] = []
    for read in sorted(reads, key=lambda r: (r.quote_span.start, r.id)):
        start, end = read.quote_span.start, read.quote_span.end
        if passages and start < passages[-1][1]:
            first, last, members = passages[-1]
            passages[-1] = (first, max(last, end), [*members, read])
        else:
            passages.append((start, end, [read]))
    pieces: list[Highlight] = []
    at = 0
    for start, end, members in passages:
        pieces.append(Highlight(text[at:start]))
        pieces.append(Highlight("", _numbers(text, start, end, members)))
        at = end
    pieces.append(Highlight(text[at:]))
    return pieces


def _numbers(text: str, start: int, end: int, members: list[FigureRead]) -> tuple[Stretch, ...]:
    """A passage with each figure's number marked; a number overlapping one marked before it
    keeps an anchor at the passage's start."""
    stating: dict[tuple[int, int], list[str]] = {}
    for read in sorted(members, key=lambda r: (r.value_span.start, r.id)):
        stating.setdefault((read.value_span.start, read.value_span.end), []).append(read.id)
    stretches: list[Stretch] = []
    unmarked: list[str] = []
    at = start
    for (number_start, number_end), ids in sorted(stating.items()):
        if number_start < at:
            unmarked += ids
            continue
        stretches.append(Stretch(text[at:number_start]))
        stretches.append(Stretch(text[number_start:number_end], ids[0], tuple(ids[1:])))
        at = number_end
    stretches.append(Stretch(text[at:end]))
    if unmarked:
        stretches.insert(0, Stretch("", also=tuple(unmarked)))
    return tuple(stretches)


def count_words(total: int, shown: int, said: str) -> str:
    """ "No figure", "1 figure", "1,000+ figures, the first 20 shown"; `said` is the count
    as the search says it (capped: "1,000+")."""
    if total == 0:
        return "No figure"
    if said == "1":
        return "1 figure"
    if shown < total:
        return f"{said} figures, the first {shown} shown"
    return f"{said} figures"
