"""Alembic driven from code: upgrade to head, and tell whether a database is at head."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.config import Settings


def alembic_config(settings: Settings) -> Config:
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
    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
