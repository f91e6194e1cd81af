"""Which answers a bake asks the app for: the URLs of every route and id (`routes`), and the
links their answers hold that the bake answers (`bakeable`); after corrections alone, only
those that name what changed and those that name nothing (the home page, the feeds...), the
long ones of them left to the app until the others are baked (`due`).

A correction changes a figure's words and numbers; it moves no figure between lists, pages or
measures and changes no count, so an answer that does not name the figure, and names some
other figure, measure, source or derived figure, is what it was (the whole lists' downloads
too, whose ETag is made of the dataset's version: the front serves them with the version of
the last bake, baked_tree.served), unless it is made of when things changed (the feed of
changes, which a correction may start to name; the sitemaps, whose dates follow the figures
they do not name), or its body cannot be read (a workbook: it stands by what its path's
other answers name). Anything else (a new
figure, a retraction, a figure moved to another measure, source or period, any change to a
measure, source or derived figure, a re-render) is baked whole. A test holds an incremental
bake to a whole one, head for head.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import citations
from app.baked_tree import Answer, path_file
from app.models import Revision

CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The Accept values the front answers from the files, by class: each value of a class gets the
# answer baked for its first. "none" is a request without Accept (or with an empty one). Any
# other Accept goes to the app.
ACCEPTS: dict[str, tuple[str, ...]] = {
    "none": ("",),
    "any": ("*/*",),
    "json": ("application/json",),
    "jsonld": ("application/ld+json",),
    "csv": ("text/csv",),
    "ndjson": ("application/x-ndjson",),
    "xlsx": (XLSX,),
    "text": ("text/plain",),
    "html": ("text/html",),
    "ris": ("application/x-research-info-systems",),
    "bibtex": ("application/x-bibtex",),
    "csl": ("application/vnd.citationstyles.csl+json",),
    "browser": (CHROME, FIREFOX, SAFARI),
    "style": ("text/css,*/*;q=0.1",),
    "image": (
        "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        "image/avif,image/webp,*/*",
    ),
}
CLASS_OF_TYPE = {values[0]: name for name, values in ACCEPTS.items() if "/" in values[0]}
# The code's own files: what browsers send for them (FILES_ALSO) is asked too; they name no
# figure (their bodies are not read for ids) and no correction changes them.
FILES = ("/assets/", "/static/")
FILES_ALSO = ("style", "image")

EXTENSIONS = {
    "application/json": "json",
    "application/ld+json": "jsonld",
    "text/csv": "csv",
    "application/x-ndjson": "ndjson",
    XLSX: "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "application/x-research-info-systems": "ris",
    "application/x-bibtex": "bib",
    "application/vnd.citationstyles.csl+json": "csl.json",
    "application/atom+xml": "atom",
    "application/xml": "xml",
}

EVERY_PATH = ("none", "any", "html", "browser")
WITH_QUERY = ("none", "any", "browser")
NOT_BAKED = ("/healthz", "/readyz", "/v1/citations", "/v1/extract")
QUERY_BAKED = {"format", "style", "cursor", "from"}
SEEDS = (
    "/",
    "/about",
    "/measures",
    "/sources",
    "/derived",
    "/search",
    "/robots.txt",
    "/sitemap.xml",
    "/feeds/changes.atom",
    "/docs",
    "/redoc",
    "/openapi.json",
)
PAGES_OF = {
    "figures": ("/figures/{}", "/figures/{}/changes.atom"),
    "measures": ("/measures/{}",),
    "sources": ("/sources/{}",),
    "derived": ("/derived/{}",),
}
KIND_OF_PARAMETER = {
    "figure_id": "figures",
    "measure_id": "measures",
    "source_id": "sources",
    "derived_id": "derived",
}

_WORD = re.compile(rb"[a-z0-9]+(?:-[a-z0-9]+)*")
# Answers made of when things changed: the feed of changes (a correction may add to it a figure
# it did not name) and the sitemaps (a derived figure's or a measure's last change is its
# figures', whose ids a sitemap does not name).
WHEN_CHANGED = ("/feeds/", "/sitemaps/", "/sitemap.xml")
# What a correction may not change and stay a correction: where the figure is listed and how.
PLACE = ("id", "measure", "source", "period", "as_of", "stated", "status")
# The record of an URL asked again after corrections that gave no answer to bake (an error):
# it names nothing, so the app answers it until the next correction asks again.
NOTHING: dict[str, Any] = {
    "heads": [],
    "bodies": [],
    "stable": [],
    "mentions": [],
    "opaque": False,
    "seconds": 0.0,
}


def bakeable(url: str) -> bool:
    """Whether an URL (path and query) is one the bake answers: see the module's docstring."""
    path, _, query = url.partition("?")
    if path.startswith(NOT_BAKED) or path.endswith("/candidates") or "/~" in path:
        return False
    if path != "/" and path.endswith("/"):
        return False
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= QUERY_BAKED:
        return False
    return not (query and path == "/search")


