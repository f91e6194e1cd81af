"""One error hierarchy for every error a client should see, and how a validation error names
its fields (JSON pointers). No HTTP here: app/problems.py turns these into problem+json."""

import re
from typing import Any


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


class BadRequest(AppError):
    status = 400


class UnsupportedMediaType(AppError):
    status = 415


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


class ToPage(Exception):
    """Not an error: a browser asked an API URL for HTML, and is sent (303) to `path`, the
    page for people that shows the same thing."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


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


def pointer(location: tuple[Any, ...] | list[Any]) -> tuple[str, str]:
    """("query", "limit") -> ("query", "#/limit"); ("body", "quote_span", "start") ->
    ("body", "#/quote_span/start"), each part escaped as RFC 6901 says."""
    where = str(location[0]) if location else "body"
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in location[1:]]
    return where, "#/" + "/".join(parts)


_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}
_NOT_A_NUMBER = {"float_type", "int_type", "decimal_type", "float_parsing", "int_parsing"}


def body_not_an_object(error: dict[str, Any]) -> bool:
    """Whether Pydantic's error is about the whole body not being a JSON object."""
    return tuple(error.get("loc", ())) == ("body",) and error.get("type") in _NOT_AN_OBJECT


def _message(error: dict[str, Any], where: str) -> str:
    """Pydantic's message, or ours where it would not tell a person what to send."""
    given = error.get("input")
    if body_not_an_object(error):
        return 'send a JSON object, {"field": value, ...}, with the fields this route documents'
    if where == "body" and error.get("type") in _NOT_A_NUMBER and isinstance(given, str):
        shown = given if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", given) else "28"
        return f'send a JSON number, not a string: {shown}, not "{given[:40]}"'
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def field_errors(found: list[Any], *, location: str | None = None) -> list[dict[str, str]]:
    """Pydantic's errors as ours: a pointer, where, and a detail a person can act on. Their
    `loc` starts with the location unless `location` is given (a model validated alone)."""
    errors = []
    for error in found:
        loc = tuple(error.get("loc", ()))
        where, at = pointer((location, *loc) if location else loc)
        message = _message(error, where)
        if error.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would go.
            at, message = "#", f"{message} (at character {loc[-1] if loc else '?'})"
        errors.append({"pointer": at, "location": where, "detail": message})
    return errors


def invalid(errors: list[dict[str, str]]) -> InvalidInput:
    """A 422 naming every invalid field."""
    fields = ", ".join(f"{e['location']} {e['pointer'].removeprefix('#/')}" for e in errors)
    return InvalidInput(f"invalid input: {fields.strip()}", errors=errors)


def invalid_field(location: str, path: str, detail: str) -> InvalidInput:
    """A 422 for one field at `path` ("limit", "relations/0/figure") of the query or body."""
    return invalid([{"pointer": f"#/{path}", "location": location, "detail": detail}])
