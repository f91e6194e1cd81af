"""Who may write: tokens in Authorization: Bearer only, scopes, revocation, rate limits."""

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.main import create_app
from app.models import Revision, Token
from app.services.tokens import digest_of
from helpers import assert_problem, clause_figure

NEW_SOURCE = {
    "id": "test-source-2019",
    "title": "A test",
    "publisher": "Test Press",
    "published": "2019-03",
    "language": "en",
    "text": "There were 12 cases.",
}
NEW_FIGURE = clause_figure("test-figure", "final-removal-orders")

# Every write route, with a body it would accept from a token with the right scope.
ROUTES = [
    ("POST", "/v1/sources", NEW_SOURCE, "admin"),
    ("POST", "/v1/figures", NEW_FIGURE, "write"),
    ("PATCH", "/v1/figures/removals-2017", {"note": "n", "reason": "r"}, "write"),
    ("POST", "/v1/figures/removals-2017/retract", {"reason": "r"}, "write"),
]


def call(client: TestClient, method: str, path: str, body: dict, token: str | None, **headers: str):
    if token is not None:
        headers["Authorization"] = token
    if method == "PATCH":
        headers.setdefault("If-Match", client.get(path).headers["etag"])
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES)
def test_the_authorisation_matrix(
    client: TestClient,
    tokens: dict[str, str],
    engine: Engine,
    method: str,
    path: str,
    body: dict,
    scope: str,
) -> None:
    cases = {
        "none": (None, 401),
        "malformed": ("Token abc", 401),
        "not bearer": (f"Basic {tokens['write']}", 401),
        "unknown": ("Bearer dps_" + "A" * 43, 401),
        "revoked": (f"Bearer {tokens['revoked']}", 401),
    }
    if scope == "admin":
        cases["wrong scope"] = (f"Bearer {tokens['write']}", 403)
    for case, (header, status) in cases.items():
        response = call(client, method, path, body, header)
        assert_problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"].startswith(
                'Bearer realm="deportation-stats"'
            ), case
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(Revision))
    response = call(client, method, path, body, f"Bearer {tokens[scope]}")
    assert response.status_code in (200, 201), response.text
    assert response.headers["cache-control"] == "no-store"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Revision)) == before + 1


def test_a_token_in_the_url_is_not_accepted(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(f"/v1/figures?access_token={tokens['write']}", json=NEW_FIGURE)
    assert response.status_code in (401, 422)
    assert client.get("/v1/figures/test-figure").status_code == 404


def test_only_the_digest_is_stored_and_use_is_recorded(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    with Session(engine) as session:
        token = session.scalar(select(Token).where(Token.name == "newsroom"))
        assert token is not None
        assert token.digest == digest_of(tokens["write"])
        assert tokens["write"] not in (token.digest, token.name)
        assert token.last_used_at is None
    call(client, *ROUTES[2][:3], f"Bearer {tokens['write']}")
    with Session(engine) as session:
        assert session.scalar(select(Token.last_used_at).where(Token.name == "newsroom"))


def test_a_revoked_token_is_refused_on_the_next_request(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    from app.services.tokens import revoke_token

    header = f"Bearer {tokens['write']}"
    assert call(client, *ROUTES[2][:3], header).status_code == 200
    with Session(engine) as session, session.begin():
        revoke_token(session, "newsroom")
    assert (
        call(
            client, "POST", "/v1/figures/removals-2017/retract", {"reason": "r"}, header
        ).status_code
        == 401
    )


def test_writes_are_rate_limited_per_token(settings, tokens: dict[str, str]) -> None:
    app = create_app(settings.model_copy(update={"write_rate_limit": "2/minute"}))
    with TestClient(app) as client:
        header = f"Bearer {tokens['write']}"
        for _ in range(2):
            assert call(client, *ROUTES[2][:3], header).status_code == 200
        refused = call(client, *ROUTES[2][:3], header)
        body = assert_problem(refused, 429)
        assert int(refused.headers["retry-after"]) >= 1
        assert "writes" in body["detail"]
        # Another token from the same address has its own allowance.
        assert call(client, *ROUTES[2][:3], f"Bearer {tokens['admin']}").status_code == 200


def test_failed_authentications_are_rate_limited_and_x_forwarded_for_changes_nothing(
    settings, tokens: dict[str, str]
) -> None:
    app = create_app(settings.model_copy(update={"auth_failure_rate_limit": "3/minute"}))
    with TestClient(app) as client:
        for _ in range(3):
            assert call(client, *ROUTES[3][:3], "Bearer wrong").status_code == 401
        # A forged X-Forwarded-For from an untrusted peer is still the same client.
        forged = call(client, *ROUTES[3][:3], "Bearer wrong", **{"X-Forwarded-For": "1.2.3.4"})
        assert_problem(forged, 429)
        assert "retry-after" in forged.headers
        # A valid token is never refused for someone else's failures from the same address
        # (a newsroom behind one NAT with a scanner): tokens carry 256 bits, the limit only
        # sheds the load of guessing.
        assert call(client, *ROUTES[3][:3], f"Bearer {tokens['write']}").status_code == 200
        # ... while the failures go on being refused, a revoked token among them.
        assert_problem(call(client, *ROUTES[2][:3], f"Bearer {tokens['revoked']}"), 429)
        assert_problem(call(client, *ROUTES[2][:3], None), 429)


def test_a_token_that_is_not_ascii_is_a_401(live_server: str) -> None:
    """Header values arrive as latin-1 bytes: a token of the right length with other letters
    must be refused by its shape, never reach the ASCII digest (a 500 when the shape check was
    cut). Sent over a raw socket: an HTTP client would re-encode the bytes."""
    import socket

    host, port = live_server.removeprefix("http://").split(":")
    for secret in (b"dps_" + b"\xe9" * 43, b"dps_" + b"a" * 42 + b"\xff", b"\xe9"):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/figures HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nContent-Length: 2\r\n"
                b"Authorization: Bearer " + secret + b"\r\n\r\n{}"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
        assert b"application/problem+json" in answer


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"], ids=["no-proxy-trusted", "loopback-trusted"])
def test_only_a_trusted_proxy_names_the_client(settings, trusted: str) -> None:
    """Behind no trusted proxy, X-Forwarded-For is the client's own claim: four failures
    from one address with four different claims are one client's, and the fourth is a 429.
    Behind a trusted one, each named client has a limit of its own."""
    from helpers import start_server, stop_server

    env = {"DEPSTATS_AUTH_FAILURE_RATE_LIMIT": "3/minute", "DEPSTATS_TRUSTED_PROXIES": trusted}
    process, base = start_server(settings.database_url, env=env)
    try:
        statuses = [
            httpx.post(
                f"{base}/v1/figures",
                json={},
                headers={"Authorization": "Bearer wrong", "X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(4)
        ]
    finally:
        stop_server(process)
    assert statuses == ([401] * 4 if trusted else [401, 401, 401, 429])
