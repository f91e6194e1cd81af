"""Clients that mean harm: what they send never grows memory beyond its bound, never takes the
write lock, never makes a 500, never forges a log line, and slow ones are cut off."""

import base64
import json
import re
import select
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event

from app.config import Settings
from app.db import WRITE_LOCK
from app.main import create_app
from helpers import PROJECT_ROOT, assert_problem, start_server, stop_server

FIGURE = "/v1/figures/removals-2017"
PATCH = {"note": "a correction", "reason": "test"}


def rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


# --- 1. The response cache is bounded by what it holds -----------------------------------


def test_junk_headers_do_not_grow_the_cache_and_answers_still_come_from_it(
    settings: Settings,
) -> None:
    """5,000 reads, each with a distinct 60 KB header: the process grows by at most the
    cache's bound plus 16 MiB (measured), and the answers are still hits."""
    bound = 8 * 1024 * 1024
    process, base = start_server(
        settings.database_url, env={"DEPSTATS_RESPONSE_CACHE_BYTES": str(bound)}
    )
    try:
        with httpx.Client(base_url=base) as client:
            for n in range(50):  # warm: every code path taken once
                client.get("/v1", headers={"X-Pad": f"{n}" + "a" * 60_000})
            before = rss_bytes(process.pid)
            answers = []
            for n in range(5_000):
                answers.append(
                    client.get("/v1", headers={"X-Pad": f"{n}-" + "b" * 60_000}).headers["x-cache"]
                )
            grown = rss_bytes(process.pid) - before
        assert answers.count("hit") == 5_000
        assert grown <= bound + 16 * 1024 * 1024, f"grew {grown / 2**20:.1f} MiB"
    finally:
        stop_server(process)


def test_a_forged_host_never_reaches_another_client(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        forged = client.get("/v1/figures?limit=1", headers={"Host": "evil.example"})
        assert "evil.example" in forged.json()["next"]
        honest = client.get("/v1/figures?limit=1", headers={"Host": "news.example"})
        assert honest.headers["x-cache"] == "miss"
        assert honest.json()["next"].startswith("http://news.example/")
        assert (
            client.get("/v1/figures?limit=1", headers={"Host": "news.example"}).headers["x-cache"]
            == "hit"
        )


def test_with_a_public_url_the_host_is_not_part_of_the_key(settings: Settings) -> None:
    public = settings.model_copy(update={"public_url": "https://stats.example"})
    with TestClient(create_app(public)) as client:
        client.get("/v1/figures?limit=1", headers={"Host": "a.example"})
        other = client.get("/v1/figures?limit=1", headers={"Host": "b.example"})
        assert other.headers["x-cache"] == "hit"
        assert other.json()["next"].startswith("https://stats.example/")


def test_what_the_key_holds_is_counted_against_the_bound(settings: Settings) -> None:
    """Answers that really differ (one per forged Host, each 40 KB of key): the cache
    counts their keys, so it keeps few of them and stays within its bound."""
    bound = 1024 * 1024
    small = settings.model_copy(update={"response_cache_bytes": bound})
    app = create_app(small)
    with TestClient(app) as client:
        for n in range(200):
            client.get("/v1", headers={"Host": f"h{n}." + "x" * 40_000})
        cache = app.middleware_stack
        while type(cache).__name__ != "ResponseCache":
            cache = cache.app
        kept = sum(len(key[1]) for key in cache.resources)
        assert 0 < kept <= cache.size <= bound
        assert len(cache.resources) < 30
        assert cache.size == sum(resource.size for resource in cache.resources.values())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"Accept": "text/csv, application/json;q=0.1"}, {"Accept": "text/csv"}),
        ({"Accept": "*/*"}, {"Accept": "application/json, text/csv;q=0.5"}),
        ({"Accept-Encoding": "gzip, deflate, br"}, {"Accept-Encoding": "gzip"}),
    ],
)
def test_requests_that_choose_the_same_representation_share_one_answer(
    client: TestClient, first: dict[str, str], second: dict[str, str]
) -> None:
    assert client.get("/v1/figures", headers=first).headers["x-cache"] == "miss"
    assert client.get("/v1/figures", headers=second).headers["x-cache"] == "hit"


# --- 2. No request is a 500 because of what it carries -----------------------------------

PAGED = [
    "/v1/figures",
    "/v1/figures?format=csv",
    "/v1/measures/final-removal-orders/figures",
    "/v1/measures/final-removal-orders/figures?format=ndjson",
    "/v1/derived",
    "/v1/measures",
    "/v1/sources?format=ndjson",
]
SORTS = ["id", "-id", "value", "time", "-updated_at", "updated_at", "qualifier", "measure"]


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
# Keys of every type a sort uses, and the edges of each: naive and far times, huge and
# non-finite numbers, ids with NUL bytes or of the wrong shape.
keys = st.one_of(
    json_values,
    st.datetimes(timezones=st.none() | st.just(UTC)).map(datetime.isoformat),
    st.dates().map(date.isoformat),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.text(alphabet="ab-\x00\n", max_size=90),
    st.sampled_from(["removals-2017", "exact", "more_than", "0001-01-01T00:00:00-23:59"]),
)


