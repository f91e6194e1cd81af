"""Helpers the tests share (fixtures live in conftest.py)."""

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"
SOURCE_ID = "khmer-times-2018-02-us-deportees"


def clause_figure(figure_id: str, measure: str) -> dict[str, Any]:
    """A figure the write API accepts: 1,412, quoted from the clause of the article that
    states it (its sentence is already quoted whole by the seed's figures)."""
    return {
        "id": figure_id,
        "measure": measure,
        "source": SOURCE_ID,
        "value": 1412,
        "qualifier": "exact",
        "value_text": "1,412",
        "as_of": "2017-12",
        "quote": "1,412 of whom have criminal convictions",
        "attribution": {"person": "Brendan Raedy"},
    }


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"] == "about:blank"
    assert "Traceback" not in response.text
    return body


def free_port() -> int:
    """A port free now, for the benchmarks' other servers (another process may take it before
    they bind it: the tests use `start_server`, which binds port 0 instead)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    database_url: str, *extra_args: str, timeout: float = 60, env: dict[str, str] | None = None
):
    """`depstats serve` as a real process on a loopback port the kernel picks (`--port 0`:
    no race for a free port), once it answers /readyz. Returns (process, base URL); its
    output is gathered in `process.lines` as it comes; end it with `stop_server`."""
    import re
    import subprocess
    import sys
    import threading
    import time

    import httpx

    env = {**os.environ, "DEPSTATS_DATABASE_URL": database_url, **(env or {})}
    depstats = Path(sys.executable).parent / "depstats"
    process = subprocess.Popen(
        [str(depstats), "serve", "--port", "0", *extra_args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="backslashreplace",
    )
    process.lines = []  # type: ignore[attr-defined]
    listening = threading.Event()
    found: list[str] = []

    def gather() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            process.lines.append(line)  # type: ignore[attr-defined]
            if not found and (port := re.search(r"running on http://127\.0\.0\.1:(\d+)", line)):
                found.append(port.group(1))
                listening.set()

    process.reader = threading.Thread(target=gather, daemon=True)  # type: ignore[attr-defined]
    process.reader.start()  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while not listening.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.reader.join(5)  # type: ignore[attr-defined]
            raise AssertionError("".join(process.lines) or "the server did not start")  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{found[0]}"
    while True:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the server did not become ready in {timeout} s")
        time.sleep(0.1)


def stop_server(process) -> str:
    """Stop a server from start_server (SIGTERM, as a supervisor would); its whole output."""
    process.terminate()
    process.wait(timeout=30)
    process.reader.join(10)
    return "".join(process.lines)


# --- Which engine the suite runs on ------------------------------------------------------
# DEPSTATS_TEST_ENGINE=postgresql runs every test on PostgreSQL, each in a database of its
# own on the server at DEPSTATS_TEST_POSTGRES_URL (scripts/throwaway-postgres.sh starts one).

ENGINE = os.environ.get("DEPSTATS_TEST_ENGINE", "sqlite")
_made: list[str] = []


def _admin_url() -> str:
    url = os.environ.get("DEPSTATS_TEST_POSTGRES_URL")
    if not url:
        raise RuntimeError(
            "DEPSTATS_TEST_ENGINE=postgresql needs DEPSTATS_TEST_POSTGRES_URL "
            "(source scripts/throwaway-postgres.sh to get one)"
        )
    return url


def _on_server(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def database_url(folder: Path, name: str, *, template: str | None = None) -> str:
    """A new database for this engine: a SQLite file in `folder`, or a PostgreSQL database
    (a copy of `template`'s database, if given) dropped when the test run ends."""
    if ENGINE == "sqlite":
        path = folder / f"{name}.db"
        if template is not None:
            shutil.copyfile(make_url(template).database, path)
        return f"sqlite:///{path}"
    database = f"t_{uuid.uuid4().hex[:16]}"
    clone = f" TEMPLATE {make_url(template).database}" if template else ""
    _on_server(f"CREATE DATABASE {database}{clone}")
    _made.append(database)
    return make_url(_admin_url()).set(database=database).render_as_string(hide_password=False)


def drop_databases() -> None:
    while _made:
        _on_server(f"DROP DATABASE IF EXISTS {_made.pop()} WITH (FORCE)")


def rerender(engine: Any) -> None:
    """After a test changes rows with SQL behind the app's back, make their renders again
    (as `depstats db render` does)."""
    from app.migrate import refresh_renders

    refresh_renders(engine, force=True)


def read_head(path: Path) -> tuple[int, str, list[tuple[str, str]], str, str]:
    """A baked head file (app/baked_tree.py) as (status, body, headers, url, accept class)."""
    lines = path.read_text("latin-1").splitlines()
    status, body = lines[0].split(" ", 1)
    headers = []
    url = accept = ""
    for line in lines[1:]:
        if line.startswith("# "):
            url, accept = line[2:].rsplit(" ", 1)
        else:
            name, _, value = line.partition(": ")
            headers.append((name, value))
    return int(status), body, headers, url, accept
