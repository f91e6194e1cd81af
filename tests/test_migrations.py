"""Alembic alone owns the schema: head matches the models, and it can go both ways."""

import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app import migrate
from app.db import Base, core_reads, create_db_engine, modelled
from app.paging import Sort
from app.qualifiers import Qualifier
from app.services import figures
from app.services.figures import FigureFilters
from conftest import make_settings
from helpers import database_url


def test_an_empty_database_upgraded_to_head_matches_the_models(fresh_url: str) -> None:
    settings = make_settings(fresh_url)
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": modelled}), Base.metadata
        )
    assert differences == []
    assert migrate.current_revision(engine) == migrate.head_revision(settings)
    engine.dispose()


def test_a_database_at_head_is_prepared_without_alembic(fresh_url: str) -> None:
    """upgrade() reads no migration when the database is at migrate.HEAD, which must be
    Alembic's head: a new migration updates it (else this fails)."""
    settings = make_settings(fresh_url)
    assert migrate.head_revision(settings) == migrate.HEAD
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(command, "upgrade", lambda *args: pytest.fail("Alembic was asked"))
        migrate.upgrade(engine, settings)
    assert migrate.current_revision(engine) == migrate.HEAD
    engine.dispose()


def test_the_schema_can_be_downgraded_and_upgraded_again(fresh_url: str) -> None:
    settings = make_settings(fresh_url)
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


BROKEN = """
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("this migration fails halfway")


def downgrade():
    pass
"""


def test_a_migration_that_fails_halfway_leaves_nothing_behind(tmp_path: Path) -> None:
    settings = make_settings(database_url(tmp_path, "atomic"))
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    head = migrate.current_revision(engine)
    scripts = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir, scripts)
    (scripts / "versions" / "9999_broken.py").write_text(BROKEN.format(head=head))
    broken = settings.model_copy(update={"migrations_dir": scripts})
    with pytest.raises(RuntimeError, match="fails halfway"):
        migrate.upgrade(engine, broken)
    assert "half_done" not in inspect(engine).get_table_names()
    assert migrate.current_revision(engine) == head
    engine.dispose()


def test_0005_adds_the_wording_columns_empty_and_going_back_keeps_every_figure(
    fresh_url: str,
) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.curation import read_dataset
    from app.services.loader import load_dataset
    from helpers import DATA_DIR

    settings = make_settings(fresh_url)
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    config = migrate.alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert "wording_timing" not in {c["name"] for c in inspect(engine).get_columns("figures")}
    assert "event" not in {c["name"] for c in inspect(engine).get_columns("measures")}
    migrate.upgrade(engine, settings)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT wording_restriction, wording_time_words, wording_timing, wording_agent "
                "FROM figures"
            )
        ).all()
    # Every figure is still there; the words come back with the next load, as revisions.
    assert len(rows) == 8 and all(tuple(row) == (None, None, None, None) for row in rows)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    with engine.connect() as connection:
        steps = connection.execute(
            text(
                "SELECT number, reason FROM revisions WHERE resource = 'figure' "
                "AND resource_id = 'removals-2017' ORDER BY number"
            )
        ).all()
        restriction = connection.execute(
            text("SELECT wording_restriction FROM figures WHERE id = 'removals-2017'")
        ).scalar()
    assert [number for number, _ in steps] == [1, 2, 3] and steps[2][1] == steps[1][1]
    assert restriction == "convicted of crimes"
    engine.dispose()


def test_a_page_and_count_that_name_a_qualifier_read_only_that_qualifier(engine: Engine) -> None:
    """Migration 0008: `?measure=...&qualifier=...` walks the figures of that qualifier alone
    (its index leads with measure, status and qualifier), not every figure of the measure:
    the page and its count, as the service runs them, read that index and no other."""
    indexes = {i["name"] for i in inspect(engine).get_indexes("figures")}
    assert "ix_figures_qualifier_listing" in indexes
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL chooses by its statistics: the index above is what it is given
    filters = FigureFilters(measure="removals-us-to-cambodia", qualifier=Qualifier.EXACT)
    ran: list[str] = []
    with core_reads(engine) as reads:
        driver = reads.connection.connection.driver_connection
        driver.set_trace_callback(ran.append)  # each statement with its values written in
        found = figures.rendered_figures(
            reads, filters=filters, sort=Sort("id", descending=False), limit=1, cursor=None
        )
        driver.set_trace_callback(None)
        assert found.total > 1  # so the count ran too
        plans = [
            " ".join(row[3] for row in driver.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in ran
            if "FROM figures" in sql
        ]
    assert len(plans) == 2, ran
    for plan in plans:
        assert "COVERING INDEX ix_figures_qualifier_listing" in plan, plan


def test_0009_gives_a_loaded_database_the_new_search_index(fresh_url: str) -> None:
    """Upgraded from 0008 with figures in it, the render step that follows fills the index of
    terms by fields and the term counts (SQLite): the best few come from them, as before."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.curation import read_dataset
    from app.search_terms import query_terms
    from app.services import search, topk
    from app.services.loader import load_dataset
    from helpers import DATA_DIR

    words = "Cambodians deported last year"
    settings = make_settings(fresh_url)
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    with Session(engine) as session:
        before = [(h.figure_id, h.score) for h in search.search(session, words).hits]
    config = migrate.alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    assert "figure_search_impacts" not in inspect(engine).get_table_names()
    migrate.upgrade(engine, settings)
    with Session(engine) as session:
        after = [(h.figure_id, h.score) for h in search.search(session, words).hits]
        connection = session.connection()
        values = search.search_binds(connection, words)
        best = topk.best_figures(connection, query_terms(words), values, 3, False)
        if engine.dialect.name == "sqlite":
            entries = connection.execute(text("SELECT count(*) FROM figure_search_impacts"))
            assert entries.scalar() == 8
            assert best == [(i, -score) for i, score in after[:3]]
        else:
            assert best is None  # PostgreSQL scores every match
    assert after == before and len(after) == 8
    engine.dispose()
