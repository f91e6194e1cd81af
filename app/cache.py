"""Read responses kept in memory while the dataset they were made from is current.

The figures change rarely and are read constantly, so a read's whole answer (status, headers,
body, as the layers inside made it: negotiated, compressed, with CORS headers and ETag) is
kept per process and sent again until the dataset's version moves. The version is one row,
bumped by a trigger on every revision (migration 0004), read on every request with one small
query on a connection of the cache's own: so a write or a load made by any process, through
the API or the command line, is seen by every worker on its next request.

An answer is kept under everything that can change it: method (HEAD shares GET's), scheme,
path, query and every request header except those that cannot change a read's answer. So
a gzipped body never reaches a client that did not ask for gzip, a CSV never answers a JSON
request, and CORS headers only go to requests that sent Origin.
"""

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from app.middleware import (
    _KEPT_ON_304,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    _header,
    etag_matches,
)

log = logging.getLogger("depstats.cache")

# Request headers no read's answer depends on: left out of the key so that clients sharing
# everything else share answers. Anything not named here splits the key.
_IGNORED = frozenset(
    {
        b"if-none-match",
        b"if-modified-since",
        b"x-request-id",
        b"user-agent",
        b"connection",
        b"keep-alive",
        b"cache-control",
        b"pragma",
        b"referer",
        b"dnt",
        b"priority",
        b"sec-fetch-dest",
        b"sec-fetch-mode",
        b"sec-fetch-site",
        b"sec-fetch-user",
        b"upgrade-insecure-requests",
    }
)
# Says whether the cache answered, as CDNs do: for operators, and for the tests.
_HIT = (b"x-cache", b"hit")
_MISS = (b"x-cache", b"miss")
# Requests that may be answered per client are never cached.
_PERSONAL = (b"authorization", b"cookie")


@dataclass
class _Entry:
    etag: str | None
    not_modified: list[tuple[bytes, bytes]]  # the headers a 304 for it carries
    ok: list[tuple[bytes, bytes]] | None = None  # the 200's headers, once one was seen
    body: bytes = b""

    @property
    def size(self) -> int:
        return len(self.body) + 512


class DatasetVersion:
    """Reads the dataset's version on a connection of its own (outside the pool, in
    autocommit, so every read sees the latest commit). None if it cannot be read: the cache
    then stands aside."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None

    def __call__(self) -> int | None:
        try:
            if self._connection is None:
                connection = self.engine.raw_connection()
                connection.detach()
                if self.engine.dialect.name == "postgresql":
                    connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
                self._connection = connection
            cursor = self._connection.cursor()
            try:
                cursor.execute("SELECT version FROM dataset_state WHERE id = 1")
                row = cursor.fetchone()
            finally:
                cursor.close()
            return int(row[0]) if row else None
        except Exception:  # any failure: answer uncached, and try again next time
            log.warning("could not read the dataset version; answering without the cache")
            self.close()
            return None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # it is being thrown away
                connection.close()


def _not_modified_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k in _KEPT_ON_304 or k.startswith(b"access-control-")]


class ResponseCache:
    """Keeps whole read answers per dataset version; `max_bytes` bounds them all (oldest go
    first), `max_entry_bytes` each one (larger ones, bulk downloads, pass by unkept)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        version: Callable[[], int | None],
        max_bytes: int,
        max_entry_bytes: int,
    ) -> None:
        self.app = app
        self.version = version
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.entries: dict[tuple[Any, ...], _Entry] = {}
        self.size = 0
        self.at_version: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not self.max_bytes
            or any(name in _PERSONAL for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        version = self.version()
        if version is None:
            await self.app(scope, receive, send)
            return
        if version != self.at_version:
            self.entries.clear()
            self.size = 0
            self.at_version = version
        key = (
            scope["scheme"],
            scope["path"],
            scope["query_string"],
            tuple(sorted((k, v) for k, v in scope["headers"] if k not in _IGNORED)),
        )
        entry = self.entries.get(key)
        head = scope["method"] == "HEAD"
        if entry is not None:
            if_none_match = _header(scope, b"if-none-match")
            if entry.etag is not None and etag_matches(if_none_match, entry.etag):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 304,
                        "headers": [*entry.not_modified, _HIT],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
            if entry.ok is not None:
                await send(
                    {"type": "http.response.start", "status": 200, "headers": [*entry.ok, _HIT]}
                )
                await send({"type": "http.response.body", "body": b"" if head else entry.body})
                return
        await self._fill(scope, receive, send, key, version, entry, head)

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[Any, ...],
        version: int,
        entry: _Entry | None,
        head: bool,
    ) -> None:
        """Answer from the app, and keep the answer if it can be kept."""
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal status, headers, size, keep
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k.lower(), v) for k, v in message.get("headers", [])]
                control = b",".join(v for k, v in headers if k == b"cache-control")
                keep = (
                    status in (200, 304)
                    and b"no-store" not in control
                    and b"private" not in control
                )
                message = {**message, "headers": [*message.get("headers", []), _MISS]}
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_entry_bytes:
                    keep = False
                    chunks.clear()
                elif not message.get("more_body", False):
                    self._keep(key, version, entry, status, headers, b"".join(chunks), head)
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(
        self,
        key: tuple[Any, ...],
        version: int,
        entry: _Entry | None,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        head: bool,
    ) -> None:
        if version != self.at_version or (status == 200 and head):
            return  # made from an older version, or a HEAD's empty body
        etag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), None)
        if status == 304:
            if entry is None:
                self._store(key, _Entry(etag, _not_modified_headers(headers)))
            return
        self._store(key, _Entry(etag, _not_modified_headers(headers), headers, body))

    def _store(self, key: tuple[Any, ...], entry: _Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old.size
        while self.entries and self.size + entry.size > self.max_bytes:
            oldest = next(iter(self.entries))
            self.size -= self.entries.pop(oldest).size
        self.entries[key] = entry
        self.size += entry.size
