"""Read responses kept in memory while the dataset they were made from is current.

The figures change rarely and are read constantly, so a read's whole answer (status, headers,
body, as the layers inside made it: negotiated, compressed, with CORS headers and ETag) is
kept per process and sent again until the dataset's version moves. The version is one row,
bumped by a trigger on every revision (migration 0004); `DatasetVersion` learns it on every
request without blocking the event loop, so a write or a load made by any process, through
the API or the command line, is seen by every worker on its next request.

An answer is kept under what it varies on and nothing else, so that what a client sends
cannot make the cache keep more than one copy of an answer per representation:

- the resource: scheme, path and query; the Host header too while DEPSTATS_PUBLIC_URL is
  unset (links are then made from it, so a forged Host never reaches another client);
- the request headers the answer names in Vary, each reduced to what the app reads of it:
  Accept to the representation the route chose (routes name their offers, see
  `app.negotiation.negotiate`), Accept-Encoding to whether it takes gzip;
- whether the request sent Origin (CORS headers are added to those that did).

HEAD shares GET's answers. Every byte kept counts against the bound, the keys' included.
"""

import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.etags import etag_matches
from app.middleware import (
    KEPT_ON_304,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header,
)
from app.negotiation import OFFERS, choose

log = logging.getLogger("depstats.cache")

# Says whether the cache answered, as CDNs do: for operators, and for the tests.
_HIT = (b"x-cache", b"hit")
_MISS = (b"x-cache", b"miss")
# Requests that may be answered per client are never cached.
_PERSONAL = (b"authorization", b"cookie")
# What a kept answer costs beyond the bytes of its key, headers and body: the Python objects
# that hold them (measured with sys.getsizeof on CPython 3.11, rounded up).
_ENTRY_OVERHEAD = 640
_HEADER_OVERHEAD = 160
Key = tuple[Any, ...]


@dataclass
class _Entry:
    etag: str | None
    not_modified: list[tuple[bytes, bytes]]  # the headers a 304 for it carries
    ok: list[tuple[bytes, bytes]] | None = None  # the 200's headers, once one was seen
    body: bytes = b""


@dataclass
class _Resource:
    """The answers kept for one resource (scheme, host, path, query), one per variant."""

    vary: tuple[bytes, ...]  # request headers its answers vary on, as its first answer said
    offers: tuple[str, ...] | None  # the media types its route chooses among, if it negotiates
    variants: dict[Key, _Entry]
    size: int


def _vary_names(headers: list[tuple[bytes, bytes]]) -> tuple[bytes, ...]:
    names = b",".join(v for k, v in headers if k == b"vary").lower().split(b",")
    return tuple(sorted({name.strip() for name in names if name.strip()}))


def _size(key: Key, entry: _Entry) -> int:
    """The bytes an entry keeps: key, headers, body, and the objects around them."""
    headers = entry.not_modified + (entry.ok or [])
    return (
        _ENTRY_OVERHEAD
        + sum(len(part) for part in key if isinstance(part, bytes | str))
        + sum(len(k) + len(v) + _HEADER_OVERHEAD for k, v in headers)
        + len(entry.body)
    )


