"""The figures routes: the eight figures as the article states them, filters, order, paging."""

import pytest
from fastapi.testclient import TestClient

from helpers import SOURCE_ID, assert_problem, rerender

# (id, value, qualifier, display) for all eight figures of DESIGN.md section 1.
EXPECTED = {
    "removals-2017": (28, "exact", "28"),
    "removals-since-2002-rounded": (500, "more_than", "more than 500"),
    "removals-since-2002": (572, "exact", "572"),
    "blocked-deportations-2018-01-25": (92, "exact", "92"),
    "final-removal-orders-2017-12": (1900, "more_than", "more than 1,900"),
    "final-removal-orders-criminal-2017-12": (1412, "exact", "1,412"),
    "refugee-admissions-1975-2000": (145000, "more_than", "more than 145,000"),
    "non-refugee-admissions-1975-2000": (42000, "exact", "42,000"),
}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_all_eight_figures_are_listed_with_their_values_and_qualifiers(client: TestClient) -> None:
    body = client.get("/v1/figures").json()
    assert body["total"] == 8 and body["limit"] == 100 and body["next"] is None
    got = {f["id"]: (f["value"], f["qualifier"], f["display"]) for f in body["items"]}
    assert got == EXPECTED
    assert all(type(f["value"]) is int for f in body["items"])  # a JSON number, not "1900"


def test_a_figure_carries_its_quote_spans_and_who_said_it(client: TestClient) -> None:
    figure = client.get("/v1/figures/final-removal-orders-2017-12").json()
    assert figure["value"] == 1900
    assert figure["qualifier"] == "more_than"
    assert figure["display"] == "more than 1,900"
    assert figure["value_text"] == "1,900"
    assert figure["bounds"] == {
        "lower": 1900,
        "lower_inclusive": False,
        "upper": None,
        "upper_inclusive": False,
    }
    assert figure["as_of"] == "2017-12" and figure["period"] is None
    assert figure["attribution"]["person"] == "Brendan Raedy"
    assert figure["attribution"]["organisation"] == "US Immigration and Customs Enforcement"
    assert figure["source"] == {
        "id": SOURCE_ID,
        "title": "Cambodia committed to repatriation of US deportees",
        "publisher": "Khmer Times",
        "author": None,
        "published": "2018-02",
        "url": None,
    }
    assert figure["relations"] == [
        {"type": "has_part", "figure": "final-removal-orders-criminal-2017-12", "display": "1,412"}
    ]


def test_every_quote_and_value_stand_at_their_spans_in_the_served_text(client: TestClient) -> None:
    text = client.get(f"/v1/sources/{SOURCE_ID}/text").text
    for figure in client.get("/v1/figures").json()["items"]:
        q, v = figure["quote_span"], figure["value_span"]
        assert text[q["start"] : q["end"]] == figure["quote"]
        assert text[v["start"] : v["end"]] == figure["value_text"]


def test_a_flow_has_a_period_at_its_precision(client: TestClient) -> None:
    figure = client.get("/v1/figures/removals-since-2002").json()
    assert figure["period"] == {"start": "2002", "end": "2018-02"}
    assert figure["as_of"] is None
    assert figure["relations"] == [
        {"type": "has_part", "figure": "removals-2017", "display": "28"},
        {
            "type": "restated_by",
            "figure": "removals-since-2002-rounded",
            "display": "more than 500",
        },
    ]


def test_history_starts_with_the_first_load(client: TestClient) -> None:
    history = client.get("/v1/figures/removals-2017/history").json()
    # Revision 1 as first curated; revision 2 its correction in data/corrections.toml.
    assert [(r["number"], r["actor"]) for r in history] == [(1, "load"), (2, "load")]
    assert history[0]["state"]["value_text"] == "Twenty-eight"
    assert history[0]["state"]["wording"]["restriction"] is None
    assert history[1]["state"]["wording"]["restriction"] == "convicted of crimes"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "measure=removals-us-to-cambodia",
            ["removals-2017", "removals-since-2002", "removals-since-2002-rounded"],
        ),
        (
            "qualifier=more_than",
            [
                "final-removal-orders-2017-12",
                "refugee-admissions-1975-2000",
                "removals-since-2002-rounded",
            ],
        ),
        ("country=US", sorted(EXPECTED)),
        ("country=FR", []),
        # Period overlap: 2017 meets the 2017 flow, the 2002-2018 flows and December 2017.
        (
            "from=2017&to=2017",
            [
                "final-removal-orders-2017-12",
                "final-removal-orders-criminal-2017-12",
                "removals-2017",
                "removals-since-2002",
                "removals-since-2002-rounded",
            ],
        ),
        (
            "from=2018-01-25&to=2018-01-25",
            # Not the rounded total, which counts to the end of 2017.
            ["blocked-deportations-2018-01-25", "removals-since-2002"],
        ),
        ("to=1999", ["non-refugee-admissions-1975-2000", "refugee-admissions-1975-2000"]),
        ("from=2018-02", ["removals-since-2002"]),
        ("q=raedy", ["final-removal-orders-2017-12", "final-removal-orders-criminal-2017-12"]),
        ("q=REFUGEES", ["non-refugee-admissions-1975-2000", "refugee-admissions-1975-2000"]),
        # q finds figures holding any of its words, best first (tests/test_search.py): one
        # word held by one figure, so that the list is that figure alone.
        ("q=annual", ["removals-since-2002"]),
        ("q=100%25", []),  # % is matched literally, not as a wildcard
        ("q=_", []),
        (
            f"source={SOURCE_ID}&qualifier=exact&country=KH&from=2000",
            [
                "blocked-deportations-2018-01-25",
                "final-removal-orders-criminal-2017-12",
                "non-refugee-admissions-1975-2000",
                "removals-2017",
                "removals-since-2002",
            ],
        ),
    ],
)
def test_filters_select_the_right_figures(
    client: TestClient, query: str, expected: list[str]
) -> None:
    response = client.get(f"/v1/figures?{query}")
    assert ids(response) == expected
    assert response.json()["total"] == len(expected)


