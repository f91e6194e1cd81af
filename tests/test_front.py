"""The baked read API behind nginx (`depstats export --static`, `depstats front`): the same
answers as the app, header by header, for every baked URL and Accept value; what is not baked
passes to the app, which still sees each client. Needs Debian's nginx and
libnginx-mod-http-lua (.ci/run installs them); run once, not per engine."""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.bake_plan import ACCEPTS
from app.baked_tree import GENERATION, HEADS, TICK
from helpers import database_url, free_port, read_head, start_server, stop_server

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
        [str(DEPSTATS), "export", "--static", "--jobs", "2", str(tree)],
        env=env,
        capture_output=True,
        text=True,
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
    if app.status_code == 304 and "content-length" in front.headers:  # RFC 9110, 8.6
        found.append(f"a 304 with Content-Length: {front.headers['content-length']}")
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
    print(f"{walked} requests to each, {len(found)} differences")
    assert found == [], f"{len(found)} differences in {walked} requests:\n" + "\n".join(found[:40])
    assert walked > 5000


def test_the_generation_that_ends_a_bake_is_served_from_the_next_request(stack) -> None:
    """While a bake runs, each worker reads .generation again with every request: the
    version of the generation that ends it (which a whole list's download is tagged with)
    is served at once, not a tick later; the baker does not wait for it."""
    _, front_url, tree, _ = stack
    csv = "/v1/measures/refugee-admissions/figures?format=csv"
    generation = tree / GENERATION
    before = generation.read_bytes()

    def put(text: str) -> None:  # as the baker does: renamed into place
        (tree / ".generation.new").write_text(text)
        os.replace(tree / ".generation.new", generation)

    try:
        with httpx.Client(base_url=front_url) as client:
            tag = client.get(csv).headers["etag"]
            baked, rest = re.fullmatch(r'W/"v(\d+)(\.[0-9a-f]{16}")', tag).groups()
            for later in range(int(baked) + 1, int(baked) + 6):
                put(f"baking {time.time_ns()} v{later - 1}")
                time.sleep(2 * TICK)
                put(f"{time.time_ns()} v{later}")
                assert client.get(csv).headers["etag"] == f'W/"v{later}{rest}'
    finally:
        put(before.decode())
        time.sleep(2 * TICK)


def test_what_is_not_baked_goes_to_the_app_which_still_sees_each_client(stack) -> None:
    app_url, front_url, tree, _ = stack
    with httpx.Client(base_url=front_url) as front, httpx.Client(base_url=app_url) as app:
        for url in (
            "/v1/figures?measure=removals-us-to-cambodia",
            "/v1/figures?q=deported",
            "/search?q=deported",
            "/v1/figures?limit=3",
            "/v1/figures/no-such-figure",
            # The tree's own files are never sent as themselves.
            "/.generation",
            "/.heads/v1/figures/~json",
            "/v1/figures/index.json",
            "/.bodies/",
            # Paths nginx would merge or resolve, which the app does not.
            "//v1//figures",
            "/v1/figures/removals%2D2017",
        ):
            through, direct = front.get(url), app.get(url)
            assert "x-cache" in through.headers, url  # the app's answer, passed on
            assert differences(direct, through) == [], url
        # nginx would weigh If-Unmodified-Since and If-Match against the file (the app ignores
        # them on a read) and send a whole file for a Range (the app sends the part).
        tag = app.get("/v1/figures").headers["etag"]
        ranged = next(
            head.parent
            for head in (tree / HEADS / "static").rglob("~none")
            if "accept-ranges: bytes" in head.read_text()
        )
        asset = "/" + ranged.relative_to(tree / HEADS).as_posix()
        for url, headers in (
            ("/v1/figures", {"if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT"}),
            ("/v1/figures", {"if-match": tag}),
            ("/v1/figures", {"if-match": '"not-this-one"'}),
            (asset, {"range": "bytes=0-99"}),
        ):
            through = front.get(url, headers=headers)
            assert differences(app.get(url, headers=headers), through) == [], headers
        assert through.status_code == 206 and len(through.content) == 100
        # A request body bigger than nginx keeps in memory, passed on whole.
        text = {"text": "More than 1,900 Cambodians have final orders of removal. " * 700}
        through = front.post("/v1/extract", json=text)
        assert (through.status_code, through.json()) == (
            (direct := app.post("/v1/extract", json=text)).status_code,
            direct.json(),
        )
        # An Accept the front does not list is the app's to negotiate.
        odd = {"accept": "application/json;q=0.5, text/csv"}
        through = front.get("/v1/figures/removals-2017", headers=odd)
        assert through.headers["content-type"].startswith("text/csv")
        assert "x-cache" in through.headers

    # Failed authentications are limited per client (2 a minute here): the app sees each
    # client's own address through the front, not the front's, and not what a client claims.
    def patch(source: str, claimed: str | None = None) -> int:
        transport = httpx.HTTPTransport(local_address=source)
        headers = {"authorization": "Bearer wrong", "if-match": '"x"'}
        if claimed:
            headers["x-forwarded-for"] = claimed
        with httpx.Client(base_url=front_url, transport=transport) as client:
            return client.patch("/v1/figures/removals-2017", headers=headers, json={}).status_code

    assert [patch("127.0.0.2") for _ in range(3)] == [401, 401, 429]
    assert patch("127.0.0.3") == 401
    assert patch("127.0.0.2", claimed="127.0.0.4") == 429
    assert patch("127.0.0.4") == 401


