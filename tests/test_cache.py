"""The response cache: every process answers with new data on the request after a write or a
load, and a kept answer never reaches a request for another representation."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.cache import ResponseCache
from app.config import Settings
from app.main import create_app
from helpers import SOURCE_ID, start_server, stop_server

FIGURE = "/v1/figures/removals-2017"
MEASURE_NAME = "Removals of Cambodian nationals from the US to Cambodia"
# Reads the write and load below change, each in several representations.
READS = [
    FIGURE,
    "/v1/figures",
    "/v1/figures?format=csv",
    "/v1/figures?format=ndjson&limit=3&measure=removals-us-to-cambodia",
    "/v1/measures/removals-us-to-cambodia/figures",
    "/v1/measures/removals-us-to-cambodia",
    f"/v1/sources/{SOURCE_ID}",
    "/v1/figures/removals-2017/citation",
]

SHOW_NOTES = READS[:5]
SHOW_MEASURE_NAMES = READS[:6]


def writer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['write']}"}


def correct_note(base_or_client, tokens: dict[str, str], note: str) -> None:
    get, patch = base_or_client.get, base_or_client.patch
    tag = get(FIGURE).headers["etag"]
    response = patch(
        FIGURE, json={"note": note, "reason": "r"}, headers={**writer(tokens), "If-Match": tag}
    )
    assert response.status_code == 200, response.text


def test_a_repeated_read_is_answered_from_the_cache(client: TestClient) -> None:
    first, second = client.get("/v1/figures"), client.get("/v1/figures")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    # Each answer still has its own request id.
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_write_is_read_on_the_next_request(client: TestClient, tokens) -> None:
    for path in READS:
        client.get(path)
        assert client.get(path).headers["x-cache"] == "hit", path
    correct_note(client, tokens, "corrected once")
    assert client.get(FIGURE).json()["note"] == "corrected once"
    list_note = {f["id"]: f["note"] for f in client.get("/v1/figures").json()["items"]}
    assert list_note["removals-2017"] == "corrected once"
    assert "corrected once" in client.get("/v1/figures?format=csv").text


def test_a_revalidation_after_a_write_gets_the_new_body(client: TestClient, tokens) -> None:
    old = client.get(FIGURE).headers["etag"]
    assert client.get(FIGURE, headers={"If-None-Match": old}).status_code == 304
    assert client.get(FIGURE, headers={"If-None-Match": old}).headers["x-cache"] == "hit"
    correct_note(client, tokens, "corrected")
    again = client.get(FIGURE, headers={"If-None-Match": old})
    assert again.status_code == 200
    assert again.json()["note"] == "corrected"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "identity"}),
        ({"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip"}),
        ({"Accept": "text/csv"}, {"Accept": "application/json"}),
        ({"Accept": "application/x-ndjson"}, {"Accept": "text/csv"}),
        ({"Origin": "https://news.example"}, {}),
        ({}, {"Origin": "https://news.example"}),
    ],
)
def test_a_kept_answer_never_crosses_representations(
    settings: Settings, first: dict[str, str], second: dict[str, str]
) -> None:
    """The second request, answered after the first was kept, gets exactly what it gets
    from an app with no cache at all."""
    uncached = settings.model_copy(update={"response_cache_bytes": 0})
    with TestClient(create_app(settings)) as cached, TestClient(create_app(uncached)) as plain:
        for path in ("/v1/figures", "/v1/figures?limit=2", FIGURE):
            cached.get(path, headers=first)
            got = cached.get(path, headers=second)
            want = plain.get(path, headers=second)
            assert got.content == want.content, path
            for name in ("content-type", "content-encoding", "access-control-allow-origin",
                         "etag", "vary", "link"):  # fmt: skip
                assert got.headers.get(name) == want.headers.get(name), (path, name)


def test_a_gzipped_answer_is_only_sent_to_clients_that_take_gzip(client: TestClient) -> None:
    zipped = client.get("/v1/figures", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    raw = httpx.Client(transport=client._transport, base_url="http://testserver")
    plain = raw.get("/v1/figures", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json()["total"] == 8


def test_head_is_answered_from_the_kept_get_without_a_body(client: TestClient) -> None:
    got = client.get("/v1/figures")
    head = client.head("/v1/figures")
    assert head.headers["x-cache"] == "hit"
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]


def test_writes_and_requests_with_credentials_pass_by_the_cache(client: TestClient) -> None:
    client.get("/v1/figures")
    with_token = client.get("/v1/figures", headers={"Authorization": "Bearer whatever"})
    assert "x-cache" not in with_token.headers
    assert "x-cache" not in client.get("/readyz").headers or (
        client.get("/readyz").headers["x-cache"] == "miss"
    )


def test_answers_marked_no_store_are_never_kept(client: TestClient) -> None:
    client.get("/readyz")
    assert client.get("/readyz").headers["x-cache"] == "miss"


def test_the_cache_holds_no_more_than_its_bound() -> None:
    """Many distinct answers: the oldest go, the total stays within max_bytes."""
    import asyncio

    async def app(scope, receive, send):
        body = scope["query_string"] * 100
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]})
        await send({"type": "http.response.body", "body": body})

    async def version() -> int:
        return 1

    cache = ResponseCache(app, version=version, max_bytes=20_000, max_entry_bytes=5_000)

    async def get(query: bytes) -> None:
        scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/",
                 "query_string": query, "headers": []}  # fmt: skip

        async def send(message):
            pass

        await cache(scope, None, send)

    async def many() -> None:
        for n in range(500):
            await get(f"n={n:04d}".encode())
        await get(b"big" * 2000)  # 600 kB: over the entry bound, passed through unkept

    asyncio.run(many())
    assert 0 < cache.size <= 20_000
    assert len(cache.resources) < 500
    assert ("http", None, "/", b"n=0499") in cache.resources
    assert all(b"big" not in key[3] for key in cache.resources)


def test_every_process_answers_with_new_data_after_a_write_and_a_load(
    settings: Settings, tokens: dict[str, str], data_copy: Path
) -> None:
    """Two servers on one database, one of them with two workers: every process has kept
    every read, then a write through one and a load from the command line are seen by all
    of them on their next request."""
    first, one = start_server(settings.database_url, "--workers", "2")
    second, other = start_server(settings.database_url)
    try:

        def read_everywhere(check, times: int = 6) -> None:
            # New connections each time, so that both of the first server's workers answer.
            for base in (one, other):
                for _ in range(times):
                    for path in READS:
                        check(path, httpx.get(base + path))

        read_everywhere(lambda path, r: r.raise_for_status(), times=24)
        hits: dict[str, list[str | None]] = {one: [], other: []}
        for base in (one, other):
            for path in READS:
                hits[base].append(httpx.get(base + path).headers.get("x-cache"))
        # The single process has kept every read. Which of the two workers the kernel hands a
        # connection to is its choice (it may favour one): their reads are kept, not all hits.
        assert set(hits[other]) == {"hit"}, "every read was kept"
        assert "hit" in hits[one]

        correct_note(httpx.Client(base_url=one), tokens, "seen everywhere")

        def shows_the_write(path: str, response: httpx.Response) -> None:
            if path in SHOW_NOTES:
                assert "seen everywhere" in response.text, path

        read_everywhere(shows_the_write)

        measures = data_copy / "measures.toml"
        measures.write_text(measures.read_text().replace(MEASURE_NAME, "Removals, loaded later"))
        loaded = subprocess.run(
            [
                str(Path(sys.executable).parent / "depstats"),
                "load",
                "--data",
                str(data_copy),
                "--overwrite",
                "--reason",
                "r",
            ],
            env={"DEPSTATS_DATABASE_URL": settings.database_url, "PATH": ""},
            capture_output=True,
            text=True,
        )
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr

        def shows_the_load(path: str, response: httpx.Response) -> None:
            if path in SHOW_MEASURE_NAMES:
                assert "Removals, loaded later" in response.text, path
                assert MEASURE_NAME not in response.text, path

        read_everywhere(shows_the_load)
    finally:
        for process in (first, second):
            stop_server(process)


def test_a_kept_count_is_counted_again_after_a_write(settings: Settings, tokens) -> None:
    """With the response cache off, list totals are still kept per version: a retraction
    must change the next page's total."""
    uncached = settings.model_copy(update={"response_cache_bytes": 0})
    with TestClient(create_app(uncached)) as client:
        path = "/v1/figures?measure=removals-us-to-cambodia&limit=1"
        before = client.get(path).json()["total"]
        assert client.get(path).json()["total"] == before
        retracted = client.post(
            "/v1/figures/removals-since-2002-rounded/retract",
            headers=writer(tokens),
            json={"reason": "a test"},
        )
        assert retracted.status_code == 200, retracted.text
        assert client.get(path).json()["total"] == before - 1


