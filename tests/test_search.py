"""Search finds what people type: plain words in any form, ranked, on both engines, from an
index that follows every write, load and measure change."""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.services.search import search

# What a journalist would type, and the figure that must come first.
JOURNALIST = [
    ("Cambodians deported last year", "removals-2017"),
    ("how many Cambodians were deported in 2017", "removals-2017"),
    ("twenty-eight deported", "removals-2017"),
    ("28 deportees", "removals-2017"),
    ("criminals deported last year", "removals-2017"),
    ("repatriated Cambodians", "removals-since-2002"),
    ("572 repatriations", "removals-since-2002"),
    ("annual report repatriation", "removals-since-2002"),
    ("repatriation agreement 2002", "removals-since-2002"),
    ("more than 500 removals since 2002", "removals-since-2002-rounded"),
    ("1,412", "final-removal-orders-criminal-2017-12"),
    ("1412 criminal convictions", "final-removal-orders-criminal-2017-12"),
    ("Brendan Raedy criminals", "final-removal-orders-criminal-2017-12"),
    ("Raedy 1,900", "final-removal-orders-2017-12"),
    ("1,900 final orders of removal", "final-removal-orders-2017-12"),
    ("deportation order with no appeal left open", "final-removal-orders-2017-12"),
    ("judge blocked deportations", "blocked-deportations-2018-01-25"),
    ("court blocks removal", "blocked-deportations-2018-01-25"),
    ("Trump administration deporting Cambodians", "blocked-deportations-2018-01-25"),
    ("92 Cambodians in custody", "blocked-deportations-2018-01-25"),
    ("Chhoeun v. Marin", "blocked-deportations-2018-01-25"),
    ("US refugee programme", "refugee-admissions-1975-2000"),
    ("145,000 refugees", "refugee-admissions-1975-2000"),
    ("fled persecution", "refugee-admissions-1975-2000"),
    ("42,000 non-refugees", "non-refugee-admissions-1975-2000"),
    ("immigrants sponsored by family", "non-refugee-admissions-1975-2000"),
]


@pytest.mark.parametrize(("text", "first"), JOURNALIST)
def test_a_journalists_query_finds_the_figure_first(engine: Engine, text: str, first: str) -> None:
    with Session(engine) as session:
        found = search(session, text)
    assert [hit.figure_id for hit in found.hits][:1] == [first], found.hits


@pytest.mark.parametrize(("text", "first"), JOURNALIST[:6])
def test_the_api_q_ranks_like_the_search(client: TestClient, text: str, first: str) -> None:
    response = client.get(f"/v1/figures?q={quote(text)}")
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["id"] == first
