"""The contract, fuzzed: Schemathesis's own command line runs every check it has against a
real `depstats serve`, from the OpenAPI document the server publishes, with and without a
token that may write. What it generates is what a client built from the document may send."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import create_db_engine
from app.services.tokens import create_token
from helpers import start_server, stop_server

CONFIG = Path(__file__).parent / "schemathesis.toml"
SEED = "20180209"
EXAMPLES = "40"  # per operation and phase; about a minute a run on the project's machine
# Limits that would otherwise judge thousands of requests by their pace, not their content
# (each limit has tests of its own).
LIFTED = {
    "DEPSTATS_WRITE_RATE_LIMIT": "1000000/minute",
    "DEPSTATS_AUTH_FAILURE_RATE_LIMIT": "1000000/minute",
    "DEPSTATS_BULK_DOWNLOADS_PER_CLIENT": "1000",
}


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "admin-token"])
def test_every_operation_keeps_its_contract(settings: Settings, with_token: bool) -> None:
    headers = []
    if with_token:
        engine = create_db_engine(settings)
        with Session(engine) as session, session.begin():
            _, secret = create_token(session, name="fuzzer", scope="admin")
        engine.dispose()
        headers = ["-H", f"Authorization: Bearer {secret}"]
    process, base = start_server(settings.database_url, env=LIFTED)
    try:
        st = Path(sys.executable).parent / "st"
        run = subprocess.run(
            [str(st), "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
             "--checks", "all", "--seed", SEED, "-n", EXAMPLES, "--no-color",
             "--generation-database", "none", "--workers", "1", *headers],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        output = stop_server(process)
    assert run.returncode == 0, run.stdout[-20000:]
    summary = run.stdout.splitlines()[-1]  # "=== 1 warning in 58.00s ===" when all held
    assert "failure" not in summary and "error" not in summary, run.stdout[-20000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated and int(generated.group(1)) > 1000, run.stdout[-3000:]
    assert "Traceback" not in output
