"""Every list answers JSON, CSV and NDJSON with the same filters; the bulk formats stream
every matching row unless a page is asked for."""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.schemas.reads import FigureRead
from app.tabular import columns
from helpers import assert_problem

LISTS = [
    "/v1/figures",
    "/v1/measures",
    "/v1/sources",
    "/v1/derived",
    "/v1/measures/removals-us-to-cambodia/figures",
]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_ndjson(text: str) -> list[dict]:
    lines = text.split("\n")
    assert lines[-1] == ""  # every record ends its line
    return [json.loads(line) for line in lines[:-1]]


@pytest.mark.parametrize("path", LISTS)
def test_csv_and_ndjson_hold_the_same_rows_as_json(client: TestClient, path: str) -> None:
    items = client.get(path).json()["items"]
    as_csv = client.get(path, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    name = path.rsplit("/", 1)[-1]
    assert as_csv.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    rows = read_csv(as_csv.text)
    assert [r["id"] for r in rows] == [i["id"] for i in items]
    as_ndjson = client.get(path, headers={"Accept": "application/x-ndjson"})
    assert as_ndjson.headers["content-type"] == "application/x-ndjson"
    assert read_ndjson(as_ndjson.text) == items


def test_the_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get("/v1/figures?format=csv", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/csv")
    assert len(read_csv(response.text)) == 8


@pytest.mark.parametrize(
    ("query", "accept"), [("?format=csv", "application/json"), ("", "text/csv")]
)
def test_one_figure_is_its_row_of_the_lists_csv(
    client: TestClient, query: str, accept: str
) -> None:
    path = "/v1/figures/final-removal-orders-2017-12"
    response = client.get(path + query, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="final-removal-orders-2017-12.csv"'
    listed = client.get("/v1/figures?format=csv&measure=final-removal-orders").text
    assert response.text == listed
    assert response.headers["etag"] != client.get(path).headers["etag"]
    etag = response.headers["etag"]
    again = client.get(path + query, headers={"Accept": accept, "If-None-Match": etag})
    assert again.status_code == 304


def test_csv_flattens_nested_fields_by_the_documented_rule(client: TestClient) -> None:
    response = client.get("/v1/figures?format=csv&measure=final-removal-orders")
    header = next(csv.reader(io.StringIO(response.text)))
    assert header == columns(FigureRead)
    [row] = read_csv(response.text)
    assert row["value"] == "1900"
    assert row["qualifier"] == "more_than"
    assert row["bounds.lower"] == "1900"
    assert row["bounds.lower_inclusive"] == "false"
    assert row["bounds.upper"] == ""  # null is an empty cell
    assert row["source.author"] == ""
    assert row["as_of"] == "2017-12"
    assert row["period.start"] == ""
    assert row["quote_span.start"] == "2738"
    assert row["attribution.person"] == "Brendan Raedy"
    assert json.loads(row["relations"]) == [
        {"type": "has_part", "figure": "final-removal-orders-criminal-2017-12", "display": "1,412"}
    ]
    assert "links.self" not in row
    assert row["statement"].startswith("More than 1,900 Cambodian nationals")


def test_bulk_formats_apply_the_same_filters(client: TestClient) -> None:
    query = "qualifier=more_than&country=KH&from=2000"
    ids = [i["id"] for i in client.get(f"/v1/figures?{query}").json()["items"]]
    rows = read_csv(client.get(f"/v1/figures?{query}&format=csv").text)
    assert (
        [r["id"] for r in rows]
        == ids
        == [
            "final-removal-orders-2017-12",
            "refugee-admissions-1975-2000",
            "removals-since-2002-rounded",
        ]
    )


def test_bulk_formats_return_every_row_unless_a_page_is_asked_for(
    client: TestClient, settings
) -> None:
    # One row per JSON page, so "every row" cannot be a page in disguise.
    from app.main import create_app

    small = settings.model_copy(update={"default_page_size": 1, "max_page_size": 2})
    with TestClient(create_app(small)) as small_client:
        assert len(small_client.get("/v1/figures").json()["items"]) == 1
        everything = small_client.get("/v1/figures?format=ndjson")
        assert len(read_ndjson(everything.text)) == 8
        page = small_client.get("/v1/figures?format=ndjson&limit=2")
        assert [r["id"] for r in read_ndjson(page.text)] == [
            "blocked-deportations-2018-01-25",
            "final-removal-orders-2017-12",
        ]
        next_page = page.headers["link"].split(">")[0].lstrip("<")
        rest = small_client.get(next_page)
        assert rest.headers["content-type"] == "application/x-ndjson"
        assert len(read_ndjson(rest.text)) == 2


def test_an_empty_result_is_a_header_alone(client: TestClient) -> None:
    response = client.get("/v1/figures?format=csv&country=FR")
    assert response.text == ",".join(columns(FigureRead)) + "\r\n"
    assert client.get("/v1/figures?format=ndjson&country=FR").text == ""


@pytest.mark.parametrize("accept", ["image/png", "application/xml", "image/png;q=1, */*;q=0"])
def test_an_accept_the_api_cannot_serve_is_a_406_listing_what_it_can(
    client: TestClient, accept: str
) -> None:
    body = assert_problem(client.get("/v1/figures", headers={"Accept": accept}), 406)
    for media in ("application/json", "text/csv", "application/x-ndjson"):
        assert media in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1",
        "/v1/measures/final-removal-orders",
        "/v1/sources/khmer-times-2018-02-us-deportees",
        "/v1/derived/admissions-1975-2000",
        "/v1/figures/removals-2017/history",
    ],
)
def test_json_only_resources_refuse_other_types_with_406(client: TestClient, path: str) -> None:
    assert_problem(client.get(path, headers={"Accept": "text/csv"}), 406)
    assert client.get(path, headers={"Accept": "*/*"}).status_code == 200


def test_an_unknown_format_is_a_422(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/figures?format=pdf"), 422)
    assert body["errors"][0]["pointer"] == "#/format"
