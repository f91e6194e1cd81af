"""Alembic driven from code: upgrade to head, and tell whether a database is at head.

Alembic is imported where it is used, not with the app: it is a sixth of the API's import
time, and a server only needs it to migrate and to answer /readyz."""

from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, Settings
from app.db import WRITE_LOCK

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision of this checkout's migrations/ (tests/test_migrations.py holds it to
# Alembic's head). A database already at it needs no Alembic: importing it and reading the
# migrations take a tenth of a second of every command that prepares the database, a twentieth
# of `depstats export --static` of the article.
HEAD = "0009"


def alembic_config(settings: Settings) -> "Config":
    from alembic.config import Config

    if not (settings.migrations_dir / "env.py").is_file():
        raise RuntimeError(
            f"no Alembic migrations at {settings.migrations_dir}; "
            "set DEPSTATS_MIGRATIONS_DIR to the checkout's migrations/ folder"
        )
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    return config


def upgrade(engine: Engine, settings: Settings) -> None:
    """Bring the database to the newest schema; creates a SQLite file that does not exist yet."""
    if settings.migrations_dir == PROJECT_ROOT / "migrations" and _stored(engine) == HEAD:
        refresh_renders(engine)
        return
    from alembic import command

    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    refresh_renders(engine)


def refresh_renders(engine: Engine, *, force: bool = False) -> int:
    """Re-render every figure if the code that shows them changed since they were rendered
    (or if `force`), holding the write lock so that workers starting together do it once."""
    from app.services import renders  # the schemas are not needed to migrate

    with Session(engine) as session:
        session.connection(execution_options={WRITE_LOCK: True})
        done = renders.ensure_current(session, force=force)
        session.commit()
        return done


def _stored(engine: Engine) -> str | None:
    """The revision the database says it is at, read without Alembic; None if it has none."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no such table yet
        return None


def head_revision(settings: Settings) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
