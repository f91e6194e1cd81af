"""Every figure's sentence keeps its qualifier and its date at the stated precision."""

import re

import pytest
from fastapi.testclient import TestClient

from app.qualifiers import Qualifier
from app.schemas.fields import Wording
from app.statements import (
    Said,
    ap_date,
    ap_number,
    attribution_phrase,
    counted_name,
    derived_statement,
    perfect,
    statement,
    time_phrase,
    when_phrase,
)
from helpers import rerender

EXPECTED = {
    "removals-2017": "A total of 28 Cambodian nationals convicted of crimes were removed from "
    "the US to Cambodia in 2017, according to the Ministry of Interior’s general department of "
    "immigration (Khmer Times, February 2018).",
    "removals-since-2002-rounded": "More than 500 Cambodian nationals had been removed from the "
    "US to Cambodia since 2002, as of the end of 2017, according to the Ministry of Interior’s "
    "general department of immigration (Khmer Times, February 2018).",
    "removals-since-2002": "A total of 572 Cambodian nationals had been removed from the US to "
    "Cambodia since 2002, as of February 2018, according to an annual report by the "
    "immigration department (Khmer Times, February 2018).",
    "blocked-deportations-2018-01-25": "On Jan. 25, 2018, a US district judge blocked the "
    "immediate removal from the US of 92 Cambodian nationals in US custody, Khmer Times "
    "reported in February 2018.",
    "final-removal-orders-2017-12": "More than 1,900 Cambodian nationals residing in the US "
    "were subject to a final order of removal as of December 2017, according to Brendan Raedy, "
    "a spokesman for US Immigration and Customs Enforcement (Khmer Times, February 2018).",
    "final-removal-orders-criminal-2017-12": "A total of 1,412 Cambodian nationals residing in "
    "the US were subject to a final order of removal and had criminal convictions as of "
    "December 2017, according to Brendan Raedy, a spokesman for US Immigration and Customs "
    "Enforcement (Khmer Times, February 2018).",
    "refugee-admissions-1975-2000": "More than 145,000 Cambodian refugees were accepted into "
    "the US from 1975 until the end of the 20th century, Khmer Times reported in February 2018.",
    "non-refugee-admissions-1975-2000": "A total of 42,000 Cambodian non-refugees were accepted "
    "into the US from 1975 until the end of the 20th century, Khmer Times reported in "
    "February 2018.",
}


def test_each_figure_reads_as_a_sentence_to_print(client: TestClient) -> None:
    figures = client.get("/v1/figures").json()["items"]
    assert {f["id"]: f["statement"] for f in figures} == EXPECTED


def test_every_statement_keeps_its_qualifier_and_its_date_at_its_precision(
    client: TestClient,
) -> None:
    for figure in client.get("/v1/figures").json()["items"]:
        sentence = figure["statement"]
        assert figure["display"].lower() in sentence.lower()
        assert not sentence[0].isdigit()
        times = [figure["as_of"]] if figure["as_of"] else list(figure["period"].values())
        words = figure["wording"]["time_words"]
        for time in [] if words else times:
            assert ap_date(time) in sentence
        assert words is None or words in sentence  # the source's words, not the dates read
        # No day is invented for a year or a month: no "Dec. 1" or "Feb. 12" appears.
        days = re.findall(r"[A-Z][a-z]+\.? \d{1,2},", sentence)
        assert days == ([] if figure["as_of"] != "2018-01-25" else ["Jan. 25,"])
        assert "(Khmer Times, February 2018)." in sentence or sentence.endswith(
            "Khmer Times reported in February 2018."
        )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2017", "2017"),
        ("2017-12", "December 2017"),
        ("2018-01-25", "Jan. 25, 2018"),
        ("2018-03-05", "March 5, 2018"),
        ("2018-09-01", "Sept. 1, 2018"),
    ],
)
def test_dates_are_ap_style_at_their_precision(text: str, words: str) -> None:
    assert ap_date(text) == words


@pytest.mark.parametrize(
    ("value", "words"),
    [(0, "zero"), (9, "nine"), (10, "10"), (28, "28"), (1412, "1,412"), (145000, "145,000")],
)
def test_numbers_are_ap_style(value: int, words: str) -> None:
    assert ap_number(value) == words