def cursors_for(sort: str):
    """Cursors for a request sorted by `sort`: bytes, any JSON, and (most) cursors shaped as
    ours are, made for this sort or another, with keys and ids of every type."""
    ids = st.just("removals-2017") | keys

    def made(made_for) -> st.SearchStrategy[str]:
        shaped = st.fixed_dictionaries({"s": made_for, "k": keys, "i": ids})
        return shaped.map(lambda v: encode(json.dumps(v).encode()))

    return st.one_of(
        st.binary(max_size=200).map(encode),
        json_values.map(lambda v: encode(json.dumps(v).encode())),  # integers of any size
        made(st.just(sort)),
        made(st.just(sort)),
        made(st.sampled_from(SORTS) | st.text(max_size=8)),
        made(st.just(sort)).map(lambda cursor: cursor + "A"),  # one character too many
    )


@pytest.fixture(scope="module")
def read_client(tmp_path_factory: pytest.TempPathFactory, loaded_template: str):
    """One app for the many generated requests (they only read)."""
    from conftest import make_settings
    from helpers import database_url

    url = database_url(tmp_path_factory.mktemp("cursors"), "cursors", template=loaded_template)
    with TestClient(create_app(make_settings(url)), raise_server_exceptions=False) as client:
        yield client


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), path=st.sampled_from(PAGED), sort=st.sampled_from(SORTS))
def test_no_cursor_makes_a_server_error(read_client: TestClient, data, path, sort) -> None:
    cursor = data.draw(cursors_for(sort if "figures" in path else "id"))
    joined = "&" if "?" in path else "?"
    sorted_ = f"&sort={sort}" if "figures" in path else ""
    response = read_client.get(f"{path}{joined}cursor={cursor}{sorted_}")
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    "key",
    ["2020-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "not a time", 20200101, None],
)
@pytest.mark.parametrize("sort", ["updated_at", "-updated_at"])
@pytest.mark.parametrize(
    "path", ["/v1/figures", "/v1/figures?format=csv", "/v1/measures/final-removal-orders/figures"]
)
def test_the_reported_cursors_are_refused_with_a_problem(
    read_client: TestClient, key, sort: str, path: str
) -> None:
    cursor = encode(orjson.dumps({"s": sort, "k": key, "i": "x"}))
    joined = "&" if "?" in path else "?"
    body = assert_problem(read_client.get(f"{path}{joined}sort={sort}&cursor={cursor}"), 422)
    assert body["errors"][0]["pointer"] == "#/cursor"


def test_a_cursor_with_a_nul_in_its_id_is_refused(read_client: TestClient) -> None:
    cursor = encode(orjson.dumps({"s": "id", "k": "removals-2017\x00", "i": "removals-2017\x00"}))
    assert_problem(read_client.get(f"/v1/figures?cursor={cursor}"), 422)


# --- 3. Authentication before any lock ---------------------------------------------------


@pytest.fixture
def locked(settings: Settings):
    """Another process's writer, holding what a PATCH of FIGURE needs (SQLite's write lock;
    the figure's row on PostgreSQL) until the test calls the function it yields."""
    engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
        connection.exec_driver_sql("SELECT id FROM figures WHERE id = 'removals-2017' FOR UPDATE")

    def release() -> None:
        if not connection.closed:
            connection.exec_driver_sql("ROLLBACK")
            connection.close()

    yield release
    release()
    engine.dispose()


def test_a_held_lock_gives_strangers_401_and_writers_503(
    settings: Settings, tokens: dict[str, str], writer: dict[str, str], locked
) -> None:
    quick = settings.model_copy(update={"lock_timeout_ms": 300})
    with TestClient(create_app(quick), raise_server_exceptions=False) as client:
        etag = client.get(FIGURE).headers["etag"]
        patch = {"note": "while locked", "reason": "test"}
        try:
            # No token, a wrong one, a revoked one: refused by a read, never waiting.
            for headers in ({}, {"Authorization": "Bearer dps_" + "x" * 43},
                            {"Authorization": f"Bearer {tokens['revoked']}"}):  # fmt: skip
                refused = client.patch(FIGURE, json=patch, headers={**headers, "If-Match": etag})
                assert_problem(refused, 401)
                assert_problem(client.post("/v1/figures", json={}, headers=headers), 401)
            waited = client.patch(FIGURE, json=patch, headers={**writer, "If-Match": etag})
            body = assert_problem(waited, 503)
            assert int(waited.headers["retry-after"]) >= 1
            assert waited.headers["cache-control"] == "no-store"
            assert "nothing was written" in body["detail"]
        finally:
            locked()
        # Nothing was half-written; once the lock is free the same PATCH goes through.
        # (Revision 2 is its correction in data/corrections.toml, as loaded.)
        assert client.get(FIGURE).json()["revision"] == 2
        done = client.patch(FIGURE, json=patch, headers={**writer, "If-Match": etag})
        assert done.status_code == 200, done.text
        assert done.json()["revision"] == 3


