"""Measures, sources, the front door and the probes."""

import hashlib

from fastapi.testclient import TestClient

from app import migrate
from app.main import create_app
from conftest import make_settings
from helpers import ENGINE, SOURCE_ID, assert_problem

MEASURES = [
    "court-blocked-removals",
    "final-removal-orders",
    "final-removal-orders-with-convictions",
    "non-refugee-admissions",
    "refugee-admissions",
    "removals-us-to-cambodia",
]


def test_the_six_measures_are_listed(client: TestClient) -> None:
    body = client.get("/v1/measures").json()
    assert [m["id"] for m in body["items"]] == MEASURES
    assert body["total"] == 6 and body["next"] is None
    kinds = {m["id"]: m["kind"] for m in body["items"]}
    assert kinds["removals-us-to-cambodia"] == "flow"
    assert kinds["final-removal-orders"] == "stock"


def test_measures_page_with_a_cursor(client: TestClient) -> None:
    first = client.get("/v1/measures?limit=4").json()
    assert len(first["items"]) == 4 and first["next"]
    second = client.get(first["next"]).json()
    assert [m["id"] for m in first["items"] + second["items"]] == MEASURES
    assert second["next"] is None


def test_a_measure_lists_its_figures_in_time_order(client: TestClient) -> None:
    measure = client.get("/v1/measures/removals-us-to-cambodia").json()
    assert measure["unit"] == "people"
    assert (measure["from_country"], measure["to_country"]) == ("US", "KH")
    series = [(p["id"], p["time_start"], p["time_end"]) for p in measure["figures"]]
    assert series == [
        # The rounded total ends with 2017 (data/corrections.toml), the 572 in February 2018.
        ("removals-since-2002-rounded", "2002-01-01", "2017-12-31"),
        ("removals-since-2002", "2002-01-01", "2018-02-28"),
        ("removals-2017", "2017-01-01", "2017-12-31"),
    ]


def test_a_measures_figures_route_is_a_page_of_full_figures(client: TestClient) -> None:
    body = client.get("/v1/measures/final-removal-orders/figures").json()
    assert [f["id"] for f in body["items"]] == ["final-removal-orders-2017-12"]
    assert body["items"][0]["quote"].startswith("Brendan Raedy")
    assert_problem(client.get("/v1/measures/nope-nope/figures"), 404)


def test_an_unknown_measure_is_a_404_naming_it(client: TestClient) -> None:
    assert (
        "removals-us-to-france"
        in assert_problem(client.get("/v1/measures/removals-us-to-france"), 404)["detail"]
    )


def test_the_source_carries_its_metadata_without_invention(client: TestClient) -> None:
    sources = client.get("/v1/sources").json()
    assert [s["id"] for s in sources["items"]] == [SOURCE_ID]
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()
    assert source["publisher"] == "Khmer Times"
    assert source["author"] is None and source["url"] is None
    assert source["published"] == "2018-02"
    assert source["language"] == "en"
    assert "9 February 2018" in source["curator_notes"]


def test_the_source_text_is_served_exactly_and_matches_its_digest(client: TestClient) -> None:
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()
    response = client.get(f"/v1/sources/{SOURCE_ID}/text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == source["sha256"]
    assert len(response.text) == source["length"]
    assert response.text.startswith("Cambodia committed to repatriation of US deportees\n\n")
    for boilerplate in ("cellcard", "Share:", "Previous Article", "Next Article"):
        assert boilerplate not in response.text
    assert_problem(client.get("/v1/sources/no-such-paper/text"), 404)


def test_the_front_door_counts_the_dataset_and_states_the_licence(client: TestClient) -> None:
    response = client.get("/v1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {
        "sources": 1,
        "measures": 6,
        "figures": 8,
        "retracted_figures": 0,
        "derived": 3,
    }
    # The version caches key on: the 25 revisions of the load (18 first loads and 7
    # corrections), and the first rendering.
    assert body["dataset_version"] == 26
    assert body["last_change"].endswith("Z")
    assert body["license"]["name"] == "CC-BY-4.0"
    assert "copyright of their publishers" in body["license"]["note"]


def test_health_and_readiness(client: TestClient, settings) -> None:
    head = migrate.head_revision(settings)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {
        "status": "ready",
        "database": ENGINE,
        "schema_revision": head,
    }


def test_a_database_not_at_head_is_not_ready(fresh_url: str) -> None:
    settings = make_settings(fresh_url)
    with TestClient(create_app(settings)) as client:
        body = assert_problem(client.get("/readyz"), 503)
        assert f"head is {migrate.head_revision(settings)}" in body["detail"]
        assert client.get("/healthz").status_code == 200


def test_a_source_lists_where_each_of_its_figures_stands_in_its_text(client: TestClient) -> None:
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()
    text = client.get(f"/v1/sources/{SOURCE_ID}/text").text
    listed = source["figures"]
    assert len(listed) == 8
    starts = [f["quote_span"]["start"] for f in listed]
    assert starts == sorted(starts)  # in text order
    figures = {f["id"]: f for f in client.get("/v1/figures").json()["items"]}
    for item in listed:
        figure = figures[item["id"]]
        assert text[item["value_span"]["start"] : item["value_span"]["end"]] == figure["value_text"]
        assert text[item["quote_span"]["start"] : item["quote_span"]["end"]] == figure["quote"]
        assert item["display"] == figure["display"]


def test_every_definition_explains_its_terms_and_what_it_leaves_out(client: TestClient) -> None:
    definitions = {m["id"]: m["definition"] for m in client.get("/v1/measures").json()["items"]}
    for measure_id, definition in definitions.items():
        assert "Not covered:" in definition, measure_id
    removals = definitions["removals-us-to-cambodia"]
    for word in ("removal", "deportation", "repatriation"):
        assert word in removals
    assert "final order of removal: an order" in definitions["final-removal-orders"]
    assert "as refugees" in definitions["refugee-admissions"]
    assert "other than as refugees" in definitions["non-refugee-admissions"]
