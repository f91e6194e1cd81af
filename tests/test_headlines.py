"""A headline is read: its numbers are candidates with their qualifiers, marked as the
headline's and restating the body's statement of the same figure; a byline, a date line or a
page number is still never read as a count."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.curation import read_dataset
from app.dates import parse_partial_date
from app.extract import KnownMeasure, extract
from app.schemas.candidates import ExtractionRead

ROOT = Path(__file__).parent.parent
MEASURES = [
    KnownMeasure.of(m.id, m.kind, m.subject, m.predicate)
    for m in read_dataset(ROOT / "data").measures.values()
]
BODY = (
    "Twenty-eight Cambodians were deported last year, bringing the number to 572 since "
    "2002, according to the Ministry of Interior.\n"
)


def read(text: str, published: str = "2018-02") -> list[dict[str, Any]]:
    found = extract(text, parse_partial_date(published), publisher="Khmer Times", measures=MEASURES)
    return [c.as_dict() for c in found.candidates]


def skipped(text: str) -> dict[str, str]:
    found = extract(text, parse_partial_date("2018-02"), publisher="Khmer Times")
    return {s.text: s.reason for s in found.skipped}


def restated(candidates: list[dict[str, Any]], candidate: dict[str, Any]) -> list[Any]:
    """The values of the candidates this one restates."""
    ids = {c["id"]: c for c in candidates}
    return [ids[r["figure"]]["value"] for r in candidate["relations"] if r["type"] == "restates"]


@pytest.mark.parametrize(
    ("headline", "value", "qualifier"),
    [
        ("More than 500 Cambodians deported since 2002", 500, "more_than"),
        ("Nearly 600 Cambodians sent home since 2002", 600, "nearly"),
        ("572 Cambodians deported since 2002, ministry says", 572, "exact"),
        ("Five hundred and seventy-two Cambodians deported since 2002", 572, "exact"),
        ("Will more than 500 Cambodians be deported?", 500, "more_than"),
    ],
)
def test_a_headline_number_is_a_candidate_with_its_qualifier_restating_the_body(
    headline: str, value: int, qualifier: str
) -> None:
    first, *body = read(f"{headline}\n\n{BODY}")
    assert (first["value"], first["qualifier"], first["part"]) == (value, qualifier, "headline")
    assert first["quote"] == headline and first["value_span"]["start"] < len(headline)
    assert "in the headline" in first["reasons"]
    assert [c["part"] for c in body] == ["body", "body"]
    assert restated(body, first) == [572]
    # What the headline leaves out, it takes from the body's figure: its measure and period.
    assert first["measure"] == "removals-us-to-cambodia"
    assert first["period"] == {"start": "2002", "end": "2018-02"}


def test_the_same_figure_in_the_same_words_is_restated_even_when_qualified() -> None:
    text = "Up to 1,900 Cambodians face removal\n\nUp to 1,900 Cambodians could be deported.\n"
    headline, body = read(text, "2017-11")
    assert (headline["qualifier"], body["qualifier"]) == ("at_most", "at_most")
    assert restated([body], headline) == [1900]


@pytest.mark.parametrize(
    ("headline", "why"),
    [
        ("500 Cambodians deported since 2002", "an exact 500 is not the body's 572"),
        ("Fewer than 500 Cambodians deported since 2002", "its bounds cannot hold 572"),
        ("572 Cambodian refugees resettled since 2002", "it counts another measure"),
        ("572 Cambodians deported in 1999", "it counts another time"),
    ],
)
def test_a_headline_number_restates_nothing_that_is_not_the_same_figure(
    headline: str, why: str
) -> None:
    first, *_ = read(f"{headline}\n\n{BODY}")
    assert first["part"] == "headline" and first["relations"] == [], why
    assert "the body states no figure this could restate" in first["reasons"]


def test_the_headline_restates_the_first_statement_of_the_figure_in_the_body() -> None:
    text = (
        "Nearly 50 Cambodians deported this year\n\n"
        "The ministry said 48 Cambodians were deported this year. Later it said 49 were.\n"
    )
    headline, first, second = read(text, "2019-06")
    assert restated([first, second], headline) == [48]


def test_the_body_keeps_the_plain_id_and_the_headline_points_at_it() -> None:
    text = "572 Cambodians deported since 2002\n\n" + BODY
    headline, *body = read(text)
    plain = "removals-us-to-cambodia-2002-2018-02"
    assert body[1]["id"] == plain and headline["id"] == f"{plain}-572"
    assert headline["relations"] == [{"type": "restates", "figure": plain}]
    assert all(not any(r["type"] == "restates" for r in c["relations"]) for c in body)


def test_a_part_and_its_whole_are_related_within_the_headline_not_across_it() -> None:
    text = (
        "ICE held 200 Cambodians, 134 of them without a lawyer\n\n"
        "12 of them were women, lawyers said.\n"
    )
    whole, part, women = read(text)
    assert [r["type"] for r in part["relations"]] == ["part_of"]
    assert part["relations"][0]["figure"] == whole["id"]
    assert women["part"] == "body" and women["relations"] == []


def test_a_headline_number_that_is_not_a_count_is_skipped_with_its_own_reason() -> None:
    text = "Four decades after the Khmer Rouge, a 2019 census\n\n" + BODY
    assert [c["part"] for c in read(text)] == ["body", "body"]
    reasons = skipped(text)
    assert reasons["Four"] == "a length of time" and reasons["2019"] == "a year"


# --- What is not a headline --------------------------------------------------------------------

HEADLINE = "More than 500 Cambodians deported since 2002"


@pytest.mark.parametrize(
    ("line", "numbers"),
    [
        ("Thursday, 16 January 2020 | 10:32", {"16", "2020", "10:32"}),
        ("Jan. 16, 2020", {"16", "2020"}),
        ("16/01/2020 10:32", {"16/01/2020", "10:32"}),
        ("PHNOM PENH, January 16 (Reuters)", {"16"}),
        ("Page 2 of 3", {"2", "3"}),
        ("2 of 3", {"2", "3"}),
        ("- 4 -", {"4"}),
        ("Updated 10:32", {"10:32"}),
        ("Published 12 March 2020 | 4 min read", {"12", "2020", "4"}),
        ("By Sok Chan, 2 hours ago", {"2"}),
        ("Sok Chan, 2019 Staff Reporter", {"2019"}),
    ],
)
def test_a_date_line_a_byline_or_a_page_number_is_never_read(line: str, numbers: set[str]) -> None:
    """Above the headline or below it, its numbers are skipped; the headline's are read."""
    for text in (f"{line}\n{HEADLINE}\n\n{BODY}", f"{HEADLINE}\n{line}\n\n{BODY}"):
        found = read(text)
        assert [(c["part"], c["value"]) for c in found] == [
            ("headline", 500), ("body", 28), ("body", 572),
        ], text  # fmt: skip
        assert numbers <= set(skipped(text)), text


