"""Alembic alone owns the schema: head matches the models, and it can go both ways."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import Base, create_db_engine
from conftest import make_settings


def test_an_empty_database_upgraded_to_head_matches_the_models(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "empty.db")
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert migrate.current_revision(engine) == migrate.head_revision(settings)
    engine.dispose()


def test_the_schema_can_be_downgraded_and_upgraded_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "roundtrip.db")
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    config = migrate.alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine, settings)
    assert {"figures", "revisions", "sources", "measures"} <= set(inspect(engine).get_table_names())
    engine.dispose()
