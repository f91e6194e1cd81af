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
from helpers import DATA_DIR


def make_settings(db_path: Path, **overrides: object) -> Settings:
    return Settings(database_url=f"sqlite:///{db_path}", data_dir=DATA_DIR, **overrides)


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head and loaded from data/, built once per test run."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    settings = make_settings(path)
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    # Fold the WAL back into the main file so that copying the one file copies everything.
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, loaded_template: Path) -> Settings:
    """Settings pointing at this test's own copy of the loaded database."""
    path = tmp_path / "depstats.db"
    shutil.copyfile(loaded_template, path)
    return make_settings(path)


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
def live_server(settings: Settings) -> Iterator[str]:
    """A real `depstats serve` process on this test's database; yields its base URL."""
    from helpers import start_server

    process, base = start_server(settings.database_url)
    yield base
    process.terminate()
    process.communicate(timeout=30)
