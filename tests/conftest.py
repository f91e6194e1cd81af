"""Shared fixtures. Every test gets its own database file, so no test sees another's writes."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.curation import read_dataset
from app.db import create_db_engine
from app.main import create_app
from app.services.loader import load_dataset
from helpers import DATA_DIR, ENGINE, database_url, drop_databases


def make_settings(database: Path | str, **overrides: object) -> Settings:
    """Settings for a database: a SQLite file's path, or any database URL."""
    url = f"sqlite:///{database}" if isinstance(database, Path) else database
    return Settings(database_url=url, data_dir=DATA_DIR, **overrides)


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head and loaded from data/, built once per test run; tests get
    copies of it (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL)."""
    url = database_url(tmp_path_factory.mktemp("template"), "template")
    settings = make_settings(url)
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    if ENGINE == "sqlite":
        # Fold the WAL back into the main file so that copying the one file copies everything.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    yield url
    drop_databases()


@pytest.fixture
def settings(tmp_path: Path, loaded_template: str) -> Settings:
    """Settings pointing at this test's own copy of the loaded database."""
    return make_settings(database_url(tmp_path, "depstats", template=loaded_template))


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    """The URL of a new, empty database (not migrated) on the engine under test."""
    return database_url(tmp_path, "fresh")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on this test's database, for looking behind the API."""
    engine = create_db_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API on this test's database. Server errors become 500 responses, as in production."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ that a test may break."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    """Secrets of three tokens in this test's database: `write`, `admin`, and `revoked`."""
    from app.services.tokens import create_token, revoke_token

    made = {}
    with Session(engine) as session, session.begin():
        for name, scope in (("newsroom", "write"), ("editor", "admin"), ("old-laptop", "write")):
            made[name] = create_token(session, name=name, scope=scope)[1]
        revoke_token(session, "old-laptop")
    return {"write": made["newsroom"], "admin": made["editor"], "revoked": made["old-laptop"]}


@pytest.fixture
def writer(tokens: dict[str, str]) -> dict[str, str]:
    """Headers that authenticate with the `write` token."""
    return {"Authorization": f"Bearer {tokens['write']}"}


@pytest.fixture
def admin(tokens: dict[str, str]) -> dict[str, str]:
    """Headers that authenticate with the `admin` token."""
    return {"Authorization": f"Bearer {tokens['admin']}"}


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """A real `depstats serve` process on this test's database; yields its base URL."""
    from helpers import start_server, stop_server

    process, base = start_server(settings.database_url)
    yield base
    stop_server(process)
