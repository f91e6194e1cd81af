"""A figure as schema.org JSON-LD that expands offline into the right types."""

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld

from helpers import assert_problem

SCHEMA = "https://schema.org/"


def refuse_remote(url: str, options: object = None) -> None:
    raise AssertionError(f"the document tried to fetch {url}")


def types(node: object) -> set[str]:
    """Every @type IRI anywhere in an expanded document."""
    found: set[str] = set()
    if isinstance(node, dict):
        found.update(node.get("@type", []))
        for value in node.values():
            found |= types(value)
    elif isinstance(node, list):
        for value in node:
            found |= types(value)
    return found


def test_linked_data_expands_offline_to_an_observation_of_a_statistical_variable(
    client: TestClient,
) -> None:
    response = client.get(
        "/v1/figures/final-removal-orders-2017-12", headers={"Accept": "application/ld+json"}
    )
    assert response.headers["content-type"] == "application/ld+json"
    document = response.json()
    expanded = jsonld.expand(document, {"documentLoader": refuse_remote})
    [observation] = expanded
    assert observation["@type"] == [f"{SCHEMA}Observation"]
    assert observation["@id"] == "http://testserver/v1/figures/final-removal-orders-2017-12"
    assert types(expanded) == {
        f"{SCHEMA}{t}"
        for t in (
            "Observation",
            "StatisticalVariable",
            "Claim",
            "NewsArticle",
            "Person",
            "Organization",
            "PropertyValue",
        )
    }
    assert observation[f"{SCHEMA}value"] == [{"@value": 1900}]
    assert observation[f"{SCHEMA}minValue"] == [{"@value": 1900}]
    claim = observation[f"{SCHEMA}subjectOf"][0]
    assert claim[f"{SCHEMA}text"][0]["@value"].startswith("Brendan Raedy, a spokesman")
    article = claim[f"{SCHEMA}appearance"][0]
    assert article[f"{SCHEMA}datePublished"] == [{"@value": "2018-02"}]
    assert f"{SCHEMA}author" not in article  # none is named, none is invented


def test_json_stays_the_default_and_an_unservable_accept_is_a_406(client: TestClient) -> None:
    assert client.get("/v1/figures/removals-2017").headers["content-type"] == "application/json"
    response = client.get(
        "/v1/figures/removals-2017",
        headers={"Accept": "application/ld+json;q=0.5, application/json"},
    )
    assert response.headers["content-type"] == "application/json"
    body = assert_problem(
        client.get("/v1/figures/removals-2017", headers={"Accept": "text/html"}), 406
    )
    assert "application/ld+json" in body["detail"]


@pytest.mark.parametrize("figure_id", ["removals-2017", "blocked-deportations-2018-01-25"])
def test_flows_carry_a_period_and_stocks_a_date(client: TestClient, figure_id: str) -> None:
    document = client.get(
        f"/v1/figures/{figure_id}", headers={"Accept": "application/ld+json"}
    ).json()
    if figure_id == "removals-2017":
        assert document["observationPeriod"] == "2017/2017"
        assert "observationDate" not in document
    else:
        assert document["observationDate"] == "2018-01-25"
