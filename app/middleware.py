"""HTTP behaviour every route shares: request ids and access logs; conditional GETs.

Pure ASGI, so that streamed bulk responses pass through without being buffered.
"""

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request

from app.etags import etag_matches, etag_of
from app.logs import printable
from app.problems import problem
from app.scopes import HEAD_FLAG, UNLOGGED

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("depstats.access")

# A client's own id is echoed only when it is short and plain: it lands in our logs.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What a 304 repeats of the 200 it stands for (RFC 9110, section 15.4.5).
KEPT_ON_304 = {
    b"etag",
    b"cache-control",
    b"vary",
    b"content-location",
    b"date",
    b"expires",
    b"link",
}
READ_VARY = "Accept, Accept-Encoding"


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _dedupe_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """One Vary header with each name once (GZip appends Accept-Encoding to ours)."""
    names: list[str] = []
    rest = []
    for key, value in headers:
        if key.lower() == b"vary":
            for name in value.decode("latin-1").split(","):
                if name.strip() and name.strip().lower() not in [n.lower() for n in names]:
                    names.append(name.strip())
        else:
            rest.append((key, value))
    if names:
        rest.append((b"vary", ", ".join(names).encode("latin-1")))
    return rest


class RequestContext:
    """Gives every response that passes through it an X-Request-ID, and writes one access-log
    line per request. An unhandled error's 500 is made outside it, by Starlette's
    ServerErrorMiddleware: that answer has no X-Request-ID; its log line says 500."""

    def __init__(self, app: ASGIApp, *, log_format: str = "text") -> None:
        self.app = app
        self.json = log_format == "json"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header(scope, b"x-request-id")
        request_id = given if given and _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = _dedupe_vary(headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._log(request_id, scope, status, time.perf_counter() - started)

    def _log(self, request_id: str, scope: Scope, status: int, seconds: float) -> None:
        if not access_log.isEnabledFor(logging.INFO) or UNLOGGED in scope.get("extensions", {}):
            return
        # The target as the client sent it (percent-encoded, so it holds no space), not as
        # decoded: one field of the line, whatever it carries.
        target = (scope.get("raw_path") or scope.get("path", "").encode()).decode("latin-1")
        if query := scope.get("query_string", b""):
            target += "?" + query.decode("latin-1")
        milliseconds = round(seconds * 1000, 2)
        if self.json:
            line = orjson.dumps(
                {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": target,
                    "status": status,
                    "duration_ms": milliseconds,
                }
            ).decode()
        else:
            line = printable(f"{request_id} {scope['method']} {target} {status} {milliseconds}ms")
        access_log.info(line)


class ConditionalGet:
    """GET and HEAD: a weak ETag computed from the body, 304 for a matching If-None-Match,
    Cache-Control and Vary on reads. HEAD is answered as GET without the body.

    A response that brings its own ETag (a figure's is derived from its revision; a streamed
    bulk download hashes its rows first) passes through unbuffered, and is answered with a
    304 here when its ETag matches."""

    def __init__(self, app: ASGIApp, *, max_age: int) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET", HEAD_FLAG: True}
        if_none_match = header(scope, b"if-none-match")
        start: Message | None = None
        buffered: list[bytes] = []
        passing = drop_body = finished = False

        async def reply(message: Message) -> None:
            nonlocal start, passing, drop_body, finished
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                passing = message["status"] != 200 or b"etag" in names
                drop_body = head
                if message["status"] in (200, 304) and b"etag" in names:
                    headers = self._read_headers(headers, names)
                    etag = next(v.decode("latin-1") for k, v in headers if k.lower() == b"etag")
                    if message["status"] == 200 and etag_matches(if_none_match, etag):
                        message = {
                            **message,
                            "status": 304,
                            "headers": [(k, v) for k, v in headers if k.lower() in KEPT_ON_304],
                        }
                        drop_body = True
                    else:
                        message = {**message, "headers": headers}
                if passing:
                    await send(message)
                else:
                    start = message
                return
            if passing:
                if not drop_body:
                    await send(message)
                elif not finished:
                    # One empty body closes the response; what else the app sends is dropped.
                    finished = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            buffered.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish(start, b"".join(buffered), if_none_match, head, send)

        await self.app(scope, receive, reply)

    def _read_headers(
        self, headers: list[tuple[bytes, bytes]], names: set[bytes]
    ) -> list[tuple[bytes, bytes]]:
        if b"cache-control" not in names:
            headers.append((b"cache-control", self.cache_control))
        if b"vary" not in names:
            headers.append((b"vary", READ_VARY.encode()))
        return headers

    async def _finish(
        self, start: Message | None, body: bytes, if_none_match: str | None, head: bool, send: Send
    ) -> None:
        assert start is not None
        etag = etag_of(body)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
        headers.append((b"etag", etag.encode()))
        headers = self._read_headers(headers, {k.lower() for k, _ in headers})
        if etag_matches(if_none_match, etag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(k, v) for k, v in headers if k.lower() in KEPT_ON_304],
                }
            )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({**start, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if head else body, "more_body": False}
        )


class BodyLimit:
    """413 for a request body over `max_bytes`, without reading it whole: at once when
    Content-Length says so, or as soon as a chunked body passes the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        too_large = f"the request body is larger than {self.max_bytes} bytes"
        if declared is not None:
            if not declared.isdigit():
                await problem(
                    400, "Content-Length must be a number of bytes", request=Request(scope)
                )(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await problem(413, too_large, request=Request(scope))(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the app's body read: the error handlers answer 413.
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)
