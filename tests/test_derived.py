"""Derived figures are computed on read from their inputs, with honest bounds."""

from fractions import Fraction

from fastapi.testclient import TestClient

from helpers import assert_problem


def test_the_criminal_share_is_less_than_74_4_percent_with_its_inputs(client: TestClient) -> None:
    body = client.get("/v1/derived/final-removal-orders-criminal-share-2017-12").json()
    assert body["display"] == "less than 74.4%"
    assert body["unit"] == "percent"
    assert body["operation"] == "ratio"
    assert body["formula"] == (
        "final-removal-orders-criminal-2017-12 / final-removal-orders-2017-12 * 100"
    )
    assert [(i["id"], i["display"]) for i in body["inputs"]] == [
        ("final-removal-orders-criminal-2017-12", "1,412"),
        ("final-removal-orders-2017-12", "more than 1,900"),
    ]
    assert body["bounds"]["upper"] == float(Fraction(1412 * 100, 1900))
    assert body["bounds"]["upper_inclusive"] is False
    assert body["approximate"] is False
    assert body["statement"] == (
        "Less than 74.4% of the Cambodian nationals residing in the US subject to a final order "
        "of removal had criminal convictions as of December 2017, derived by deportation-stats "
        "from 1,412 divided by more than 1,900 (Khmer Times, February 2018)."
    )


def test_the_three_derived_figures_read_honestly(client: TestClient) -> None:
    body = client.get("/v1/derived").json()
    assert body["total"] == 3
    got = {d["id"]: d["display"] for d in body["items"]}
    assert got == {
        "final-removal-orders-noncriminal-2017-12": "more than 488",
        "final-removal-orders-criminal-share-2017-12": "less than 74.4%",
        "admissions-1975-2000": "more than 187,000",
    }
    noncriminal = client.get("/v1/derived/final-removal-orders-noncriminal-2017-12").json()
    assert noncriminal["bounds"] == {
        "lower": 488,
        "lower_inclusive": False,
        "upper": None,
        "upper_inclusive": False,
    }
    assert noncriminal["statement"].startswith(
        "More than 488 Cambodian nationals residing in the US were subject to a final order of "
        "removal without criminal convictions as of December 2017"
    )


def test_a_derived_figure_follows_a_change_to_its_input(client: TestClient, engine) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE figures SET qualifier = 'about' WHERE id = 'final-removal-orders-2017-12'")
        )
    body = client.get("/v1/derived/final-removal-orders-criminal-share-2017-12").json()
    assert body["display"] == "about 74.3%"
    assert body["approximate"] is True
    assert body["bounds"] is None


def test_an_unknown_derived_figure_is_a_404_naming_it(client: TestClient) -> None:
    assert "no-such-share" in assert_problem(client.get("/v1/derived/no-such-share"), 404)["detail"]
