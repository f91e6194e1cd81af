"""Who may write, and how a write begins: the token (a read, never a lock), its scope and
rate limit, the write transaction, and a figure locked with its If-Match checked."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.deps import checked_id, write_transaction
from app.errors import (
    BadRequest,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
)
from app.etags import IF_MATCH_PATTERN, etag_matches, is_etag_list
from app.models import Figure, Token
from app.ratelimit import RateLimits
from app.services import renders, tokens, writes

# --- Writes: who may, and how often ------------------------------------------------------


def client_of(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy says it is (uvicorn decides,
    from DEPSTATS_TRUSTED_PROXIES), so a forged X-Forwarded-For changes nothing."""
    return request.client.host if request.client else "unknown"


async def authenticated(request: Request) -> Token:
    """The live token in `Authorization: Bearer ...`; 401 otherwise, 429 to a client after
    many failures. A read of its own, never a write transaction: a stranger takes no lock.

    A valid token is let through whatever its client's failures: the failure limit sheds the
    load of guessing (tokens carry 256 bits, so it is not what stops it), and must not lock a
    newsroom out because someone behind the same address scans."""
    limits: RateLimits = request.app.state.rate_limits
    client = client_of(request)
    header = request.headers.get("authorization")
    scheme, _, secret = (header or "").partition(" ")
    secret = secret.strip()
    bearer = scheme.lower() == "bearer" and tokens.SHAPE.fullmatch(secret) is not None
    if bearer:
        # Only a secret of the right shape costs a lookup, in a thread (it reads the
        # database); anything else is refused here, in the event loop, at once.
        token = await run_in_threadpool(_look_up, request, secret)
        if token is not None:
            return token
    limits.check_auth_failures(client)
    limits.record_auth_failure(client)
    if header is None:
        raise Unauthorized(
            "this route needs a token: Authorization: Bearer <token>", error="invalid_request"
        )
    raise Unauthorized(
        "unknown or revoked token"
        if bearer
        else "the Authorization header must be `Bearer dps_...` with a live token"
    )


def _look_up(request: Request, secret: str) -> Token | None:
    with request.app.state.sessionmaker() as session:
        return tokens.authenticate(session, secret)


TokenDep = Annotated[Token, Depends(authenticated)]


def _scoped(scope: str):
    async def dependency(request: Request, token: TokenDep) -> Token:
        if scope == "admin" and token.scope != "admin":
            raise Forbidden(
                f"token {token.name!r} has scope {token.scope!r}; this route needs admin"
            )
        request.app.state.rate_limits.spend_write(token.name)
        return token

    return dependency


WriterDep = Annotated[Token, Depends(_scoped("write"))]
AdminDep = Annotated[Token, Depends(_scoped("admin"))]


def _write_session(request: Request, token: TokenDep) -> Iterator[Session]:
    """The write transaction, for a request whose token was checked first. It takes the write
    lock at its first statement, in the route, after every check that can refuse the request
    (scope, rate limit, body); the token's use is noted when the write succeeds."""
    with write_transaction(request) as session:
        yield session
        tokens.note_use(session, token.id)


WriteSessionDep = Annotated[Session, Depends(_write_session, scope="function")]


# --- A figure to change: locked, and its If-Match checked ----------------------------------


def check_if_match(
    if_match: str | None, figure: Figure, session: Session, *, required: bool
) -> None:
    """RFC 9110 preconditions, compared weakly (a deliberate departure: the README says why)."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the ETag from GET /v1/figures/{id}, so that a correction "
                "made since you read the figure is not overwritten"
            )
        return
    example = f'If-Match: W/"{figure.id}.r{figure.revision}.0123456789abcdef"'
    if if_match.strip() == "*":
        # RFC 9110 lets * mean "any current version"; here it would skip the lost-update
        # check that If-Match is for, so it is refused (the README says so).
        raise BadRequest(
            f"If-Match: * is not accepted: send the ETag of the version you read, as the ETag "
            f"header of GET /v1/figures/{figure.id} gives it, e.g. {example}"
        )
    if not is_etag_list(if_match):
        raise BadRequest(
            f"If-Match {if_match[:100]!r} is not an ETag: send the ETag header of "
            f"GET /v1/figures/{figure.id} as it is, quotes included, e.g. {example}"
        )
    _, current = renders.stored(session, figure.id)
    if not etag_matches(if_match, current):
        raise PreconditionFailed(
            f"figure {figure.id!r} has changed since that ETag (it is now at revision "
            f"{figure.revision}); GET it again and reapply your change"
        )


def _locked(*, required: bool, description: str) -> Any:
    def dependency(
        figure_id: Annotated[str, Path(description="The figure's id; it never changes.")],
        token: WriterDep,  # first: scope and rate limit are checked before the lock is taken
        session: WriteSessionDep,
        if_match: Annotated[
            str | None,
            Header(description=description, json_schema_extra={"pattern": IF_MATCH_PATTERN}),
        ] = None,
    ) -> Figure:
        figure = writes.lock_figure(session, checked_id("figure", figure_id))
        check_if_match(if_match, figure, session, required=required)
        return figure

    return dependency


# PATCH needs If-Match; a retraction checks one when it is sent.
LockedFigureDep = Annotated[
    Figure,
    Depends(_locked(required=True, description="The ETag you read the figure with (required).")),
]
RetractableFigureDep = Annotated[
    Figure,
    Depends(_locked(required=False, description="Optional; checked like a PATCH's when sent.")),
]
