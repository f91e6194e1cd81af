"""Outgrowing one machine: several API processes on one database, and moving a SQLite
database into another (PostgreSQL, when the suite runs on it) with nothing lost."""

import hashlib
import subprocess
from pathlib import Path

import httpx
import orjson
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import migrate
from app.cli import cli
from app.config import Settings, get_settings
from app.curation import read_dataset
from app.db import Base, create_db_engine
from app.schemas.inputs import FigureUpdate
from app.services import tokens as token_service
from app.services import writes
from app.services.loader import load_dataset
from conftest import make_settings
from helpers import DATA_DIR, start_server, stop_server


def test_a_write_through_one_process_is_read_through_another_at_once(
    settings: Settings, tokens: dict[str, str]
) -> None:
    first, one = start_server(settings.database_url, "--workers", "2")
    second, other = start_server(settings.database_url)
    try:
        workers = subprocess.run(
            ["pgrep", "-P", str(first.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 2, "--workers 2 runs two worker processes"
        url = "/v1/figures/removals-2017"
        before = httpx.get(other + url).headers["etag"]
        response = httpx.patch(
            one + url,
            json={"note": "written through one", "reason": "r"},
            headers={
                "Authorization": f"Bearer {tokens['write']}",
                "If-Match": httpx.get(one + url).headers["etag"],
            },
        )
        assert response.status_code == 200, response.text
        read = httpx.get(other + url, headers={"If-None-Match": before})
        assert read.status_code == 200
        assert read.json()["note"] == "written through one"
        assert read.headers["etag"] == response.headers["etag"] != before
        assert httpx.get(other + "/v1/figures?format=csv").text.count("written through one") == 1
    finally:
        for process in (first, second):
            stop_server(process)


def _table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """Rows and a content hash per table, read in primary-key order."""
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "dataset_state":  # each database counts its own version
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            digest = hashlib.sha256()
            count = 0
            for row in rows:
                count += 1
                digest.update(
                    orjson.dumps(row._asdict(), option=orjson.OPT_SORT_KEYS, default=bytes.hex)
                )
            found[table.name] = (count, digest.hexdigest())
    return found


def test_db_copy_moves_every_figure_revision_and_token_digest(
    tmp_path: Path, fresh_url: str, monkeypatch
) -> None:
    # A SQLite database with history in it: a load, a correction, a retraction, a token.
    source = make_settings(tmp_path / "source.db")
    engine = create_db_engine(source)
    migrate.upgrade(engine, source)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
        token_service.create_token(session, name="newsroom", scope="write")
        figure = writes.lock_figure(session, "removals-2017")
        writes.correct_figure(
            session, figure, FigureUpdate(note="moved", reason="r"), actor="newsroom"
        )
        figure = writes.lock_figure(session, "removals-since-2002-rounded")
        writes.retract_figure(session, figure, reason="dup", actor="newsroom")
    before = _table_digests(engine)
    engine.dispose()
    # 25 revisions of the load (18 first loads, 7 corrections), and the two changes above.
    assert before["revisions"][0] == 27 and before["tokens"][0] == 1

    monkeypatch.setenv("DEPSTATS_DATABASE_URL", fresh_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["db", "copy", "--from", source.database_url])
        again = CliRunner().invoke(cli, ["db", "copy", "--from", source.database_url])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "27 revisions" in result.output and "1 tokens" in result.output
    assert again.exit_code == 1 and "already holds data" in again.output

    target = create_db_engine(make_settings(fresh_url))
    assert _table_digests(target) == before
    # The copy is a working database: new revisions get new ids past the copied ones.
    with Session(target) as session, session.begin():
        figure = writes.lock_figure(session, "removals-2017")
        writes.correct_figure(
            session, figure, FigureUpdate(note="after the move", reason="r"), actor="newsroom"
        )
    assert _table_digests(target)["revisions"][0] == 28
    target.dispose()
