"""What a request may ask for: the media types a resource answers in (406 otherwise) and
the query parameters its route declares (422 otherwise)."""

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from app import linked_data
from app.errors import InvalidInput, NotAcceptable, ToPage
from app.negotiation import negotiate

# A browser asks for HTML first: it is sent to the resource's page (303), while a program
# (curl, fetch, pandas: */* or no Accept, or JSON, JSON-LD) gets what it always got.
PAGE = "text/html"


async def json_only(request: Request) -> None:
    """For routes that answer JSON alone: an Accept that excludes it is a 406."""
    if negotiate(request.scope, request.headers.get("accept"), ["application/json"]) is None:
        raise NotAcceptable("this resource is served as application/json")


JsonOnly = Depends(json_only)


async def json_or_home(
    request: Request,
    format: Annotated[
        Literal["json"] | None, Query(description="json: JSON, whatever Accept says.")
    ] = None,
) -> None:
    """JSON, or for a browser (HTML first) the home page: /v1 is the API's front door.
    `?format=json` is JSON for anyone, so that a page can link the JSON itself."""
    if format:
        return
    accept = request.headers.get("accept")
    chosen = negotiate(request.scope, accept, ["application/json", PAGE])
    if chosen == PAGE:
        raise ToPage("/")
    if chosen is None:
        raise NotAcceptable("this resource is served as application/json")


JsonOrHome = Depends(json_or_home)

LINKED_DATA = linked_data.MEDIA_TYPE
JSON_OR_LINKED_DATA = ["application/json", LINKED_DATA]


CSV = "text/csv"

FORMATS = {"json": "application/json", "jsonld": LINKED_DATA, "csv": CSV}
FormatParameter = Annotated[
    Literal["json", "jsonld"] | None,
    Query(description="json or jsonld (schema.org JSON-LD); overrides Accept."),
]
# A figure is also one CSV row, with the columns of the list's CSV.
FigureFormatParameter = Annotated[
    Literal["json", "jsonld", "csv"] | None,
    Query(description="json, jsonld (schema.org JSON-LD) or csv (one row); overrides Accept."),
]


def representation(
    request: Request, format: str | None, offered: list[str] = JSON_OR_LINKED_DATA
) -> str:
    """JSON, JSON-LD or another of `offered` (by `?format=` or Accept), or PAGE for a
    browser; 406 if none fits."""
    if format:
        return FORMATS[format]
    chosen = negotiate(request.scope, request.headers.get("accept"), [*offered, PAGE])
    if chosen is None:
        raise NotAcceptable(f"this resource is served as {' or '.join(offered)}")
    return chosen


async def json_or_linked_data(request: Request, format: FormatParameter = None) -> str:
    """For resources that a JSON-LD document links by `@id`: the media type chosen, JSON
    unless Accept prefers JSON-LD (or HTML: PAGE, for a browser); 406 if it takes none."""
    return representation(request, format)


JsonOrLinkedData = Annotated[str, Depends(json_or_linked_data)]


_QUERY_NAMES: dict[tuple[str, str], set[str]] | None = None


async def known_query_parameters(request: Request) -> None:
    """Every route refuses query parameters it does not declare (`?styel=apa` is a 422, not
    the default style), as the list routes' own models do; read from the OpenAPI document."""
    global _QUERY_NAMES
    if not request.scope["query_string"]:
        return
    template = getattr(request.scope.get("route"), "path_format", None)
    table = _QUERY_NAMES
    if table is None:
        # Parameter names come from the code, not the settings: one table per process.
        table = _QUERY_NAMES = {
            (path, method.upper()): {
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            }
            for path, operations in request.app.openapi()["paths"].items()
            for method, operation in operations.items()
        }
    method = "GET" if request.method == "HEAD" else request.method
    allowed = table.get((str(template), method))
    if allowed is None:
        return  # not an operation of the API (the docs pages)
    unknown = sorted({name for name in request.query_params} - allowed)
    if unknown:
        raise InvalidInput(
            f"invalid input: query {', '.join(unknown)}",
            errors=[
                {
                    "pointer": f"#/{name}",
                    "location": "query",
                    "detail": "not a parameter of this route"
                    + (f"; it takes {', '.join(sorted(allowed))}" if allowed else ""),
                }
                for name in unknown
            ],
        )
