"""The OpenAPI document: problem+json on every error status, and examples from the real data."""

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.citations import EXPORTS, MEDIA_TYPES, Style
from app.problems import PROBLEM_MEDIA_TYPE
from app.schemas.reads import Problem
from app.workbooks import MEDIA_TYPE as WORKBOOK_MEDIA_TYPE

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
# The request whose real answer is each operation's example (scripts/make_openapi_examples.py).
EXAMPLE_REQUESTS = {
    "GET /v1": "/v1",
    "GET /v1/figures": "/v1/figures?measure=final-removal-orders",
    "GET /v1/figures/{figure_id}": "/v1/figures/final-removal-orders-2017-12",
    "GET /v1/figures/{figure_id}/history": "/v1/figures/final-removal-orders-2017-12/history",
    "GET /v1/measures": "/v1/measures?limit=1",
    "GET /v1/measures/{measure_id}": "/v1/measures/removals-us-to-cambodia",
    "GET /v1/measures/{measure_id}/figures": "/v1/measures/final-removal-orders/figures",
    "GET /v1/derived": "/v1/derived?limit=1",
    "GET /v1/derived/{derived_id}": "/v1/derived/final-removal-orders-criminal-share-2017-12",
    "GET /v1/sources": "/v1/sources",
    "GET /v1/sources/{source_id}": "/v1/sources/khmer-times-2018-02-us-deportees",
    "GET /v1/sources/{source_id}/candidates": (
        "/v1/sources/khmer-times-2018-02-us-deportees/candidates"
    ),
    "GET /v1/datapackage.json": "/v1/datapackage.json",
    "GET /v1/pandas/{table}": "/v1/pandas/sources",
    "GET /healthz": "/healthz",
    "GET /readyz": "/readyz",
}

_DESCRIPTIONS = {
    404: "No such resource; the detail names the id.",
    405: "This path does not answer that method.",
    400: "The body cannot be parsed: not JSON, not UTF-8, or nested too deeply; or "
    "Content-Length is not a number; or If-Match is `*` or not an ETag (send the figure's).",
    401: "No token, or a malformed, unknown or revoked one (WWW-Authenticate says how).",
    403: "The token lacks the scope this route needs.",
    406: "None of the media types in Accept can be served; the detail lists those that can.",
    409: "Conflict with the current state.",
    412: "If-Match does not match the figure's current ETag: it changed since you read it.",
    415: "The body was sent as another media type than JSON: send it as JSON, with "
    "Content-Type: application/json.",
    413: "The request body is larger than DEPSTATS_MAX_BODY_BYTES.",
    428: "If-Match is required to correct a figure: send the ETag you read it with.",
    429: "Too many writes from this token, failed authentications from this client, or "
    "whole-list downloads at once from this client; see Retry-After.",
    422: "Invalid input, a cursor this API did not make among it; `errors` has one pointer "
    "per invalid field.",
    500: "The server failed; the detail says so and nothing more (no trace).",
    503: "Not ready (the database is unreachable or its schema is not at head), or another "
    "write held the lock too long: nothing was written; see Retry-After.",
}
_PROBLEM_EXAMPLES = {
    400: "There was an error parsing the body",
    404: "no figure with id 'removals-2016'",
    405: "POST is not allowed on /v1/figures",
    422: "invalid input: query limit",
    500: "the server failed to answer this request; it has been logged",
    503: "database not ready: schema is at None, head is 0001",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry declaring these error statuses as problem+json."""
    return {status: {"description": _DESCRIPTIONS[status]} for status in statuses}


def list_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A list route: JSON by default, the bulk formats CSV and NDJSON, and an Excel workbook."""
    return {
        **problem_responses(406, 422, 429, *statuses),
        200: {
            "description": "A JSON page; or the page as JSON-LD, a schema.org Dataset of its "
            "items; or, as CSV or NDJSON, every matching row (one page when limit or cursor is "
            "given); or, as xlsx, every matching row in an Excel workbook.",
            "content": {
                "application/ld+json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                WORKBOOK_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
    }


def linked_data_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """A resource that also answers as schema.org JSON-LD (Accept: application/ld+json)."""
    return {
        **problem_responses(404, 406),
        200: {
            "content": {
                "application/ld+json": {"schema": {"type": "object"}, "description": description}
            }
        },
    }


def citation_responses(*, exports_only: bool = False) -> dict[int | str, dict[str, Any]]:
    """A citation route: one 200 media type per style (per reference manager's format, if
    `exports_only`), and its errors."""
    styles = [s for s in MEDIA_TYPES if not exports_only or s in EXPORTS]
    content: dict[str, Any] = {
        media.split(";")[0]: {"schema": {"type": "string"}}
        for media in dict.fromkeys(MEDIA_TYPES[s] for s in styles)
    }
    if not exports_only:  # format=html: the prose styles as citeproc-js's HTML
        content["text/html"] = {"schema": {"type": "string"}}
    # CSL-JSON is JSON: an array of one item per work cited.
    content[MEDIA_TYPES[Style.CSL_JSON]] = {
        "schema": {"type": "array", "items": {"type": "object"}}
    }
    return {
        **problem_responses(404, 406, 422),
        200: {"description": "The citation in the requested style.", "content": content},
    }


def _problem_content(status: int) -> dict[str, Any]:
    example: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": _PROBLEM_EXAMPLES.get(status, _DESCRIPTIONS[status]),
    }
    if status == 422:
        example["errors"] = [
            {"pointer": "#/limit", "location": "query", "detail": "must be at most 1000"}
        ]
    return {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}
    }


def _state_setting_limits(schema: dict[str, Any], settings: Any) -> None:
    """Limits are settings, so the document states the ones this server runs with."""
    limits = {
        "limit": ("maximum", settings.max_page_size),
        "q": ("maxLength", settings.max_query_length),
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in limits:
                    key, value = limits[parameter["name"]]
                    for branch in parameter["schema"].get("anyOf", [parameter["schema"]]):
                        if branch.get("type") in ("integer", "string"):
                            branch[key] = value


def load_examples() -> dict[str, Any]:
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter is left out, never sent as null: `X | None` is X in a query or
    header (else clients, and the fuzzer, send the text "null")."""
    alternatives = schema.get("anyOf")
    if not alternatives or {"type": "null"} not in alternatives or len(alternatives) != 2:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**next(a for a in alternatives if a != {"type": "null"}), **rest}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(
            Problem.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {})
        )
        components["Problem"] = {
            k: v
            for k, v in Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            ).items()
            if k != "$defs"
        }
        # FastAPI's own 422 shape is replaced by ours everywhere.
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        _state_setting_limits(schema, app.state.settings)
        schema["components"].setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `depstats token create`, as `Authorization: Bearer "
            "dps_...`; scope `write` to create, correct and retract figures, `admin` to also "
            "add sources.",
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "401" in operation.get("responses", {}):
                    operation["security"] = [{"bearer": []}]
        examples = load_examples()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = _without_null(parameter["schema"])
                responses = operation.setdefault("responses", {})
                responses.setdefault("405", {"description": _DESCRIPTIONS[405]})
                responses.setdefault("500", {"description": _DESCRIPTIONS[500]})
                for status, response in responses.items():
                    if int(status) >= 400:
                        response["content"] = _problem_content(int(status))
                        response["description"] = _DESCRIPTIONS.get(
                            int(status), response["description"]
                        )
                example = examples.get(f"{method.upper()} {path}")
                ok = responses.get("200", {}).get("content", {})
                if example is not None:
                    for media in ok.values():
                        media["example"] = example["body"]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