IDS = {
    "figure_id": "removals-2017",
    "measure_id": "removals-us-to-cambodia",
    "source_id": SOURCE_ID,
    "derived_id": "final-removal-orders-criminal-share-2017-12",
    "table": "figures",
}


# The query a route cannot answer without.
REQUIRED_QUERIES = {"/v1/citations": "?figure=removals-2017&figure=final-removal-orders-2017-12"}


def every_read(app) -> list[str]:
    """A request for every GET operation in the OpenAPI document, ids filled in (a new route
    with a parameter not named in IDS fails here, so that it gets a check)."""
    paths = []
    for template, operations in app.openapi()["paths"].items():
        if "get" in operations:
            paths.append(template.format(**IDS) + REQUIRED_QUERIES.get(template, ""))
    return paths + PAGES


# The pages for people, outside the OpenAPI document, cached the same way.
PAGES = [
    "/",
    "/about",
    "/measures",
    "/sources",
    "/derived",
    "/search?q=removed",
    "/figures/{figure_id}".format(**IDS),
    "/measures/{measure_id}".format(**IDS),
    "/sources/{source_id}".format(**IDS),
    "/derived/{derived_id}".format(**IDS),
    # For search engines and feed readers (app/routers/feeds.py).
    "/robots.txt",
    "/sitemap.xml",
    "/sitemaps/pages.xml",
    "/sitemaps/figures.xml",
    "/sitemaps/derived.xml",
    "/feeds/changes.atom",
    "/figures/{figure_id}/changes.atom".format(**IDS),
]