@pytest.mark.parametrize(
    ("value", "words"), [(74.4, "74.4%"), (5, "5%"), (0.5, "0.5%"), (100, "100%"), (1412, "1,412%")]
)
def test_a_percentage_is_always_in_figures_with_a_percent_sign(value: float, words: str) -> None:
    assert ap_number(value, percent=True) == words


@pytest.mark.parametrize(
    ("said", "phrase"),
    [
        (Said(person="Brendan Raedy", role="a spokesman", organisation="ICE"),
         "Brendan Raedy, a spokesman, ICE"),
        (Said(role="a spokesman", organisation="ICE"), "a spokesman, ICE"),
        (Said(person="Brendan Raedy", organisation="ICE"), "Brendan Raedy, ICE"),
        (Said(organisation="ICE"), "ICE"),
        (Said(person="Brendan Raedy", text="an ICE spokesman"), "an ICE spokesman"),
        (Said(), None),
        (Said(organisation="Khmer Times"), None),  # the publisher itself: "reported"
        (Said(person="Brendan Raedy", organisation="Khmer Times"),
         "Brendan Raedy, Khmer Times"),
    ],
)  # fmt: skip
def test_attribution_is_in_the_sources_words_or_who_said_it(said: Said, phrase: str | None) -> None:
    assert attribution_phrase(said, "Khmer Times") == phrase


def test_time_phrases_say_on_in_as_of_or_between() -> None:
    assert time_phrase(period=("2017", "2017")) == "in 2017"
    assert time_phrase(period=("2018-01-25", "2018-01-25")) == "on Jan. 25, 2018"
    assert time_phrase(period=("2002", "2018-02")) == "between 2002 and February 2018"
    assert time_phrase(as_of="2017-12") == "as of December 2017"


def test_a_small_exact_number_is_spelt_so_it_may_lead() -> None:
    sentence = statement(
        value=3,
        qualifier=Qualifier.EXACT,
        subject="people",
        predicate="were counted",
        period=None,
        as_of="2019",
        said=Said(person="A. Spokesperson"),
        publisher="Paper",
        published="2019",
    )
    assert (
        sentence == "Three people were counted as of 2019, according to A. Spokesperson "
        "(Paper, 2019)."
    )


def test_every_qualifier_leads_in_words() -> None:
    for qualifier in Qualifier:
        sentence = statement(
            value=1500,
            qualifier=qualifier,
            subject="people",
            predicate="were counted",
            period=None,
            as_of="2019",
            said=Said(),
            publisher="Paper",
            published="2019-05",
        )
        assert not sentence[0].isdigit()
        assert sentence.endswith("Paper reported in May 2019.")
        on_a_day = statement(
            value=1500, qualifier=qualifier, subject="people", predicate="were counted",
            period=None, as_of="2019", said=Said(), publisher="Paper", published="2019-05-02",
        )  # fmt: skip
        assert on_a_day.endswith("Paper reported on May 2, 2019.")
        if qualifier is not Qualifier.EXACT:
            assert sentence.lower().startswith(qualifier.value.replace("_", " ") + " 1,500")


def test_a_retracted_figure_says_so(client: TestClient, engine) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE figures SET status = 'retracted' WHERE id = 'removals-2017'")
        )
    rerender(engine)
    assert client.get("/v1/figures/removals-2017").json()["statement"].startswith("Retracted: ")


def test_a_percentage_is_led_by_what_it_is_a_share_of() -> None:
    sentence = statement(
        value=74.4,
        qualifier=Qualifier.EXACT,
        subject="the Cambodian nationals under a final order of removal",
        predicate="had criminal convictions",
        period=None,
        as_of="2017-12",
        said=Said(person="Brendan Raedy", role="a spokesman for ICE"),
        publisher="Khmer Times",
        published="2018-02",
        percent=True,
    )
    assert sentence == (
        "Of the Cambodian nationals under a final order of removal, 74.4% had criminal "
        "convictions as of December 2017, according to Brendan Raedy, a spokesman for ICE "
        "(Khmer Times, February 2018)."
    )


