"""Errors as HTTP answers: one RFC 9457 problem+json shape, one handler per kind of error."""

import logging
import re
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from app import pages
from app.errors import (
    AppError,
    ToPage,
    Unavailable,
    body_not_an_object,
    field_errors,
    invalid,
    lock_not_granted,
)

log = logging.getLogger("app.problems")

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    detail: str,
    *,
    request: Request | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    if request is not None and pages.for_people(request):
        response: Response = pages.error_page(request, status, body["title"], detail, errors or [])
        response.headers.update(headers or {})
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = "Accept"
        return response
    response = Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )
    if request is not None and pages.outside_the_api(request):
        response.headers["Vary"] = "Accept"  # a browser would have had a page
    # An error is about this request only: no cache may keep or reuse it.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem(exc.status, exc.detail, request=request, errors=exc.errors, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route matches {request.url.path}"
    headers = exc.headers
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        detail = (
            f"{request.method} is not allowed on {request.url.path}; "
            f"it answers {', '.join(allowed)}"
        )
        headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
    headers = dict(headers) if headers is not None else None
    return problem(exc.status_code, detail, request=request, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the API answers on this path, read from its OpenAPI document (Starlette
    names only the first matching route's); HEAD wherever GET is, as every GET answers HEAD."""
    table = getattr(request.app.state, "methods_by_path", None)
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"),
                {method.upper() for method in operations},
            )
            for path, operations in request.app.openapi()["paths"].items()
        ]
        request.app.state.methods_by_path = table
    methods = set().union(*(found for pattern, found in table if pattern.match(request.url.path)))
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = list(exc.errors())
    sent = request.headers.get("content-type")
    if sent is not None and not _is_json(sent) and any(body_not_an_object(e) for e in found):
        # A form or plain text where JSON was wanted: say what to send, not what failed.
        return problem(
            415,
            f"send the body as JSON with Content-Type: application/json (it came as "
            f"{sent[:100]!r}), e.g. curl -X {request.method} -H 'Content-Type: "
            f"application/json' --data @body.json {request.url.path}",
            request=request,
        )
    refused = invalid(field_errors(found))
    return problem(422, refused.detail, request=request, errors=refused.errors)


async def _database_error(request: Request, exc: Exception) -> Response:
    if lock_not_granted(exc):
        log.warning("write lock not granted in time on %s", request.url.path)
        return await _app_error(
            request,
            Unavailable("another write holds the lock; nothing was written: try again in a moment"),
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The trace goes to the log, never to the client.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500, "the server failed to answer this request; it has been logged", request=request
    )


async def _to_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ToPage)
    return RedirectResponse(exc.path, status_code=303, headers={"Vary": "Accept"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(ToPage, _to_page)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