def test_every_route_answers_the_new_data_on_the_next_request_after_a_load(
    settings: Settings, data_copy: Path
) -> None:
    """Every GET route, kept, then the data behind all of them changed by a load through
    another engine: each answers exactly what an app with no cache answers."""
    measures = data_copy / "measures.toml"
    measures.write_text(measures.read_text().replace(MEASURE_NAME, "Removals, renamed"))
    source = data_copy / f"sources/{SOURCE_ID}.toml"
    source.write_text(source.read_text().replace("Cambodia committed", "Cambodia, committed"))
    figures = data_copy / "figures/khmer-times-2018-02-us-deportees.toml"
    figures.write_text(
        figures.read_text().replace('note = "\\"Last year', 'note = "Renamed: \\"Last year', 1)
    )
    uncached = settings.model_copy(update={"response_cache_bytes": 0})
    with TestClient(create_app(settings)) as cached, TestClient(create_app(uncached)) as plain:
        reads = every_read(cached.app)
        assert len(reads) >= 15
        for path in reads:
            cached.get(path)
        kept = [p for p in reads if cached.get(p).headers.get("x-cache") == "hit"]
        assert len(kept) >= len(reads) - 2, "all but the health probes are kept"
        loaded = subprocess.run(
            [str(Path(sys.executable).parent / "depstats"), "load", "--data", str(data_copy)],
            env={"DEPSTATS_DATABASE_URL": settings.database_url, "PATH": ""},
            capture_output=True,
            text=True,
        )
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        changed = 0
        for path in kept:
            got, want = cached.get(path), plain.get(path)
            assert got.status_code == want.status_code, path
            assert got.content == want.content, path
            assert got.headers.get("etag") == want.headers.get("etag"), path
            changed += any(
                new in got.content for new in (b"renamed", b"Renamed", b"Cambodia, committed")
            )
        assert changed >= 9, "the load changed what most routes say"
        new = (b"renamed", b"Renamed", b"Cambodia, committed")
        for page in (
            "/",
            "/measures",
            "/figures/removals-2017",
            f"/sources/{SOURCE_ID}",
            "/feeds/changes.atom",  # the load's correction of the note, its measure renamed
            "/figures/removals-2017/changes.atom",
        ):
            assert any(word in cached.get(page).content for word in new), page


