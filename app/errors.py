"""One error hierarchy and one RFC 9457 problem+json handler for every error the API answers."""

import logging
import re
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    """An error the client should see: its status, and a detail a person can act on."""

    status: int = 500

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class InvalidInput(AppError):
    """422: one or more fields are wrong; `errors` points at each."""

    status = 422


class Unauthorized(AppError):
    status = 401

    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        # RFC 6750: say how to authenticate, and (for a bad token) what was wrong.
        challenge = f'Bearer realm="deportation-stats", error="{error}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(AppError):
    status = 403


class PreconditionFailed(AppError):
    status = 412


class PreconditionRequired(AppError):
    status = 428


class TooManyRequests(AppError):
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(retry_after, 1))})


class NotAcceptable(AppError):
    status = 406


class Unavailable(AppError):
    status = 503

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(retry_after, 1))})


def lock_not_granted(exc: BaseException) -> bool:
    """Whether a database error says the write lock was not had in time: SQLite's busy
    timeout ("database is locked") or PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    original = getattr(exc, "orig", None)
    if getattr(original, "sqlstate", None) == "55P03":
        return True
    return type(original).__name__ == "OperationalError" and "database is locked" in str(original)


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
    response = Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )
    # An error is about this request only: no cache may keep or reuse it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _pointer(location: tuple[Any, ...]) -> tuple[str, str]:
    """("query", "limit") -> ("query", "#/limit"); ("body", "quote_span", "start") -> body."""
    where = str(location[0]) if location else "body"
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in location[1:]]
    return where, "#/" + "/".join(parts)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors():
        location, pointer = _pointer(tuple(error.get("loc", ())))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would go.
            position = error.get("loc", ("body", "?"))[-1]
            pointer, message = "#", f"{message} (at character {position})"
        errors.append({"pointer": pointer, "location": location, "detail": message})
    return errors


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


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    fields = ", ".join(f"{e['location']} {e['pointer'].removeprefix('#/')}" for e in errors)
    return problem(422, f"invalid input: {fields}", request=request, errors=errors)


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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