def routes(
    document: dict[str, Any], ids: dict[str, list[str]], class_of_type: dict[str, str]
) -> list[tuple[str, tuple[str, ...]]]:
    """Every URL the OpenAPI document's GET routes make with every id, with the Accept
    classes each is asked in (those of the media types it offers, by `class_of_type`); then
    the pages of every id."""
    urls: list[tuple[str, tuple[str, ...]]] = []
    for template, operations in document["paths"].items():
        operation = operations.get("get")
        if not operation or not bakeable(template.replace("{", "").replace("}", "")):
            continue
        offered = {
            media
            for code, answer in operation.get("responses", {}).items()
            if code.startswith("2")
            for media in answer.get("content") or {}
        }
        classes = EVERY_PATH + tuple(
            sorted(class_of_type[m] for m in offered if m in class_of_type)
        )
        queries = _queries(document, operation)
        for path in _fill(document, template, operation, ids):
            urls.append((path, tuple(dict.fromkeys(classes))))
            urls += [(f"{path}?{query}", WITH_QUERY) for query in queries]
    for seed in SEEDS:
        urls.append((seed, EVERY_PATH))
    for kind, templates in PAGES_OF.items():
        for template in templates:
            urls += [(template.format(id_), EVERY_PATH) for id_ in ids[kind]]
    return urls


