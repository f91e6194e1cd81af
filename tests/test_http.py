"""What HTTP clients and caches rely on: ETags that change exactly with the data, 304s, HEAD,
Cache-Control and Vary, CORS for browsers, gzip, request ids and the access log."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.curation import read_dataset
from app.openapi import EXAMPLE_REQUESTS
from app.services.loader import load_dataset

READS = sorted(
    {
        *EXAMPLE_REQUESTS.values(),
        "/v1/figures?format=csv",
        "/v1/figures?format=ndjson",
        "/v1/sources/khmer-times-2018-02-us-deportees/text",
        "/v1/figures/removals-2017/citation?style=bibtex",
        "/v1/sources/khmer-times-2018-02-us-deportees/citation",
    }
    - {"/healthz", "/readyz"}
)
FIGURES = "figures/khmer-times-2018-02-us-deportees.toml"


@pytest.mark.parametrize("path", READS)
def test_every_read_carries_a_weak_etag_cache_control_and_vary(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["cache-control"] == "public, max-age=60"
    assert {v.strip() for v in response.headers["vary"].split(",")} >= {"Accept", "Accept-Encoding"}


@pytest.mark.parametrize("path", READS)
def test_if_none_match_answers_304_with_no_body(client: TestClient, path: str) -> None:
    etag = client.get(path).headers["etag"]
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "Accept" in response.headers["vary"]
    # Weak comparison: the strong form of the same tag, or a list holding it, matches too.
    strong = etag.removeprefix("W/")
    assert client.get(path, headers={"If-None-Match": f'"x", {strong}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("path", [*READS, "/healthz", "/readyz"])
def test_head_works_on_every_get_route_without_a_body(client: TestClient, path: str) -> None:
    plain = {"Accept-Encoding": "identity"}  # compare lengths without gzip in the way
    got = client.get(path, headers=plain)
    head = client.head(path, headers=plain)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers.get("etag") == got.headers.get("etag")
    assert head.headers["content-type"] == got.headers["content-type"]
    # A streamed download has no length to announce; a HEAD must not claim 0.
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_probes_and_errors_are_never_cached(client: TestClient) -> None:
    assert client.get("/healthz").headers["cache-control"] == "no-store"
    assert client.get("/readyz").headers["cache-control"] == "no-store"
    for path in ("/v1/figures/removals-2016", "/v1/figures?limit=0", "/v1/nowhere"):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
    assert client.head("/v1/figures/removals-2016").status_code == 404


def test_a_loaded_change_changes_exactly_the_etags_of_what_it_touches(
    client: TestClient, engine: Engine, data_copy: Path
) -> None:
    touched = [
        "/v1/figures/removals-2017",
        "/v1/figures",
        "/v1/figures?format=csv",
        "/v1/figures/removals-2017/history",
        "/v1",
    ]
    untouched = [
        "/v1/figures/final-removal-orders-2017-12",
        "/v1/measures",
        "/v1/measures/removals-us-to-cambodia",
        "/v1/derived",
        "/v1/sources/khmer-times-2018-02-us-deportees/text",
    ]
    before = {path: client.get(path).headers["etag"] for path in touched + untouched}
    path = data_copy / FIGURES
    path.write_text(
        path.read_text().replace(
            '"\\"Last year\\" is 2017: the article was published in February 2018."',
            '"A corrected note."',
        )
    )
    with Session(engine) as session, session.begin():
        assert load_dataset(session, read_dataset(data_copy)).updated == ["figure removals-2017"]
    for path in touched:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200, path
        assert response.headers["etag"] != before[path], path
    for path in untouched:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 304, path


def test_cors_lets_any_origin_read_and_see_etag_and_link(client: TestClient) -> None:
    response = client.get("/v1/figures?limit=2", headers={"Origin": "https://dash.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "link"} <= exposed
    preflight = client.options(
        "/v1/figures",
        headers={
            "Origin": "https://dash.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert {"GET", "HEAD"} <= {
        m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")
    }
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()


def test_gzip_for_large_bodies_keeps_the_etag(client: TestClient) -> None:
    plain = client.get("/v1/figures", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/figures", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert json.loads(zipped.content) == plain.json()  # httpx has already unzipped it
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KB: not worth it
    assert int(zipped.headers["content-length"]) < len(plain.content)


def test_request_ids_are_echoed_when_sane_and_made_otherwise(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith <script>"})
    assert made.headers["x-request-id"] != "bad id\twith <script>"
    assert len(made.headers["x-request-id"]) == 32
    assert client.get("/v1/nowhere").headers["x-request-id"]


def test_the_access_log_has_one_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="depstats.access"):
        client.get("/v1/figures/removals-2017", headers={"X-Request-ID": "trace-1"})
    [record] = [r for r in caplog.records if r.name == "depstats.access"]
    words = record.getMessage().split()
    assert words[:4] == ["trace-1", "GET", "/v1/figures/removals-2017", "200"]
    assert words[4].endswith("ms")


def test_what_the_bake_asks_in_process_is_not_in_the_access_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    import anyio

    from app.inprocess import get

    headers = [(b"host", b"testserver")]
    with caplog.at_level(logging.INFO, logger="depstats.access"):
        status, _, _, _ = anyio.run(get, client.app, "http", "/v1/figures/removals-2017", headers)
        client.get("/v1/figures/removals-2016")
    assert status == 200
    logged = [r.getMessage().split()[2] for r in caplog.records if r.name == "depstats.access"]
    assert logged == ["/v1/figures/removals-2016"]


def test_the_access_log_speaks_json_when_asked(settings, caplog: pytest.LogCaptureFixture) -> None:
    from app.main import create_app

    with (
        TestClient(create_app(settings.model_copy(update={"log_format": "json"}))) as client,
        caplog.at_level(logging.INFO, logger="depstats.access"),
    ):
        client.get("/v1/figures/nope-nope", headers={"X-Request-ID": "trace-2"})
    [record] = [r for r in caplog.records if r.name == "depstats.access"]
    line = json.loads(record.getMessage())
    assert {k: line[k] for k in ("request_id", "method", "path", "status")} == {
        "request_id": "trace-2",
        "method": "GET",
        "path": "/v1/figures/nope-nope",
        "status": 404,
    }
    assert line["duration_ms"] >= 0


def test_links_use_the_public_url_not_a_forged_host(settings) -> None:
    from app.main import create_app

    app = create_app(settings.model_copy(update={"public_url": "https://stats.example.org"}))
    with TestClient(app) as client:
        forged = {"Host": "evil.example"}
        page = client.get("/v1/figures?limit=2", headers=forged)
        assert page.json()["next"].startswith("https://stats.example.org/v1/figures?")
        assert page.headers["link"].startswith("<https://stats.example.org/v1/figures?")
        citation = client.get("/v1/figures/removals-2017/citation", headers=forged).text
        assert "https://stats.example.org/figures/removals-2017" in citation
        assert "evil.example" not in citation
        document = client.get(
            "/v1/figures/removals-2017", headers={**forged, "Accept": "application/ld+json"}
        ).json()
        assert document["@id"] == "https://stats.example.org/v1/figures/removals-2017"
