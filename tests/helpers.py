"""Helpers the tests share (fixtures live in conftest.py)."""

from app.config import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"
SOURCE_ID = "khmer-times-2018-02-us-deportees"


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
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, *extra_args: str, timeout: float = 60):
    """`depstats serve` as a real process on a free loopback port, once it answers /readyz.
    Returns (process, base URL); the caller terminates it."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    port = free_port()
    env = {**os.environ, "DEPSTATS_DATABASE_URL": database_url}
    depstats = Path(sys.executable).parent / "depstats"
    process = subprocess.Popen(
        [str(depstats), "serve", "--port", str(port), *extra_args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() if process.stdout else "exited")
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the server did not become ready in {timeout} s")
        time.sleep(0.2)
