"""Bad input gets a clear 4xx problem, never a 500; a real failure is a 500 with no trace."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from helpers import assert_problem


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        ("limit=0", "limit", "greater than or equal to 1"),
        ("limit=5000", "limit", "at most 1000"),
        ("limit=123456789012345678901234567890", "limit", "at most 1000"),
        ("limit=ten", "limit", "valid integer"),
        ("qualifier=roughly", "qualifier", "'more_than'"),
        ("from=2017-13", "from", "not a real date"),
        ("to=yesterday", "to", "not a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2017, 2017-12"),
        ("from=2018&to=2017", "to", "before"),
        ("q=a%00b", "q", "NUL"),
        (f"q={'x' * 201}", "q", "at most 200"),
        ("measure=removals-to-mars", "measure", "no measure with id 'removals-to-mars'"),
        ("source=no-such-paper", "source", "no source"),
        ("country=Cambodia", "country", "two-letter ISO 3166-1 code in capitals, such as KH"),
        ("country=kh", "country", "(KH, not kh)"),
        ("sort=popularity", "sort", "Input should be 'id', '-id', 'measure'"),
        ("measure=Final Orders", "measure", "should match pattern"),
        ("cursor=not%20base64!", "cursor", "not one this API made"),
        ("include_retracted=perhaps", "include_retracted", "boolean"),
        ("mesure=final-removal-orders", "mesure", "not a parameter of this route"),
    ],
)
def test_bad_figure_list_input_is_a_422_pointing_at_the_field(
    client: TestClient, query: str, field: str, detail: str
) -> None:
    body = assert_problem(client.get(f"/v1/figures?{query}"), 422)
    assert [e["pointer"] for e in body["errors"]] == [f"#/{field}"]
    assert body["errors"][0]["location"] == "query"
    assert detail in body["errors"][0]["detail"]
    assert field in body["detail"]


def test_several_bad_fields_each_get_a_pointer(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/figures?limit=0&qualifier=roughly&from=x"), 422)
    assert sorted(e["pointer"] for e in body["errors"]) == ["#/from", "#/limit", "#/qualifier"]


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJ4IjoxfQ", "e30", "AAAA", "eyJzIjoiaWQiLCJrIjoxLCJpIjoieCJ9"]
)
def test_a_tampered_cursor_is_a_422_pointing_at_it(client: TestClient, cursor: str) -> None:
    body = assert_problem(client.get(f"/v1/figures?cursor={cursor}"), 422)
    assert body["errors"][0]["pointer"] == "#/cursor"
    assert "not one this API made" in body["errors"][0]["detail"]


def test_a_cursor_made_for_another_sort_is_a_422(client: TestClient) -> None:
    next_url = client.get("/v1/figures?sort=-value&limit=2").json()["next"]
    cursor = next_url.split("cursor=")[1]
    body = assert_problem(client.get(f"/v1/figures?sort=id&cursor={cursor}"), 422)
    detail = body["errors"][0]["detail"]
    assert "sort=-value" in detail


@pytest.mark.parametrize(
    "path",
    [
        "/v1/figures/%00",
        "/v1/figures/" + "a" * 5000,
        "/v1/figures/..%2F..%2Fetc",
        "/v1/sources/%E2%80%99",
        "/v1/measures/DROP TABLE",
    ],
)
def test_impossible_ids_are_404s(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    assert "/v1/nothing" in assert_problem(client.get("/v1/nothing"), 404)["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v1/figures"), ("DELETE", "/v1/figures/removals-2017"), ("PUT", "/v1/sources")],
)
def test_a_method_the_route_does_not_answer_is_a_405_problem(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert method in assert_problem(response, 405)["detail"]
    assert response.headers["allow"]
    assert method not in response.headers["allow"]


def test_errors_are_not_cacheable(client: TestClient) -> None:
    assert client.get("/v1/figures/removals-2016").headers["cache-control"] == "no-store"


def test_an_unexpected_failure_is_a_generic_500_without_a_trace(settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["detail"] == "the server failed to answer this request; it has been logged"


@pytest.mark.parametrize(
    "query",
    [
        "measure=removals-us-to-cambodia&measure=final-removal-orders",
        "qualifier=exact&qualifier=more_than",
        "limit=1&limit=2",
    ],
)
def test_a_filter_given_twice_is_a_422_not_the_last_value(client: TestClient, query: str) -> None:
    body = assert_problem(client.get(f"/v1/figures?{query}"), 422)
    assert "given more than once" in body["errors"][0]["detail"]
    assert_problem(client.get("/v1/measures?limit=1&limit=2"), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/figures/removals-2017/citation?styel=apa",
        "/v1/figures/removals-2017?foo=1",
        "/v1/measures/final-removal-orders?limit=5",
        "/v1/figures/removals-2017/history?limit=1",
        "/healthz?x=1",
    ],
)
def test_every_route_refuses_a_parameter_it_does_not_take(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(path), 422)
    assert "not a parameter of this route" in body["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"quote_span": {"start": "x", "end": 10}}, "#/quote_span/start"),
        ({"attribution": {"person": 5}}, "#/attribution/person"),
        ({"relations": [{"type": "part_of", "figure": "Not A Slug"}]}, "#/relations/0/figure"),
        ({"period": {"start": "2017", "end": "last year"}}, "#/period/end"),
    ],
)
def test_a_nested_field_s_pointer_names_it_whole(
    client: TestClient, writer: dict[str, str], change: dict, pointer: str
) -> None:
    figure = {
        "id": "a-new-figure", "measure": "final-removal-orders",
        "source": "khmer-times-2018-02-us-deportees", "value": 1412, "qualifier": "exact",
        "value_text": "1,412", "as_of": "2017-12",
        "quote": "1,412 of whom have criminal convictions",
        "attribution": {"person": "Brendan Raedy"}, **change,
    }  # fmt: skip
    body = assert_problem(client.post("/v1/figures", json=figure, headers=writer), 422)
    assert pointer in [e["pointer"] for e in body["errors"]], body["errors"]
