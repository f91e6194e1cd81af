"""What an editor checks in every figure's sentence: the words it must keep and the words it
must not say. Words a sentence keeps from the source are checked against the figure's quote
too, so the table cannot hold words the source never wrote."""

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.curation import read_dataset
from app.qualifiers import Qualifier
from app.statements import Said, Wording, statement
from helpers import DATA_DIR

FIGURES = read_dataset(DATA_DIR).figures
# An AP date holds two numbers side by side by design ("Jan. 25, 2018"): it is one date.
_AP_DATE = re.compile(r"\b(?:Jan\.|Feb\.|March|April|May|June|July|Aug\.|Sept\.|Oct\.|Nov\.|"
                      r"Dec\.) \d{1,2}, \d{4}")  # fmt: skip
_TOUCHING = re.compile(r"\d%?[,;:]?\s+\d")


def numerals_side_by_side(sentence: str) -> list[str]:
    """ "2000, 42,000" and the like: two numbers with only a space or a comma between."""
    return _TOUCHING.findall(_AP_DATE.sub("DATE", sentence))


@dataclass(frozen=True)
class Words:
    quoted: tuple[str, ...]  # the sentence keeps them, and the quote has them (any case)
    ours: tuple[str, ...] = ()  # the sentence says them, read from the data, not the quote
    never: tuple[str, ...] = ()  # an editor would strike them


RAEDY = "Brendan Raedy, a spokesman for US Immigration and Customs Enforcement"
EVERY_FIGURE = {
    "removals-2017": Words(
        quoted=("convicted of crimes", "according to the Ministry of Interior’s general "
                "department of immigration"),
        ours=("A total of 28 Cambodian nationals convicted of crimes were removed", "in 2017"),
        never=("2017, 28", "between"),
    ),
    "removals-since-2002-rounded": Words(
        quoted=("more than 500", "since 2002"),
        ours=("had been removed", "since 2002, as of the end of 2017"),
        never=("between 2002", "as of February 2018", "convicted"),
    ),
    "removals-since-2002": Words(
        quoted=("572",),
        # Who said it, in the article's words before the quote ("the report said" in it).
        ours=("A total of 572", "had been removed", "since 2002, as of February 2018",
              "according to an annual report by the immigration department"),
        never=("between 2002", "2018, 572"),
    ),
    "blocked-deportations-2018-01-25": Words(
        quoted=("a US district judge", "blocked", "92 Cambodian"),
        ours=("On Jan. 25, 2018, a US district judge blocked the immediate removal from the US "
              "of 92", "Khmer Times reported"),
        never=("As of", "as of", "had their immediate removal", "2018, 92"),
    ),
    "final-removal-orders-2017-12": Words(
        quoted=("More than 1,900 Cambodian nationals residing in the US", "final order of removal",
                RAEDY),
        ours=("as of December 2017",),
        never=("between", "1,412"),
    ),
    "final-removal-orders-criminal-2017-12": Words(
        quoted=("1,412", "criminal convictions", "final order of removal", RAEDY),
        ours=("A total of 1,412", "as of December 2017"),
        never=("December 2017, 1,412", "more than 1,900"),
    ),
    "refugee-admissions-1975-2000": Words(
        quoted=("more than 145,000 Cambodian refugees", "accepted into the US",
                "from 1975 until the end of the 20th century"),
        ours=("Khmer Times reported in February 2018",),
        never=("between 1975 and 2000", "2000", "42,000"),
    ),
    "non-refugee-admissions-1975-2000": Words(
        quoted=("42,000", "non-refugees", "accepted into the US",
                "from 1975 until the end of the 20th century"),
        ours=("A total of 42,000 Cambodian non-refugees",),
        never=("between 1975 and 2000", "2000, 42,000", "2000", "145,000"),
    ),
}  # fmt: skip


def test_the_table_holds_every_figure_of_the_data() -> None:
    assert EVERY_FIGURE.keys() == FIGURES.keys()


@pytest.fixture(scope="module")
def statements(loaded_template: str) -> dict[str, str]:
    from app.main import create_app
    from conftest import make_settings

    with TestClient(create_app(make_settings(loaded_template))) as client:
        return {f["id"]: f["statement"] for f in client.get("/v1/figures").json()["items"]}