def test_sort_orders_by_value_descending(client: TestClient) -> None:
    values = [f["value"] for f in client.get("/v1/figures?sort=-value").json()["items"]]
    assert values == sorted(values, reverse=True)
    assert values[0] == 145000


def test_sort_by_time_puts_the_oldest_period_first(client: TestClient) -> None:
    order = ids(client.get("/v1/figures?sort=time"))
    assert order[:2] == ["non-refugee-admissions-1975-2000", "refugee-admissions-1975-2000"]
    assert order[-1] == "blocked-deportations-2018-01-25"


@pytest.mark.parametrize(
    "sort", ["id", "-id", "value", "-value", "time", "-time", "measure", "qualifier", "-updated_at"]
)
def test_following_next_visits_every_figure_once_in_order(client: TestClient, sort: str) -> None:
    whole = ids(client.get(f"/v1/figures?sort={sort}"))
    seen: list[str] = []
    url: str | None = f"/v1/figures?sort={sort}&limit=3"
    pages = 0
    while url:
        response = client.get(url)
        body = response.json()
        seen += ids(response)
        assert body["total"] == 8 and body["limit"] == 3
        url = body["next"]
        if url:
            assert response.headers["link"] == f'<{url}>; rel="next"'
        else:
            assert "link" not in response.headers
        pages += 1
    assert seen == whole
    assert pages == 3


def test_retracted_figures_are_hidden_unless_asked_for(client: TestClient, engine) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE figures SET status = 'retracted' WHERE id = 'removals-2017'")
        )
    rerender(engine)
    assert "removals-2017" not in ids(client.get("/v1/figures"))
    assert "removals-2017" in ids(client.get("/v1/figures?include_retracted=true"))
    # Still readable by its permalink.
    assert client.get("/v1/figures/removals-2017").json()["status"] == "retracted"


def test_an_unknown_figure_is_a_404_naming_it(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/figures/removals-2016"), 404)
    assert "removals-2016" in body["detail"]
    assert_problem(client.get("/v1/figures/removals-2016/history"), 404)


def _add_figure(engine, figure_id: str) -> None:
    """A new figure, as if loaded, copying the 92 of the ruling under another id."""
    from sqlalchemy import inspect, text

    others = [c["name"] for c in inspect(engine).get_columns("figures") if c["name"] != "id"]
    names = ", ".join(others)
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO figures (id, {names}) SELECT :id, {names} FROM figures "
                "WHERE id = 'blocked-deportations-2018-01-25'"
            ),
            {"id": figure_id},
        )
    rerender(engine)


def test_a_cursor_neither_skips_nor_repeats_when_figures_are_added_between_pages(
    client: TestClient, engine
) -> None:
    first = client.get("/v1/figures?limit=3").json()
    seen = [f["id"] for f in first["items"]]
    assert seen[-1] == "final-removal-orders-criminal-2017-12"
    # One new figure sorts before the cursor, one after it.
    _add_figure(engine, "aaa-added-before-the-cursor")
    _add_figure(engine, "zzz-added-after-the-cursor")
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [f["id"] for f in page["items"]]
        url = page["next"]
    original = sorted(EXPECTED)
    assert [i for i in seen if i in EXPECTED] == original  # none skipped, none repeated
    assert "zzz-added-after-the-cursor" in seen  # after the cursor: reached
    assert "aaa-added-before-the-cursor" not in seen  # before it: already passed
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("limit", [1, 3, 8, 100])
@pytest.mark.parametrize(
    "query", ["", "measure=removals-us-to-cambodia", "qualifier=more_than", "from=2018&to=2018"]
)
def test_every_page_of_a_walk_gives_the_total_of_the_whole_walk(
    client: TestClient, query: str, limit: int
) -> None:
    """Whether the total is counted or read off a page that holds every match."""
    url: str | None = f"/v1/figures?{query}&limit={limit}"
    seen, totals = [], set()
    while url:
        page = client.get(url).json()
        seen += [f["id"] for f in page["items"]]
        totals.add(page["total"])
        url = page["next"]
    assert totals == {len(seen)}
    assert len(seen) == len(set(seen))
