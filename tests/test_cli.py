"""The `depstats` command, through its runner, and `serve` as a real process on a fresh file."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from app import migrate
from app.cli import cli
from app.config import get_settings
from helpers import ENGINE, database_url, start_server, stop_server

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DEPSTATS_DATABASE_URL set to an empty database (on SQLite, a file not made yet)."""
    url = (
        f"sqlite:///{tmp_path / 'cli.db'}" if ENGINE == "sqlite" else database_url(tmp_path, "cli")
    )
    monkeypatch.setenv("DEPSTATS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_db_upgrade_creates_the_database_at_head(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    head = migrate.head_revision(get_settings())
    assert f"database at {head} (head)" in result.output
    engine = create_engine(db_url)
    assert {"figures", "revisions", "tokens"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_load_twice_creates_then_changes_nothing(db_url: str) -> None:
    first = runner.invoke(cli, ["load"])
    assert first.exit_code == 0, first.output
    assert "created 18, updated 0, retracted 0, unchanged 0" in first.output
    assert "figure final-removal-orders-2017-12" in first.output
    second = runner.invoke(cli, ["load"])
    assert "created 0, updated 0, retracted 0, unchanged 18" in second.output


def test_load_refuses_broken_data_and_loads_nothing(db_url: str, data_copy: Path) -> None:
    figures = data_copy / "figures" / "khmer-times-2018-02-us-deportees.toml"
    figures.write_text(figures.read_text().replace("value = 572\n", "value = 527\n"))
    result = runner.invoke(cli, ["load", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "nothing loaded" in result.output
    assert "figure 'removals-since-2002'" in result.output
    missing = runner.invoke(cli, ["load", "--data", str(data_copy / "nowhere")])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_overwrite_needs_a_reason(db_url: str) -> None:
    result = runner.invoke(cli, ["load", "--overwrite"])
    assert result.exit_code == 1
    assert "--overwrite needs a --reason" in result.output


def test_bad_configuration_fails_at_start_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPSTATS_DATABASE_URL", "mysql://nobody@nowhere/db")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "configuration error" in result.output
    assert "DEPSTATS_DATABASE_URL must be a sqlite:// or postgresql:// URL" in result.output


def test_serve_creates_migrates_loads_and_serves_a_fresh_database(tmp_path: Path) -> None:
    # On SQLite, in a folder that does not exist yet: serve makes both.
    database = tmp_path / "fresh" / "depstats.db"
    url = f"sqlite:///{database}" if ENGINE == "sqlite" else database_url(tmp_path, "fresh")
    process, base = start_server(url)
    try:
        figure = httpx.get(f"{base}/v1/figures/final-removal-orders-2017-12").json()
        assert (figure["value"], figure["qualifier"], figure["display"]) == (
            1900,
            "more_than",
            "more than 1,900",
        )
        assert httpx.get(f"{base}/v1/figures").json()["total"] == 8
        assert database.is_file() == (ENGINE == "sqlite")
    finally:
        output = stop_server(process)
    assert "empty database: loaded" in output


def test_serve_gives_each_worker_time_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn kills a worker that has not answered its supervisor within 5 s; four workers
    importing the app at once on two cores took longer, and one was killed on a first start."""
    handed: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: handed.update(options, app=app))
    monkeypatch.setenv("DEPSTATS_DATABASE_URL", database_url(tmp_path, "workers"))
    get_settings.cache_clear()
    result = runner.invoke(cli, ["serve", "--workers", "4"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert handed["workers"] == 4 and handed["app"] == "app.main:create_app"
    assert handed["timeout_worker_healthcheck"] == 30


def test_a_bad_setting_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPSTATS_MAX_PAGE_SIZE", "lots")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["token", "list"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "DEPSTATS_MAX_PAGE_SIZE: Input should be a valid integer" in result.output


def test_token_commands_create_list_and_revoke(db_url: str) -> None:
    created = runner.invoke(cli, ["token", "create", "--name", "desk", "--scope", "admin"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[0]
    assert secret.startswith("dps_") and len(secret) == 47
    listed = runner.invoke(cli, ["token", "list"]).output
    assert "desk" in listed and "admin" in listed
    assert secret not in listed
    assert runner.invoke(cli, ["token", "create", "--name", "desk"]).exit_code == 1
    assert "revoked" in runner.invoke(cli, ["token", "revoke", "desk"]).output
    assert "was revoked already" in runner.invoke(cli, ["token", "revoke", "desk"]).output
    assert runner.invoke(cli, ["token", "revoke", "nobody"]).exit_code == 1


def test_export_static_on_an_empty_database_loads_the_data_folder_then_bakes(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "baked"
    refused = runner.invoke(cli, ["export", "--static", str(tree)])
    assert refused.exit_code == 1 and "DEPSTATS_PUBLIC_URL" in refused.output
    assert not tree.exists()
    monkeypatch.setenv("DEPSTATS_PUBLIC_URL", "http://depstats.test")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["export", "--static", str(tree)])
    assert result.exit_code == 0, result.output
    assert "empty database: loaded" in result.output
    assert "0 unchanged, 0 removed" in result.output
    assert (tree / "v1" / "figures" / "removals-2017" / "index.json").exists()