def test_the_front_refuses_oversized_headers_and_ends_slow_clients(stack) -> None:
    import socket

    _, front_url, _, _ = stack
    response = httpx.get(f"{front_url}/v1/figures", headers={"x-big": "a" * 20_000})
    assert response.status_code == 400  # the app's 431; nginx's own answer is 400
    port = int(front_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /v1/figures HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        sock.settimeout(30)
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed, without a 408
        assert time.monotonic() - started > 5  # after waiting for the headers, not at once


def test_a_head_request_and_the_front_leaves_nothing_behind(stack) -> None:
    app_url, _, tree, env = stack
    front, front_url = start_front(tree, app_url, env)
    path = "/v1/figures/removals-2017"
    got, want = httpx.head(front_url + path), httpx.head(app_url + path)
    assert (got.status_code, got.headers["etag"]) == (want.status_code, want.headers["etag"])
    assert got.headers["content-type"] == want.headers["content-type"]
    assert got.content == b"" and "x-cache" not in got.headers
    front.terminate()
    assert front.wait(10) == 0
    config = re.search(r"\((/\S+/nginx\.conf)\)", front.stdout.read() if front.stdout else "")
    assert config, "depstats front did not say where its configuration is"
    assert not Path(config.group(1)).parent.exists()  # its prefix went with it
    # Killed outright, it cannot stop nginx itself: nginx is told by the kernel, and stops.
    front, front_url = start_front(tree, app_url, env)
    front.kill()
    front.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{front_url}/healthz", timeout=1)
        except httpx.TransportError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("nginx outlived depstats front")


@pytest.fixture
def baking_stack(
    request: pytest.FixtureRequest, tmp_path: Path, loaded_template: str
) -> Iterator[tuple[str, Path, dict[str, str], str]]:
    """`depstats serve --bake` (it bakes at start and after every write) and nginx on the
    tree: (front, tree, headers of a write token, app). The parameter, if any, is
    DEPSTATS_BAKE_DEFER_SECONDS."""
    url = database_url(tmp_path, "baking", template=loaded_template)
    env = {
        **os.environ,
        "DEPSTATS_DATABASE_URL": url,
        "DEPSTATS_PUBLIC_URL": PUBLIC,
        "DEPSTATS_TRUSTED_PROXIES": "127.0.0.1",
    }
    if getattr(request, "param", None) is not None:
        env["DEPSTATS_BAKE_DEFER_SECONDS"] = request.param
    made = subprocess.run(
        [str(DEPSTATS), "token", "create", "--name", "newsroom", "--scope", "write"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    writer = {"authorization": f"Bearer {made.stdout.strip()}"}
    tree = tmp_path / "tree"
    app, app_url = start_server(url, "--bake", str(tree), env=env)
    deadline = time.monotonic() + 120
    while not (tree / "manifest.json").exists():
        assert time.monotonic() < deadline, "".join(app.lines)
        time.sleep(0.2)
    front, front_url = start_front(tree, app_url, env)
    try:
        yield front_url, tree, writer, app_url
    finally:
        front.terminate()
        front.wait(10)
        stop_server(app)


# "0": every answer the write may have changed goes to the app until the rest is baked, then
# is baked again (bake_plan.due): the front passes them on meanwhile.
@pytest.mark.parametrize(
    "baking_stack", [None, "0"], indirect=True, ids=["as_set", "all_left_to_the_app"]
)
def test_a_write_is_seen_through_the_front_once_baked_and_no_reader_sees_half(
    baking_stack,
) -> None:
    import re
    import threading

    import orjson

    front_url, tree, writer, app_url = baking_stack
    figure, listing = "/v1/figures/removals-2017", "/v1/figures"
    seen: list[tuple[str, str, bytes]] = []
    stop = threading.Event()

    def read() -> None:  # a reader that asks again and again while the tree is baked anew
        with httpx.Client(base_url=front_url) as client:
            while not stop.is_set():
                for url in (figure, listing):
                    response = client.get(url)
                    assert response.status_code == 200
                    seen.append((url, response.headers["etag"], response.content))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with httpx.Client(base_url=front_url) as client:
            before = client.get(figure)
            assert "x-cache" not in before.headers  # from the tree
            before_csv = client.get("/v1/measures/refugee-admissions/figures?format=csv")
            version = orjson.loads((tree / "manifest.json").read_bytes())["version"]
            written = client.patch(
                figure,
                headers={**writer, "if-match": before.headers["etag"]},
                json={"note": "Checked again.", "reason": "a test of the baked front"},
            )
            assert written.status_code == 200, written.text
            started = time.monotonic()
            visible = None
            while (manifest := orjson.loads((tree / "manifest.json").read_bytes()))[
                "version"
            ] == version or manifest.get("left_to_the_app"):
                assert time.monotonic() - started < 60, "the write was never baked"
                now = client.get(figure).headers["etag"]
                if visible is None and now == written.headers["etag"]:
                    visible = time.monotonic() - started
                time.sleep(0.02)
            baked = time.monotonic() - started
            # Once the bake that follows the write has ended, the write is what the front serves.
            after = client.get(figure)
            assert after.headers["etag"] == written.headers["etag"]
            assert "x-cache" not in after.headers
            assert after.json()["note"] == "Checked again."
            # A download whose ETag is the dataset's version, and whose body the write did not
            # change: its head was left as it was, and the front gives it the new version.
            csv = "/v1/measures/refugee-admissions/figures?format=csv"
            from_app = httpx.get(app_url + csv)
            assert from_app.headers["etag"] != before_csv.headers["etag"]
            assert client.get(csv).headers["etag"] == from_app.headers["etag"]
            assert client.get(csv).content == from_app.content == before_csv.content
            print(
                f"write to visible through the front {visible or baked:.2f} s; baked {baked:.2f} s"
            )
            time.sleep(0.3)
    finally:
        stop.set()
        reader.join()
    assert len(seen) > 20
    bodies: dict[str, set[bytes]] = {}
    revisions: dict[str, list[int]] = {figure: [], listing: []}
    for url, etag, body in seen:
        bodies.setdefault(etag, set()).add(body)
        if url == figure:
            # The ETag names the revision; the body must be that revision's.
            revision = int(re.search(r"\.r(\d+)\.", etag).group(1))
            assert orjson.loads(body)["revision"] == revision
        else:
            items = orjson.loads(body)["items"]
            revision = next(i["revision"] for i in items if i["id"] == "removals-2017")
        revisions[url].append(revision)
    # One body for each ETag, whenever it was read; and no reader went back a version.
    assert all(len(found) == 1 for found in bodies.values())
    for found in revisions.values():
        assert found == sorted(found) and found[0] == 2 and found[-1] == 3
