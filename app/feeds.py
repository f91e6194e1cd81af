"""What search engines and feed readers read: robots.txt, the sitemap (an index of files of
at most 50,000 pages each, sitemaps.org 0.9) and the Atom feeds of corrections and
retractions (RFC 4287). XML from Jinja2 templates with autoescape on, so a reason holding
`<script>` or `&` is text; characters XML 1.0 cannot hold (control characters a reason may
carry) become U+FFFD, so a feed always parses."""

import re
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from jinja2 import Environment, FileSystemLoader

from app.mapping import page_path
from app.responses import base_url
from app.services.changes import Change
from app.services.loader import revised_by

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
FEED_ENTRIES = 50  # newest first: a feed reader polls for what is new, not the archive
# The answers vary on nothing a client sends but whether it takes gzip.
HEADERS = {"Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
# XML 1.0's Char production, negated: what no XML document may contain.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> Any:
    """Every value a template writes, made fit for XML before it is escaped."""
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    finalize=xml_text,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["revised_by"] = revised_by


def robots(request: Request) -> str:
    """Crawl the pages, not the API; but fetch the stored texts, whose `X-Robots-Tag:
    noindex` a crawler can only obey if it may read it (README, "Search engines and feeds")."""
    return (
        "# deportation-stats: the pages are for people and search engines; /v1 is the API,\n"
        "# for programs, with the same data (and whole-list downloads no crawler needs).\n"
        "User-agent: *\n"
        "Allow: /\n"
        "Disallow: /v1\n"
        "Allow: /v1/sources/*/text\n"
        "\n"
        f"Sitemap: {base_url(request)}/sitemap.xml\n"
    )


def render(template: str, media_type: str, **context: Any) -> Response:
    body = TEMPLATES.get_template(template).render(**context)
    return Response(body, media_type=media_type, headers=HEADERS)


def timestamp(moment: Any) -> str:
    """RFC 3339 in UTC, as Atom's dates and a sitemap's lastmod are written."""
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def feed(
    request: Request,
    *,
    path: str,
    title: str,
    page: str,
    changes: list[Change],
    updated: Any,
) -> Response:
    """An Atom feed at `path` (its id and self link) about the page at `page`."""
    base = base_url(request)
    return render(
        "changes.atom",
        ATOM,
        base=base,
        self_url=f"{base}{path}",
        page_url=f"{base}{page}",
        title=title,
        updated=timestamp(updated),
        entries=[
            (change, f"{base}{page_path('figure', change.figure_id)}#revision-{change.number}")
            for change in changes
        ],
        timestamp=timestamp,
    )