@pytest.mark.parametrize("figure_id", sorted(EVERY_FIGURE))
def test_each_statement_keeps_what_it_must_and_says_nothing_an_editor_strikes(
    figure_id: str, statements: dict[str, str]
) -> None:
    words, sentence = EVERY_FIGURE[figure_id], statements[figure_id]
    quote = FIGURES[figure_id].quote
    for kept in words.quoted:
        assert kept.lower() in quote.lower(), f"{kept!r} is not the source's: not in the quote"
        assert kept.lower() in sentence.lower(), f"{kept!r} missing from {sentence!r}"
    for said in words.ours:
        assert said in sentence, f"{said!r} missing from {sentence!r}"
    for struck in words.never:
        assert struck not in sentence, f"{struck!r} in {sentence!r}"
    assert numerals_side_by_side(sentence) == []
    assert not sentence[0].isdigit()


def test_the_checker_sees_numerals_side_by_side_but_not_in_a_date() -> None:
    assert numerals_side_by_side("Between 1975 and 2000, 42,000 were") == ["0, 4"]
    assert numerals_side_by_side("In 2017 28 were") == ["7 2"]
    assert numerals_side_by_side("On Jan. 25, 2018, a judge") == []


@pytest.mark.parametrize("qualifier", list(Qualifier))
@pytest.mark.parametrize(
    ("wording", "period", "as_of"),
    [
        (Wording(), ("2017", "2017"), None),
        (Wording(), ("1975", "2000"), None),
        (Wording(), None, "2017-12"),
        (Wording(timing="cumulative"), ("2002", "2018-02"), None),
        (Wording(timing="cumulative"), ("2002", "2017"), None),
        (Wording(timing="event", agent="a judge"), None, "2018-01-25"),
        (Wording(time_words="from 1975 until the end of the 20th century"), ("1975", "2000"),
         None),
    ],
)  # fmt: skip
@pytest.mark.parametrize("value", [7, 28, 1412, 145000])
def test_no_sentence_sets_two_numerals_side_by_side_or_starts_with_one(
    qualifier: Qualifier,
    wording: Wording,
    period: tuple[str, str] | None,
    as_of: str | None,
    value: int,
) -> None:
    for percent in (False, True):
        sentence = statement(
            value=value, qualifier=qualifier, subject="the people", predicate="were counted",
            period=period, as_of=as_of, said=Said(organisation="Ministry"), publisher="Paper",
            published="2019-05", percent=percent, wording=wording, event="blocked the removal of",
        )  # fmt: skip
        assert numerals_side_by_side(sentence) == [], sentence
        assert not sentence[0].isdigit(), sentence


def test_a_running_total_is_said_since_its_start_as_of_its_end_in_the_past_perfect() -> None:
    sentence = statement(
        value=572, qualifier=Qualifier.EXACT, subject="Cambodian nationals",
        predicate="were removed from the US to Cambodia", period=("2002", "2018-02"), as_of=None,
        said=Said(), publisher="Paper", published="2018-02", wording=Wording(timing="cumulative"),
    )  # fmt: skip
    assert sentence == (
        "A total of 572 Cambodian nationals had been removed from the US to Cambodia since 2002, "
        "as of February 2018, Paper reported in February 2018."
    )


def test_an_event_is_said_as_the_event_with_who_acted_and_its_date_first() -> None:
    sentence = statement(
        value=92, qualifier=Qualifier.EXACT, subject="Cambodian nationals in US custody",
        predicate="had their immediate removal blocked", period=None, as_of="2018-01-25",
        said=Said(), publisher="Paper", published="2018-02",
        wording=Wording(timing="event", agent="a US district judge"),
        event="blocked the immediate removal from the US of",
    )  # fmt: skip
    assert sentence == (
        "On Jan. 25, 2018, a US district judge blocked the immediate removal from the US of 92 "
        "Cambodian nationals in US custody, Paper reported in February 2018."
    )
    # Without its measure's event words, an event is said as the count it made, on its date.
    plain = statement(
        value=92, qualifier=Qualifier.EXACT, subject="people", predicate="were blocked",
        period=None, as_of="2018-01-25", said=Said(), publisher="Paper", published="2018-02",
        wording=Wording(timing="event", agent="a judge"),
    )  # fmt: skip
    assert plain.startswith("A total of 92 people were blocked on Jan. 25, 2018")


def test_restrictive_words_follow_the_subject_and_time_words_replace_the_dates() -> None:
    sentence = statement(
        value=145000, qualifier=Qualifier.MORE_THAN, subject="Cambodian refugees",
        predicate="were accepted into the US", period=("1975", "2000"), as_of=None, said=Said(),
        publisher="Paper", published="2018-02",
        wording=Wording(restriction="of working age",
                        time_words="from 1975 until the end of the 20th century"),
    )  # fmt: skip
    assert sentence == (
        "More than 145,000 Cambodian refugees of working age were accepted into the US from 1975 "
        "until the end of the 20th century, Paper reported in February 2018."
    )