@pytest.mark.parametrize(("above", "part"), [(4, "headline"), (5, None)])
def test_the_headline_is_one_of_the_first_five_lines(above: int, part: str | None) -> None:
    furniture = ["Updated 10:32", "By Sok Chan", "Page 1", "Thursday, 16 January 2020", "2 of 3"]
    text = "\n".join([*furniture[:above], HEADLINE, "", BODY])
    assert [c["part"] for c in read(text)][:1] == ([part] if part else ["body"])
    assert (part is None) == ("500" in skipped(text))


@pytest.mark.parametrize(
    "text",
    [
        "ICE deported 28 Cambodians last year.\nThe ministry said 30 more came home.\n",
        "Photo: IMG_4821 / Supplied\n\nICE deported 28 Cambodians last year.\n",
        "By Sok Chan\n\nICE deported 28 Cambodians last year, the ministry said.\n",
        # Long, with no full stop: a paragraph that lost its end, not a title.
        "ICE deported 28 Cambodians last year according to the ministry which said that more "
        "were coming\n\nThe ministry said 30 more came home.\n",
    ],
)
def test_a_text_that_opens_with_prose_has_no_headline(text: str) -> None:
    assert {c["part"] for c in read(text)} == {"body"}


def test_only_the_first_title_is_the_headline_and_later_short_lines_stay_furniture() -> None:
    text = f"{HEADLINE}\n40 Cambodians held in Texas\n\n{BODY}"
    assert [c["value"] for c in read(text)] == [500, 28, 572]
    assert "page furniture" in skipped(text)["40"]


# --- The API -----------------------------------------------------------------------------------


def test_post_extract_marks_the_headline_and_its_restatement(
    client: TestClient, writer: dict[str, str]
) -> None:
    article = {"text": f"{HEADLINE}\n\n{BODY}", "published": "2018-02", "publisher": "Khmer Times"}
    response = client.post("/v1/extract", json=article, headers=writer)
    assert response.status_code == 200, response.text
    candidates = ExtractionRead.model_validate(response.json()).candidates
    assert [c.part for c in candidates] == ["headline", "body", "body"]
    [relation] = candidates[0].relations
    assert relation.type == "restates" and relation.figure == candidates[2].id


def test_the_openapi_document_says_where_a_candidate_stands(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["CandidateRead"]
    assert "part" in schema["required"]
    assert schema["properties"]["part"]["enum"] == ["headline", "body"]
    assert "headline" in schema["properties"]["part"]["description"]
