"""Search finds what people type: plain words in any form, ranked, on both engines, from an
index that follows every write, load and measure change."""

import io
import json
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from app.curation import read_dataset
from app.models import Figure
from app.search_terms import Segment, mark, query_terms, terms
from app.services.loader import load_dataset
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


def ranked(client: TestClient, query: str) -> list[str]:
    response = client.get(f"/v1/figures?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_words_become_plain_terms_and_no_query_syntax_survives() -> None:
    assert query_terms('"Cambodians" AND deported, 1,412 OR NEAR(x*) -removals') == [
        "cambodian",
        "cambodian0",
        "deport",
        "deport0",
        "1412",
        "near",  # a word like any other: FTS5's NEAR is never written by a person's text
        "remov",
    ]
    assert query_terms("the of and") == []  # stop words alone: nothing to search for
    assert query_terms("repatriated") == ["repatri", "deport0"]  # the word, and its row


def test_marking_cuts_a_text_into_segments_with_the_matched_words_marked() -> None:
    quote = "“So far, 572 Cambodian citizens have been repatriated,” the report said."
    segments = mark(quote, query_terms("cambodians deported"))
    assert "".join(s.text for s in segments) == quote
    assert [s.text for s in segments if s.matched] == ["Cambodian", "repatriated"]
    assert mark("1,412 of whom", query_terms("1412")) == [
        Segment("1,412", True),
        Segment(" of whom", False),
    ]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab1,. éД\n", max_size=40), query=st.text(alphabet="ab1 ", max_size=8))
def test_marking_keeps_every_character_and_marks_whole_words_of_the_query(
    text: str, query: str
) -> None:
    wanted = set(query_terms(query))
    segments = mark(text, wanted)
    assert "".join(s.text for s in segments) == text
    assert all(s.text for s in segments)  # no empty segment
    assert all(a.matched or b.matched for a, b in pairwise(segments))  # joined
    for segment in segments:
        found = set(terms(segment.text))
        if segment.matched:
            assert found & wanted and query_terms(segment.text) == terms(segment.text)
        else:
            assert not found & wanted


def test_the_count_is_capped_and_says_so(engine: Engine) -> None:
    with Session(engine) as session:
        everything = search(session, "Cambodians")
        capped = search(session, "Cambodians", limit=2, cap=3)
    assert (everything.total, everything.capped, everything.total_text) == (8, False, "8")
    assert (len(capped.hits), capped.total, capped.capped, capped.total_text) == (2, 3, True, "3+")
    assert [h.figure_id for h in capped.hits] == [h.figure_id for h in everything.hits][:2]


@pytest.mark.parametrize("retracted", [0, 1, 3])
def test_the_capped_count_leaves_out_the_retracted_at_any_cap(
    engine: Engine, retracted: int
) -> None:
    """The count stops reading matches past the cap (and as many as are retracted): below,
    at and above the cap it is exact, and it never counts a retracted figure."""
    with Session(engine) as session:
        matching = [hit.figure_id for hit in search(session, "Cambodians", limit=100).hits]
        gone = matching[1 : 1 + retracted]
        session.execute(update(Figure).where(Figure.id.in_(gone)).values(status="retracted"))
        for cap in range(1, len(matching) + 2):
            for include in (False, True):
                found = search(session, "Cambodians", cap=cap, include_retracted=include)
                true = len(matching) - (0 if include else retracted)
                assert (found.total, found.capped) == (min(true, cap), true > cap), (cap, include)
                assert len(found.hits) == min(true, 20)
                assert include or not set(gone) & {hit.figure_id for hit in found.hits}
        session.rollback()


def test_q_pages_through_the_ranking_with_its_cursor(client: TestClient) -> None:
    whole = ranked(client, "q=cambodians+deported&limit=100")
    walked, url = [], "/v1/figures?q=cambodians+deported&limit=3"
    while url:
        page = client.get(url).json()
        walked += [item["id"] for item in page["items"]]
        assert page["total"] == len(whole)
        url = page["next"]
    assert walked == whole and len(whole) == 8


def test_q_with_another_sort_filters_and_sort_rank_needs_q(client: TestClient) -> None:
    assert ranked(client, "q=refugees&sort=-id") == [
        "refugee-admissions-1975-2000",
        "non-refugee-admissions-1975-2000",
    ]
    assert client.get("/v1/figures?sort=rank").status_code == 422


def test_the_index_follows_a_patch_and_a_retraction(
    client: TestClient, writer: dict[str, str]
) -> None:
    assert "removals-2017" not in ranked(client, "q=ministers")
    etag = client.get("/v1/figures/removals-2017").headers["etag"]
    response = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": etag},
        json={"note": "Confirmed by two ministers.", "reason": "checked"},
    )
    assert response.status_code == 200, response.text
    assert ranked(client, "q=ministers") == ["removals-2017"]
    response = client.post(
        "/v1/figures/removals-2017/retract", headers=writer, json={"reason": "withdrawn"}
    )
    assert response.status_code == 200, response.text
    assert ranked(client, "q=ministers") == []
    assert ranked(client, "q=ministers&include_retracted=true") == ["removals-2017"]


def test_the_index_follows_a_load_and_a_measure_change(engine: Engine, data_copy: Path) -> None:
    measures = data_copy / "measures.toml"
    measures.write_text(
        measures.read_text(encoding="utf-8").replace(
            "calls the same event a repatriation,",
            "calls the same event a repatriation or a homecoming,",
        ),
        encoding="utf-8",
    )
    with Session(engine) as session:
        assert search(session, "homecoming").hits == []
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(data_copy))
    with Session(engine) as session:
        found = {h.figure_id for h in search(session, "homecomings").hits}
    # Every figure of the measure, and only those: its definition is part of their documents.
    assert found == {"removals-2017", "removals-since-2002", "removals-since-2002-rounded"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_no_text_in_q_makes_a_server_error(client: TestClient, typed: str) -> None:
    response = client.get("/v1/figures", params={"q": typed})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        page = response.json()
        assert isinstance(page["items"], list) and page["total"] >= len(page["items"])
    else:  # refused in words, as any bad input is (empty, NUL, too long)
        assert response.headers["content-type"] == "application/problem+json"


def test_every_format_of_a_list_with_q_keeps_the_ranking(client: TestClient) -> None:
    """The streamed downloads (NDJSON, CSV) and the workbook read the ranking as the page
    does: the JSON page's order is the order of every format."""
    page = ranked(client, "q=deportees+1,412&limit=100")
    assert page[0] == "final-removal-orders-criminal-2017-12"
    streamed = client.get("/v1/figures?q=deportees+1,412&format=ndjson")
    assert [json.loads(line)["id"] for line in streamed.text.splitlines()] == page
    table = client.get("/v1/figures?q=deportees+1,412&format=csv").text.splitlines()[1:]
    assert [line.split(",", 1)[0] for line in table] == page
    workbook = client.get("/v1/figures?q=deportees+1,412&format=xlsx")
    assert workbook.status_code == 200, workbook.text
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)] == page
