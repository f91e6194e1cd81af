"""A GET of an ASGI app in this process, without a server or a socket: what the bake asks
the app (app/bake.py)."""

from typing import Any
from urllib.parse import unquote

import anyio

from app.scopes import UNLOGGED


async def get(
    app: Any, scheme: str, url: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, list[tuple[str, str]], bytes, dict[str, Any]]:
    """GET `url` (path and query) of `app`: its status, headers and body as sent (still
    compressed, if it compressed them), and the state the app left in the request's scope."""
    path, _, query = url.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": scheme,
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        "state": {},
        "extensions": {UNLOGGED: {}},  # not a client's request: no access-log line
    }
    started: dict[str, Any] = {}
    chunks: list[bytes] = []
    requested, done = False, anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # as a server does: nothing more, until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started["headers"]]
    return started["status"], decoded, b"".join(chunks), scope["state"]