def test_a_stranger_never_opens_a_write_transaction(
    settings: Settings, writer: dict[str, str]
) -> None:
    """Every transaction the app begins is watched: token-less and bad-token writes begin
    none that takes the write lock; a writer's begins one."""
    app = create_app(settings)
    write_begins = []

    @event.listens_for(app.state.engine, "begin")
    def _watch(connection) -> None:
        write_begins.append(connection.get_execution_options().get(WRITE_LOCK, False))

    with TestClient(app, raise_server_exceptions=False) as client:
        etag = client.get(FIGURE).headers["etag"]
        for n in range(30):
            headers = {"If-Match": etag}
            if n % 3:
                headers["Authorization"] = "Bearer dps_" + f"{n:043d}"
            assert client.patch(
                FIGURE, json={"note": "x", "reason": "r"}, headers=headers
            ).status_code in (401, 429)
            assert client.post("/v1/figures", json={}, headers=headers).status_code in (401, 429)
        assert write_begins.count(True) == 0
        done = client.patch(
            FIGURE, json={"note": "x", "reason": "r"}, headers={**writer, "If-Match": etag}
        )
        assert done.status_code == 200
        assert write_begins.count(True) == 1


# --- 4. Logs cannot be forged ------------------------------------------------------------

ACCESS_LINE = re.compile(r"^[0-9a-f]{32} (GET|HEAD|POST|PATCH) \S+ \d{3} [\d.]+ms$")
CLOSE = "Connection: close\r\n"
NASTY = ["%0D%0A", "%0A", "%00", "%1B%5B31m", "%E2%80%A8", "%C2%85"]


def raw_request(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_no_client_can_write_a_line_into_the_log(settings: Settings) -> None:
    process, base = start_server(settings.database_url)
    port = int(base.rsplit(":", 1)[1])
    forged = "d00d00d00d00d00d00d00d00d00d00d0%20POST%20/v1/sources%20201%201.0ms"
    targets = (
        [f"/v1/figures/x{bad}{forged}" for bad in NASTY]
        + [f"/v1/figures?q=a{bad}{forged}" for bad in NASTY]
        + [f"/v1/sources/{bad}/text" for bad in NASTY]
    )
    headers = [
        b"X-Request-ID: abc\x1b[2Jdef",
        b"X-Request-ID: abc%0Ad00d",
        b"User-Agent: \x1b[31mred",
        b"Accept: text/csv\x1b[0m",
    ]
    try:
        for target in targets:
            raw_request(
                port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
        for header in headers:
            raw_request(
                port, b"GET /v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header + b"\r\n\r\n"
            )
    finally:
        output = stop_server(process)
    lines = output.splitlines()
    # (start_server asked for /readyz before the test began)
    access = [line for line in lines if ACCESS_LINE.match(line) and " /readyz " not in line]
    # One line per request that reached the app; a header the HTTP parser refuses gets a 400
    # from uvicorn, logged as its own warning line.
    refused = [line for line in lines if "Invalid HTTP request received" in line]
    assert len(access) + len(refused) == len(targets) + len(headers)
    assert len(access) >= len(targets)
    assert not any(line.startswith("d00d") for line in lines)
    for line in lines:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]", line), repr(line)


# --- 5. Slow and oversized clients are cut off -------------------------------------------

QUICK = {
    "DEPSTATS_HEADER_TIMEOUT": "0.5",
    "DEPSTATS_BODY_TIMEOUT": "0.5",
    "DEPSTATS_SEND_TIMEOUT": "0.5",
}


@pytest.fixture
def quick_server(settings: Settings):
    process, base = start_server(settings.database_url, env=QUICK)
    yield int(base.rsplit(":", 1)[1])
    stop_server(process)


def read_until_closed(sock: socket.socket, seconds: float = 10) -> bytes:
    """What the server sent before it closed (a reset, after it closed on unread bytes,
    ends the reading too)."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_headers_sent_a_byte_at_a_time_are_cut_off_with_408(quick_server: int) -> None:
    with socket.create_connection(("127.0.0.1", quick_server)) as sock:
        closed = False
        for byte in b"GET /v1 HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n":
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") or closed
    if answer:
        assert b"application/problem+json" in answer


def test_a_connection_that_sends_nothing_is_closed(quick_server: int) -> None:
    with socket.create_connection(("127.0.0.1", quick_server)) as sock:
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_body_that_stalls_is_cut_off_with_408_and_nothing_is_written(
    quick_server: int, settings: Settings, tokens: dict[str, str]
) -> None:
    base = f"http://127.0.0.1:{quick_server}"
    etag = httpx.get(base + FIGURE).headers["etag"]
    with socket.create_connection(("127.0.0.1", quick_server)) as sock:
        sock.sendall(
            f"PATCH {FIGURE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tokens['write']}\r\n"
            f"If-Match: {etag}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            '{"note": "partial'.encode()
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert httpx.get(base + FIGURE).json()["revision"] == 2  # as loaded, with its correction


def test_headers_over_64_kb_get_431_and_a_large_body_is_not_mistaken_for_them(
    settings: Settings, writer: dict[str, str]
) -> None:
    process, base = start_server(settings.database_url)
    port = int(base.rsplit(":", 1)[1])
    try:
        big = b"X-Pad: " + b"a" * 70_000 + b"\r\n"
        answer = raw_request(port, b"GET /v1 HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert b'"status":431' in answer
        many = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"b" * 1000) for n in range(70))
        assert raw_request(port, b"GET /v1 HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").startswith(
            b"HTTP/1.1 431 "
        )
        # Headers well under the cap, sent in one piece with a body four times the cap.
        body = orjson.dumps({"text": "x" * 300_000, "published": "2018-02"})
        posted = httpx.post(base + "/v1/extract", content=body, headers={
            **writer, "Content-Type": "application/json"}, timeout=60)  # fmt: skip
        assert posted.status_code == 200, posted.text
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def many_figures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with 4,000 synthetic figures, whose CSV (about 3.6 MB) fills any
    socket buffer of a client that reads nothing. SQLite whatever the engine under test:
    what is tested is the server's, and its snapshot is what a checkpoint can see."""
    database = tmp_path_factory.mktemp("many") / "many.db"
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "make_figures.py"),
         "--figures", "4000", "--database", str(database)],
        check=True, capture_output=True,
    )  # fmt: skip
    return database


