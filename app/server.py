"""The HTTP protocol `depstats serve` speaks: uvicorn's httptools protocol, with deadlines for
slow clients and a cap on request headers, which uvicorn has no setting for.

- Request headers must all arrive within DEPSTATS_HEADER_TIMEOUT seconds of the connection
  (or of the request's first byte, on a kept-alive connection), and weigh at most
  DEPSTATS_MAX_HEADER_BYTES in all: else 408 or 431, and the connection is closed.
- A request body may pause for at most DEPSTATS_BODY_TIMEOUT seconds: else 408 and close.
- A response the client stops reading (its buffers full, nothing sent) is closed after
  DEPSTATS_SEND_TIMEOUT seconds; the app then sees the client gone, and a bulk download ends
  its read transaction.

It subclasses a class of uvicorn's that is not a public API: uvicorn is pinned to the minor
version these hooks were written and tested against (pyproject.toml), and
tests/test_hostile.py drives each deadline over real sockets.
"""

import asyncio
import logging
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings

log = logging.getLogger("depstats.server")

_END_OF_HEADERS = b"\r\n\r\n"


def _problem(status: int, title: str, detail: str) -> bytes:
    """A whole HTTP/1.1 response carrying an RFC 9457 problem, closing the connection."""
    body = orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    return (
        f"HTTP/1.1 {status} {title}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.send_timeout = settings.send_timeout
        self.max_header_bytes = settings.max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._send_deadline: asyncio.TimerHandle | None = None
        self._reading_headers = True
        self._header_bytes = 0
        self._tail = b""  # the last bytes seen, for an end of headers split across reads

    # --- the connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        self._cancel_send()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            seen = self._header_bytes + len(data)
            if seen > self.max_header_bytes:
                # Over the cap, unless the headers end within it (the rest is the body).
                end = (self._tail + data).find(_END_OF_HEADERS)
                if end < 0 or self._header_bytes - len(self._tail) + end > self.max_header_bytes:
                    self._refuse(
                        431,
                        "Request Header Fields Too Large",
                        f"the request's headers exceed {self.max_header_bytes} bytes in all",
                    )
                    return
            self._header_bytes = seen
            self._tail = (self._tail + data)[-3:]
        super().data_received(data)

    # --- the parser's callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._cancel()
        super().on_headers_complete()
        names = {name for name, _ in self.headers}
        length = next((value for name, value in self.headers if name == b"content-length"), b"0")
        if b"transfer-encoding" in names or length.strip() not in (b"", b"0"):
            self._expect_body()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._expect_body()

    def on_message_complete(self) -> None:
        self._cancel()
        super().on_message_complete()
        self._reading_headers = True
        self._header_bytes = 0
        self._tail = b""

    # --- writing: a client that stops reading ------------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_deadline is None:
            self._send_deadline = self.loop.call_later(self.send_timeout, self._send_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_send()

    # --- deadlines ------------------------------------------------------------------------

    def _expect_headers(self) -> None:
        self._arm(self.header_timeout, "the request's headers did not all arrive in time")

    def _expect_body(self) -> None:
        self._arm(self.body_timeout, "the request's body stopped arriving")

    def _arm(self, seconds: float, why: str) -> None:
        self._cancel()
        self._deadline = self.loop.call_later(seconds, self._timed_out, seconds, why)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _cancel_send(self) -> None:
        if self._send_deadline is not None:
            self._send_deadline.cancel()
            self._send_deadline = None

    def _timed_out(self, seconds: float, why: str) -> None:
        self._deadline = None
        self._refuse(408, "Request Timeout", f"{why} (within {seconds:g} s)")

    def _send_stalled(self) -> None:
        self._send_deadline = None
        log.warning(
            "closed a connection from %s: it read nothing for %g s", self._peer(), self.send_timeout
        )
        self.transport.abort()

    def _refuse(self, status: int, title: str, detail: str) -> None:
        """Answer with a problem if no response has begun on this connection, and close it.
        The request's app, if one runs, then sees the client gone and answers no one."""
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(_problem(status, title, detail))
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        log.info("closed a connection from %s: %s %s", self._peer(), status, detail)
        self.transport.close()

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "unknown"