class DatasetVersion:
    """The dataset's version, as the cache keys on it, learnt without blocking the event loop.

    On SQLite, `PRAGMA data_version` on a connection of its own that never writes (allowed on
    the loop: it reads no page) says whether any other connection committed since the last
    look; only then is the version read again, in a thread, on a second connection of its
    own. On PostgreSQL the version is read on every request, in a thread. None if it cannot
    be read: the cache then stands aside."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._watch: Any = None  # SQLite: PRAGMA data_version, in the event loop
        self._read: Any = None  # the version, in a thread
        self._seen: int | None = None  # data_version at the last read
        self._known: int | None = None
        self._reading = threading.Lock()
        self._inherited: list[Any] = []  # a forked child's: its parent's connections

    def _connection(self) -> Any:
        connection = self.engine.raw_connection()
        connection.detach()  # outside the pool, for the life of the process
        if not self.sqlite:
            connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        return connection

    async def __call__(self) -> int | None:
        try:
            if self.sqlite:
                if self._watch is None:
                    self._watch = self._connection()
                cursor = self._watch.cursor()
                try:
                    cursor.execute("PRAGMA data_version")
                    seen = cursor.fetchone()[0]
                finally:
                    cursor.close()
                if seen == self._seen and self._known is not None:
                    return self._known
                self._known = await run_in_threadpool(self._version)
                self._seen = seen
                return self._known
            return await run_in_threadpool(self._version)
        except Exception:  # any failure: answer uncached, and try again next time
            log.warning("could not read the dataset version; answering without the cache")
            self.close()
            return None

    def _version(self) -> int | None:
        # One reader at a time on the connection: requests that arrive together after a
        # commit each ask for it in a thread of their own.
        with self._reading:
            if self._read is None:
                self._read = self._connection()
            cursor = self._read.cursor()
            try:
                cursor.execute("SELECT version FROM dataset_state WHERE id = 1")
                row = cursor.fetchone()
            finally:
                cursor.close()
        return int(row[0]) if row else None

    def forget(self) -> None:
        """In a process forked from the one that opened them: leave the connections to it
        (kept referenced, so that they are never closed here) and open new ones when next
        asked (app/forked.py)."""
        self._inherited = [self._watch, self._read]
        self._seen = self._known = self._watch = self._read = None
        self._reading = threading.Lock()

    def close(self) -> None:
        self._seen = self._known = None
        for name in ("_watch", "_read"):
            connection = getattr(self, name)
            setattr(self, name, None)
            if connection is not None:
                with contextlib.suppress(Exception):  # it is being thrown away
                    connection.close()


def _not_modified_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k in KEPT_ON_304 or k.startswith(b"access-control-")]


class ResponseCache:
    """Keeps whole read answers per dataset version; `max_bytes` bounds them all, keys
    included (the oldest resources go first), `max_entry_bytes` each one (larger ones, bulk
    downloads, pass by unkept). `keyed_on_host`: whether answers depend on the Host header
    (they do while no public URL is configured)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        version: Callable[[], Awaitable[int | None]],
        max_bytes: int,
        max_entry_bytes: int,
        keyed_on_host: bool = True,
    ) -> None:
        self.app = app
        self.version = version
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.keyed_on_host = keyed_on_host
        self.resources: dict[Key, _Resource] = {}
        self.size = 0
        self.at_version: int | None = None

    def _resource_key(self, scope: Scope) -> Key:
        host = header(scope, b"host") if self.keyed_on_host else None
        return (scope["scheme"], host, scope["path"], scope["query_string"])

    @staticmethod
    def _variant(scope: Scope, vary: tuple[bytes, ...], offers: tuple[str, ...] | None) -> Key:
        """What of the request the answer depends on, reduced to what the app reads of it."""
        origin = header(scope, b"origin") is not None
        parts: list[Any] = [origin]
        for name in vary:
            value = header(scope, name)
            if name == b"accept" and offers is not None:
                parts.append(choose(value, offers))
            elif name == b"accept-encoding":
                parts.append(value is not None and "gzip" in value)  # as GZipMiddleware reads it
            else:
                parts.append(value)
        return tuple(parts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not self.max_bytes
            or any(name in _PERSONAL for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        version = await self.version()
        if version is None:
            await self.app(scope, receive, send)
            return
        if version != self.at_version:
            self.resources.clear()
            self.size = 0
            self.at_version = version
        key = self._resource_key(scope)
        resource = self.resources.get(key)
        entry = None
        if resource is not None:
            entry = resource.variants.get(self._variant(scope, resource.vary, resource.offers))
            if resource.offers is not None:
                # What the route would have noted had it run (the bake reads it: app/bake.py).
                scope.setdefault("state", {})[OFFERS] = resource.offers
        head = scope["method"] == "HEAD"
        if entry is not None:
            if_none_match = header(scope, b"if-none-match")
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
        key: Key,
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
                    kept = self._entry(entry, status, headers, b"".join(chunks), head)
                    if kept is not None and version == self.at_version:
                        self._store(scope, key, headers, kept)
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _entry(
        entry: _Entry | None,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        head: bool,
    ) -> _Entry | None:
        """What to keep of an answer: a 200 whole, a 304's headers when nothing is kept yet;
        nothing of a HEAD's 200 (its body is empty)."""
        etag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), None)
        if status == 304:
            return _Entry(etag, _not_modified_headers(headers)) if entry is None else None
        if head:
            return None
        return _Entry(etag, _not_modified_headers(headers), headers, body)

    def _store(
        self, scope: Scope, key: Key, headers: list[tuple[bytes, bytes]], entry: _Entry
    ) -> None:
        offers = scope.get("state", {}).get(OFFERS)
        resource = self.resources.get(key)
        vary = _vary_names(headers)
        if resource is None or resource.vary != vary or resource.offers != offers:
            self._drop(key)
            resource = _Resource(vary, offers, {}, 0)
        variant = self._variant(scope, vary, offers)
        cost = _size(key + variant, entry)
        if cost > self.max_entry_bytes:
            return
        old = resource.variants.pop(variant, None)
        if old is not None:
            spent = _size(key + variant, old)
            resource.size -= spent
            self.size -= spent
        self._drop(key)  # taken out while room is made, put back newest
        while self.resources and self.size + resource.size + cost > self.max_bytes:
            self._drop(next(iter(self.resources)))
        resource.variants[variant] = entry
        resource.size += cost
        self.resources[key] = resource
        self.size += resource.size

    def _drop(self, key: Key) -> None:
        resource = self.resources.pop(key, None)
        if resource is not None:
            self.size -= resource.size