def test_the_hot_reads_run_in_the_read_threads_not_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure and a page of figures are read from the database in the app's read threads:
    where the read runs, no event loop is running, and the thread is one of `reads`."""
    import asyncio
    import threading

    from app.services import figures as service
    from app.services import renders

    seen: list[tuple[str, bool, str]] = []

    def where(name: str) -> None:
        try:
            asyncio.get_running_loop()
            on_a_loop = True
        except RuntimeError:
            on_a_loop = False
        seen.append((name, on_a_loop, threading.current_thread().name.split("_")[0]))

    def watched(name: str, read: Any) -> Any:
        def read_and_say_where(*args: Any, **kwargs: Any) -> Any:
            where(name)
            return read(*args, **kwargs)

        return read_and_say_where

    monkeypatch.setattr(renders, "rendered_figure", watched("one", renders.rendered_figure))
    monkeypatch.setattr(service, "rendered_figures", watched("page", service.rendered_figures))
    uncached = settings.model_copy(update={"response_cache_bytes": 0})
    with TestClient(create_app(uncached)) as client:
        assert client.get(FIGURE).status_code == 200
        assert client.get("/v1/figures?limit=2").status_code == 200
    assert seen == [("one", False, "reads"), ("page", False, "reads")]


def test_many_concurrent_reads_of_every_kind_all_complete(settings: Settings) -> None:
    """Reads made in the event loop must never wait there for a pooled connection: 64 at
    once, streamed CSVs among them, with the response cache off, all answer."""
    import asyncio

    # One client opening 48 downloads at once: more than a client may stream by default.
    process, base = start_server(
        settings.database_url,
        env={"DEPSTATS_RESPONSE_CACHE_BYTES": "0", "DEPSTATS_BULK_DOWNLOADS_PER_CLIENT": "64"},
    )
    paths = [
        "/v1/figures?format=csv",
        "/v1/figures?format=ndjson",
        "/v1/figures",
        FIGURE,
        "/v1/measures?format=csv",
        "/v1/sources?format=ndjson",
    ] * 12

    async def read_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=base, timeout=20, limits=limits) as client:
            return await asyncio.gather(*(client.get(p) for p in paths))

    try:
        answers = asyncio.run(read_all())
        assert [a.status_code for a in answers] == [200] * len(paths)
        assert all(a.text.count("\n") == 9 for a in answers[::6])  # header and 8 rows
    finally:
        stop_server(process)  # it stops: nothing is stuck


def test_a_source_added_is_a_filter_the_next_request_accepts(
    settings: Settings, tokens: dict[str, str]
) -> None:
    """The ids a filter may name are kept per version too: a new source is known at once."""
    uncached = settings.model_copy(update={"response_cache_bytes": 0})
    with TestClient(create_app(uncached)) as client:
        path = "/v1/figures?source=phnom-penh-post-2019-03"
        assert client.get(path).status_code == 422
        source = {
            "id": "phnom-penh-post-2019-03",
            "title": "Deportees return home",
            "publisher": "Phnom Penh Post",
            "published": "2019-03",
            "language": "en",
            "text": "Forty-three Cambodians were deported on Tuesday.",
        }
        added = client.post(
            "/v1/sources", headers={"Authorization": f"Bearer {tokens['admin']}"}, json=source
        )
        assert added.status_code == 201, added.text
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.json()["total"] == 0