def test_a_qualified_percentage_leads_with_its_qualifier() -> None:
    sentence = statement(
        value=5,
        qualifier=Qualifier.FEWER_THAN,
        subject="those removed",
        predicate="were women",
        period=("2018-01-25", "2018-01-25"),
        as_of=None,
        said=Said(),
        publisher="Paper",
        published="2018-02",
        percent=True,
    )
    assert sentence == (
        "Fewer than 5% of those removed were women on Jan. 25, 2018, Paper reported in "
        "February 2018."
    )


def test_a_derived_share_names_its_inputs_and_cites_each_source_once() -> None:
    sentence = derived_statement(
        display="less than 74.4%",
        operation="ratio",
        inputs=["1,412", "more than 1,900"],
        subject="the Cambodian nationals residing in the US subject to a final order of removal",
        predicate="had criminal convictions",
        period=None,
        as_of="2017-12",
        sources=[("Khmer Times", "2018-02"), ("Khmer Times", "2018-02")],
        percent=True,
    )
    assert sentence == (
        "Less than 74.4% of the Cambodian nationals residing in the US subject to a final order "
        "of removal had criminal convictions as of December 2017, derived by deportation-stats "
        "from 1,412 divided by more than 1,900 (Khmer Times, February 2018)."
    )


@pytest.mark.parametrize(
    ("operation", "inputs", "display", "formula"),
    [
        ("sum", ["572", "1,900"], "2,472", "572 plus 1,900"),
        ("difference", ["1,900", "572"], "1,328", "1,900 minus 572"),
    ],
)
def test_a_derived_count_is_led_by_a_total_and_cites_its_sources_in_order(
    operation: str, inputs: list[str], display: str, formula: str
) -> None:
    sentence = derived_statement(
        display=display,
        operation=operation,
        inputs=inputs,
        subject="Cambodian nationals",
        predicate="were counted",
        period=("2002", "2018-02"),
        as_of=None,
        sources=[
            ("Khmer Times", "2018-02"),
            ("The Phnom Penh Post", "2018-01-25"),
            ("Khmer Times", "2018-02"),
        ],
        percent=False,
    )
    assert sentence == (
        f"A total of {display} Cambodian nationals were counted between 2002 and February 2018, "
        f"derived by deportation-stats from {formula} (Khmer Times, February 2018; The Phnom "
        "Penh Post, Jan. 25, 2018)."
    )


def test_an_event_counted_over_one_point_is_said_on_its_day_and_a_span_as_a_span() -> None:
    event = Wording(timing="event", agent="a judge")
    day = ("2018-01-25", "2018-01-25")
    assert when_phrase(period=day, as_of=None, wording=event) == "on Jan. 25, 2018"
    assert when_phrase(period=("2017", "2017"), as_of=None, wording=event) == "in 2017"
    # An "event" over a span has no one day: it is said as the span is.
    span = ("2017", "2018")
    assert when_phrase(period=span, as_of=None, wording=event) == time_phrase(
        period=span, as_of=None
    )


def test_only_were_becomes_had_been_in_a_running_total() -> None:
    assert perfect("were removed from the US") == "had been removed from the US"
    assert perfect("had criminal convictions") == "had criminal convictions"
    assert perfect("were") == "were"


@pytest.mark.parametrize(
    ("name", "subject", "restriction", "counted"),
    [
        (
            "Removals of Cambodian nationals from the US to Cambodia",
            "Cambodian nationals",
            "convicted of crimes",
            "Removals of Cambodian nationals convicted of crimes from the US to Cambodia",
        ),
        (
            "Cambodian nationals in the US",
            "Cambodian nationals",
            "with criminal convictions",
            "Cambodian nationals with criminal convictions in the US",
        ),
        ("Deportations", "Cambodian nationals", "convicted of crimes",
         "Deportations, only those convicted of crimes"),
        ("Removals of Cambodian nationals", "Cambodian nationals", None,
         "Removals of Cambodian nationals"),
        ("Removals of Cambodian nationals", "Cambodian nationals", "",
         "Removals of Cambodian nationals"),
    ],
)  # fmt: skip
def test_a_measures_name_is_narrowed_as_the_source_narrows_the_count(
    name: str, subject: str, restriction: str | None, counted: str
) -> None:
    assert counted_name(name, subject, restriction) == counted
