"""The baked read API behind nginx (`depstats export --static`, `depstats front`): the same
answers as the app, header by header, for every baked URL and Accept value; what is not baked
passes to the app, which still sees each client. Needs Debian's nginx and
libnginx-mod-http-lua (.ci/run installs them); run once, not per engine."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.bake import ACCEPTS
from app.baked_tree import HEADS, read_head
from helpers import database_url, free_port, start_server, stop_server

pytestmark = pytest.mark.front

PUBLIC = "http://depstats.test"
DEPSTATS = Path(sys.executable).parent / "depstats"
COMPARED = (
    "content-type",
    "content-encoding",
    "etag",
    "vary",
    "cache-control",
    "link",
    "location",
    "content-disposition",
    "content-security-policy",
    "access-control-allow-origin",
    "access-control-expose-headers",
)


def start_front(tree: Path, app: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(DEPSTATS), "front", str(tree), "--port", str(port), "--app", app],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() if process.stdout else "nginx ended")
        try:
            httpx.get(f"{base}/healthz")
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("nginx did not start")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, loaded_template: str
) -> Iterator[tuple[str, str, Path, dict[str, str]]]:
    """A loaded database, baked; the app on it and nginx on the tree: (app, front, tree, env)."""
    folder = tmp_path_factory.mktemp("front")
    url = database_url(folder, "front", template=loaded_template)
    env = {
        **os.environ,
        "DEPSTATS_DATABASE_URL": url,
        "DEPSTATS_PUBLIC_URL": PUBLIC,
        "DEPSTATS_TRUSTED_PROXIES": "127.0.0.1",
        "DEPSTATS_AUTH_FAILURE_RATE_LIMIT": "2/minute",
    }
    tree = folder / "tree"
    baked = subprocess.run(
        [str(DEPSTATS), "export", "--static", str(tree)], env=env, capture_output=True, text=True
    )
    assert baked.returncode == 0, baked.stderr
    app, app_url = start_server(url, env=env)
    front, front_url = start_front(tree, app_url, env)
    try:
        yield app_url, front_url, tree, env
    finally:
        front.terminate()
        front.wait(10)
        stop_server(app)


def baked_answers(tree: Path) -> list[tuple[str, str, int, str | None]]:
    """(URL, accept class, status, ETag) of every head in the tree."""
    found = []
    for path in sorted((tree / HEADS).rglob("~*")):
        status, _, headers, url, accept = read_head(path)
        etag = next((v for k, v in headers if k.lower() == "etag"), None)
        found.append((url, accept, status, etag))
    return found


def variations(etag: str | None) -> list[dict[str, str]]:
    """Each request is asked plainly, gzip with an Origin, and with If-None-Match lists that
    hold the ETag (weak and strong forms) and that do not."""
    asked = [{}, {"accept-encoding": "gzip", "origin": "https://news.example"}]
    if etag:
        opaque = etag.removeprefix("W/")
        asked += [
            {"if-none-match": etag},
            {"if-none-match": f'"nothing", {opaque}', "accept-encoding": "gzip"},
            {"if-none-match": f'W/"other", W/{opaque}', "origin": "https://a.example"},
            {"if-none-match": '"nothing"', "accept-encoding": "gzip"},
            {"if-none-match": "*"},
        ]
    return asked


def differences(app: httpx.Response, front: httpx.Response) -> list[str]:
    found = []
    if app.status_code != front.status_code:
        found.append(f"status {app.status_code} != {front.status_code}")
    if app.content != front.content:
        found.append(f"body of {len(app.content)} bytes != {len(front.content)}")
    for name in COMPARED:
        if app.headers.get(name) != front.headers.get(name):
            found.append(f"{name}: {app.headers.get(name)!r} != {front.headers.get(name)!r}")
    return found


def test_every_baked_answer_is_the_apps_header_by_header(stack) -> None:
    app_url, front_url, tree, _ = stack
    answers = baked_answers(tree)
    assert len(answers) > 1000  # every figure, measure, source, page... in every class
    walked = 0
    found: list[str] = []
    with (
        httpx.Client(base_url=app_url, headers={"accept-encoding": "identity"}) as app,
        httpx.Client(base_url=front_url, headers={"accept-encoding": "identity"}) as front,
    ):
        for client in (app, front):
            del client.headers["accept"]  # "none" is a request without Accept
        for url, accept, _, etag in answers:
            for value in ACCEPTS[accept]:
                for extra in variations(etag):
                    headers = {**extra, **({"accept": value} if value else {})}
                    from_app = app.get(url, headers=headers)
                    from_front = front.get(url, headers=headers)
                    walked += 1
                    # Answered from the files: the app marks what it answers with X-Cache.
                    if "x-cache" in from_front.headers:
                        found.append(f"{url} {accept} {extra}: not answered from the tree")
                    found += [
                        f"{url} [{accept}] {extra}: {d}" for d in differences(from_app, from_front)
                    ]
                    if "x-request-id" not in from_front.headers:
                        found.append(f"{url} {accept}: no X-Request-ID")
    assert found == [], f"{len(found)} differences in {walked} requests:\n" + "\n".join(found[:40])
    assert walked > 3000
