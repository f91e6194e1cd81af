"""API tokens: made once, kept only as a SHA-256 digest, revoked without being deleted."""

import hashlib
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.models import Token

PREFIX = "dps_"
# 32 random bytes, URL-safe base64 without padding: 43 characters after the prefix.
SHAPE = re.compile(r"dps_[A-Za-z0-9_-]{43}")
SCOPES = ("write", "admin")


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_token(session: Session, *, name: str, scope: str) -> tuple[Token, str]:
    """A new token and its secret, which is shown this once and never stored."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    if session.scalar(select(Token.id).where(Token.name == name)) is not None:
        raise Conflict(f"a token named {name!r} exists already (revoked ones keep their name)")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = Token(name=name, scope=scope, digest=digest_of(secret), created_at=utcnow())
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session) -> list[Token]:
    return list(session.scalars(select(Token).order_by(Token.created_at, Token.id)))


def revoke_token(session: Session, name: str) -> bool:
    """Revoke the named token; False if it was revoked already."""
    token = session.scalar(select(Token).where(Token.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def authenticate(session: Session, secret: str) -> Token | None:
    """The live token with this secret; None for anything else. Only reads.

    The lookup is by the secret's SHA-256 digest, so what an attacker can time is a search
    for a digest they cannot steer, not a comparison with a secret."""
    if not SHAPE.fullmatch(secret):
        return None
    token = session.scalar(select(Token).where(Token.digest == digest_of(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def note_use(session: Session, token_id: int) -> None:
    """Record that a token was used for a write, in that write's transaction."""
    session.execute(update(Token).where(Token.id == token_id).values(last_used_at=utcnow()))