def snapshot_held(database: Path) -> bool:
    """Whether some connection still reads an old snapshot: a write, then a checkpoint
    that must wait for every reader to be at the newest (busy if one is not)."""
    import sqlite3

    with sqlite3.connect(database, isolation_level=None) as connection:
        connection.execute("PRAGMA busy_timeout = 200")
        connection.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
        connection.execute("INSERT INTO scratch VALUES (1)")
        busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    return busy == 1


def slow_download(port: int, path: str = "/v1/figures?format=csv") -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return sock


def answer_began(sock: socket.socket, seconds: float = 10) -> bool:
    """Whether the server began answering on `sock` within `seconds`: its first bytes wait
    there, unread (a download's slot is taken before its first byte is sent)."""
    readable, _, _ = select.select([sock], [], [], seconds)
    return bool(readable)


def test_a_client_that_stops_reading_is_cut_off_and_its_snapshot_released(
    many_figures: Path,
) -> None:
    process, base = start_server(
        f"sqlite:///{many_figures}",
        env={**QUICK, "DEPSTATS_SEND_TIMEOUT": "1", "DEPSTATS_BULK_DOWNLOADS_PER_CLIENT": "2"},
    )
    port = int(base.rsplit(":", 1)[1])
    try:
        first, second = slow_download(port), slow_download(port, "/v1/figures?format=ndjson")
        # Both hold their slots once their answers begin (however slow the machine is).
        assert answer_began(first) and answer_began(second)
        # A third whole download from the same client waits its turn: 429.
        third = httpx.get(base + "/v1/figures?format=csv")
        assert_problem(third, 429)
        assert "retry-after" in third.headers
        assert snapshot_held(many_figures)
        # Neither reads: both are cut off, and their read transactions end.
        deadline = time.monotonic() + 15
        while snapshot_held(many_figures) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not snapshot_held(many_figures)
        for sock in (first, second):
            got = read_until_closed(sock)
            assert got.startswith(b"HTTP/1.1 200 ")
            assert len(got) < 3_000_000  # the download was not finished
            sock.close()
        # Its slots are given back: the client may download again, and this time it reads.
        whole = httpx.get(base + "/v1/figures?format=csv", timeout=30)
        assert whole.status_code == 200
        assert whole.text.count("\n") == 4_009
    finally:
        output = stop_server(process)
    assert output.count("read nothing for 1 s") == 2
