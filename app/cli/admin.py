"""`depstats token ...` and `depstats db ...`: API tokens and the database's schema."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app import migrate
from app.cli.common import failure, settings_or_exit
from app.db import create_db_engine
from app.errors import Conflict, NotFound
from app.services import tokens
from app.services.copy import copy_database


class TokenScope(StrEnum):
    WRITE = "write"
    ADMIN = "admin"


def token_create(
    name: Annotated[str, typer.Option(help="Who or what uses it; shown in revision history.")],
    scope: Annotated[
        TokenScope,
        typer.Option(help="write: create, correct and retract figures; admin: also add sources."),
    ] = TokenScope.WRITE,
) -> None:
    """Make a token and print its secret, once: only its SHA-256 digest is kept."""
    with token_session() as session:
        try:
            _, secret = tokens.create_token(session, name=name, scope=scope.value)
        except Conflict as exc:
            raise failure(exc.detail) from None
    typer.echo(secret)
    typer.echo(f"token {name!r} ({scope}) created; the secret above is not shown again", err=True)


def token_list() -> None:
    """Names, scopes, when made and last used, and whether revoked; never a secret."""
    with token_session() as session:
        found = tokens.list_tokens(session)
        typer.echo(f"{'name':<24} {'scope':<6} {'created':<20} {'last used':<20} revoked")
        for token in found:
            typer.echo(
                f"{token.name:<24} {token.scope:<6} {_when(token.created_at):<20} "
                f"{_when(token.last_used_at):<20} {_when(token.revoked_at)}"
            )


def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token; the next request that uses it is refused."""
    with token_session() as session:
        try:
            newly = tokens.revoke_token(session, name)
        except NotFound as exc:
            raise failure(exc.detail) from None
    typer.echo(f"token {name!r} revoked" if newly else f"token {name!r} was revoked already")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


@contextmanager
def token_session() -> Iterator[Session]:
    """A migrated database and one committed transaction."""
    settings = settings_or_exit()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def db_copy(
    source: Annotated[
        str, typer.Option("--from", help="URL of the database to copy, e.g. sqlite:///depstats.db.")
    ],
    target: Annotated[
        str | None,
        typer.Option(
            "--to", help="URL of an empty database to fill (default: DEPSTATS_DATABASE_URL)."
        ),
    ] = None,
) -> None:
    """Copy every source, figure, revision and token digest into another database (SQLite
    into PostgreSQL): the target is migrated to head first and must hold no data."""
    settings = settings_or_exit()
    target_settings = settings.model_copy(update={"database_url": target or settings.database_url})
    source_settings = settings.model_copy(update={"database_url": source})
    if source_settings.database_url == target_settings.database_url:
        raise failure("--from and --to name the same database")
    from_engine = create_db_engine(source_settings)
    to_engine = create_db_engine(target_settings)
    try:
        if migrate.current_revision(from_engine) != migrate.head_revision(settings):
            raise failure("the source is not at the newest schema: run depstats db upgrade on it")
        migrate.upgrade(to_engine, target_settings)
        try:
            copied = copy_database(from_engine, to_engine)
        except Conflict as exc:
            raise failure(exc.detail) from None
    finally:
        from_engine.dispose()
        to_engine.dispose()
    typer.echo("copied: " + ", ".join(f"{n} {table}" for table, n in copied.items()))


def db_upgrade() -> None:
    """Create the database if need be and migrate it to the newest schema."""
    settings = settings_or_exit()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        typer.echo(f"database at {migrate.current_revision(engine)} (head)")
    finally:
        engine.dispose()


def db_render() -> None:
    """Make every figure's stored representations again. The API keeps them current itself;
    this is for after rows were changed with SQL behind its back."""
    settings = settings_or_exit()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        done = migrate.refresh_renders(engine, force=True)
    finally:
        engine.dispose()
    typer.echo(f"rendered {done} figure(s)")