def _enum(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "enum" in schema:
        return list(schema["enum"])
    return [value for option in schema.get("anyOf", []) for value in _enum(document, option)]


def _queries(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """`format=`, `style=` and both, for every value each takes but its default (the same
    representation as leaving it out, at another URL, which goes to the app); not
    `format=html` with a style that has no HTML form, which the app refuses (a 422)."""
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in ("format", "style")
    }
    taken = {
        name: [value for value in _enum(document, schema) if value != schema.get("default")]
        for name, schema in parameters.items()
    }
    formats = [f"format={value}" for value in taken.get("format", [])]
    styles = [f"style={value}" for value in taken.get("style", [])]
    pairs = [f"{style}&{format_}" for style in styles for format_ in formats]
    if "style" not in parameters:
        return formats
    default = parameters["style"].get("default")
    return [
        query
        for query in formats + styles + pairs
        if "format=html" not in query
        or dict(parse_qsl(query)).get("style", default) in citations.PROSE
    ]


def _fill(
    document: dict[str, Any], template: str, operation: dict[str, Any], ids: dict[str, list[str]]
) -> list[str]:
    """The template with each value of its one path parameter (none: the template itself)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name = parameter["name"]
        values = ids[KIND_OF_PARAMETER[name]] if name in KIND_OF_PARAMETER else None
        if values is None:
            values = _enum(document, parameter["schema"])
        return [template.replace("{" + name + "}", value) for value in values]
    return [template]


def textual(media: str) -> bool:
    """Whether a body of this media type can be read for the ids it names."""
    return media.startswith(("text/", "application/", "image/svg")) and "spreadsheet" not in media


def classes_of(url: str) -> tuple[str, ...]:
    """The Accept classes a URL is asked in."""
    return WITH_QUERY if "?" in url else EVERY_PATH


def with_files(url: str, classes: tuple[str, ...]) -> Iterable[str]:
    """The classes, and for the code's own files the classes only they have."""
    yield from classes
    if url.startswith(FILES):
        yield from FILES_ALSO


def mentioned(bodies: Iterable[bytes], ids: set[str]) -> set[str]:
    """The ids of `ids` that the bodies name."""
    words: set[bytes] = set()
    for body in bodies:
        words.update(_WORD.findall(body))
    return {word.decode() for word in words} & ids


def newest_revision(session: Session) -> int:
    return session.scalar(select(Revision.id).order_by(Revision.id.desc()).limit(1)) or 0


def corrected(session: Session, since: int, versions: int) -> set[str] | None:
    """The figures corrected by the revisions after `since`, or None if any of those is more
    than a correction (see the module's docstring), or if the dataset's version moved by
    other than one a revision (`versions`): a re-render moves it with none."""
    changes = list(
        session.scalars(select(Revision).where(Revision.id > since).order_by(Revision.id))
    )
    if len(changes) != versions:
        return None
    figures: set[str] = set()
    for revision in changes:
        if revision.resource != "figure" or revision.number == 1:
            return None
        before = session.scalar(
            select(Revision.state).where(
                Revision.resource == "figure",
                Revision.resource_id == revision.resource_id,
                Revision.number == revision.number - 1,
            )
        )
        if before is None or any(before.get(k) != revision.state.get(k) for k in PLACE):
            return None
        figures.add(revision.resource_id)
    return figures


def names_of(records: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """By URL, the ids its answers name, a correction of which may change them: none for the
    code's own files, which no correction changes, nor for a workbook, whose body cannot be
    read: it stands by what the other answers at its path name (a list's CSV names every
    figure its workbook holds; the inventory finds it by its path, Inventory.naming). An URL
    left to the app names none here: its record comes from the inventory, whose `names` keep
    its ids as they were."""
    return {
        url: set() if url.startswith(FILES) or _opaque(record) else set(record.get("mentions", ()))
        for url, record in records.items()
    }


def always_due(
    records: dict[str, dict[str, Any]],
    names: dict[str, set[str]],
    named_elsewhere: Callable[[set[str], Iterable[str]], set[str]],
) -> dict[str, bool]:
    """By URL, whether it is due again after any correction: its answers name nothing (the
    home page; a workbook, when no other answer at its path names anything, here or, but for
    these URLs as asked now, in `named_elsewhere`: the inventory, which keeps what the URLs
    left to the app named), are made of when things changed (WHEN_CHANGED), or were left to
    the app; never the code's own files."""
    named_paths = {url.partition("?")[0] for url, ids in names.items() if ids}
    opaque = {url.partition("?")[0] for url, record in records.items() if _opaque(record)}
    asked = [url for url, record in records.items() if not record.get("deferred")]
    named_paths |= named_elsewhere(opaque - named_paths, asked)
    always = {}
    for url, record in records.items():
        path = url.partition("?")[0]
        named = path in named_paths if _opaque(record) else bool(names[url])
        left = bool(record.get("deferred"))
        always[url] = not url.startswith(FILES) and (
            left or not named or url.startswith(WHEN_CHANGED)
        )
    return always


def _opaque(record: dict[str, Any]) -> bool:
    return bool(record.get("opaque", True))


def due(
    records: dict[str, dict[str, Any]], defer: float | None
) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """Of the records of the URLs due again after corrections (bake_plan.names_of, always_due):
    those to ask again now, with their Accept classes, and, unless `defer` is None, those to
    leave to the app until the others are baked: those whose answers took `defer` seconds or
    more to bake (Settings.bake_defer_seconds: the whole lists' downloads, a source's pages
    with all its figures), and those left to it by the bake before. The front passes their
    URLs to the app meanwhile: what a correction changes is visible as soon as the short
    answers are baked."""
    now: dict[str, tuple[str, ...]] = {}
    later: set[str] = set()
    for url, record in records.items():
        long = defer is not None and record.get("seconds", 0.0) >= defer
        if defer is not None and (record.get("deferred") or long):
            later.add(url)
        else:
            now[url] = tuple(record["classes"])
    return now, later


def path_url(answer: Answer) -> str | None:
    """The path URL of an answer asked without Accept, and with no query but a format or a
    style: see baked_tree.path_file."""
    if answer.accept != "none" or answer.status != 200:
        return None
    path, _, query = answer.url.partition("?")
    pairs = dict(parse_qsl(query))
    if not set(pairs) <= {"format", "style"} or (query and "." in path.rsplit("/", 1)[-1]):
        return None
    media = dict(answer.headers).get("content-type", "").split(";")[0].strip()
    extension = EXTENSIONS.get(media)
    if extension is None:
        return path_file(path, "bin") if "." in path.rsplit("/", 1)[-1] else None
    if style := pairs.get("style"):
        extension = f"{style}.{extension}"
    return path_file(path, extension)
