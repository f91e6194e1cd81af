"""Qualifiers give honest bounds and words; partial dates keep their precision."""

from datetime import date

import pytest

from app.dates import parse_partial_date
from app.qualifiers import Qualifier, ValueBounds, bounds_for, display


@pytest.mark.parametrize(
    ("qualifier", "bounds"),
    [
        (Qualifier.EXACT, ValueBounds(1900, True, 1900, True)),
        (Qualifier.MORE_THAN, ValueBounds(1900, False, None, False)),
        (Qualifier.AT_LEAST, ValueBounds(1900, True, None, False)),
        (Qualifier.FEWER_THAN, ValueBounds(0, True, 1900, False)),
        (Qualifier.AT_MOST, ValueBounds(0, True, 1900, True)),
        (Qualifier.ABOUT, None),
        (Qualifier.NEARLY, None),
    ],
)
def test_each_qualifier_implies_its_interval(qualifier: Qualifier, bounds: ValueBounds) -> None:
    assert bounds_for(qualifier, 1900) == bounds


def test_more_than_excludes_the_number_itself() -> None:
    bounds = bounds_for(Qualifier.MORE_THAN, 1900)
    assert bounds is not None
    assert not bounds.contains(1900)
    assert bounds.contains(1901)
    assert bounds.contains(1e12)


@pytest.mark.parametrize(
    ("qualifier", "inside", "outside"),
    [
        (Qualifier.EXACT, [1900], [1899, 1899.5, 1900.5, 1901]),
        (Qualifier.MORE_THAN, [1900.5, 1901, 1e12], [1900, 1899, 0]),
        (Qualifier.AT_LEAST, [1900, 1901, 1e12], [1899.5, 1899, 0]),
        (Qualifier.FEWER_THAN, [0, 1, 1899, 1899.5], [1900, 1901, -1]),
        (Qualifier.AT_MOST, [0, 1899, 1900], [1900.5, 1901, -1]),
    ],
)
def test_an_interval_holds_what_its_qualifier_promises_and_nothing_else(
    qualifier: Qualifier, inside: list[float], outside: list[float]
) -> None:
    """ "at least" and "at most" include 1,900; "more than" and "fewer than" do not; a count
    of people is never negative."""
    bounds = bounds_for(qualifier, 1900)
    assert bounds is not None
    assert [x for x in inside if not bounds.contains(x)] == []
    assert [x for x in outside if bounds.contains(x)] == []


def test_display_keeps_the_qualifier() -> None:
    assert display(Qualifier.MORE_THAN, 1900) == "more than 1,900"
    assert display(Qualifier.EXACT, 28) == "28"
    assert display(Qualifier.NEARLY, 2000) == "nearly 2,000"


@pytest.mark.parametrize(
    ("text", "first", "last", "precision"),
    [
        ("2017", date(2017, 1, 1), date(2017, 12, 31), "year"),
        ("2017-12", date(2017, 12, 1), date(2017, 12, 31), "month"),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29), "month"),
        ("2018-01-25", date(2018, 1, 25), date(2018, 1, 25), "day"),
        ("2018-03-25", date(2018, 3, 25), date(2018, 3, 25), "day"),
        ("2016-02-29", date(2016, 2, 29), date(2016, 2, 29), "day"),
    ],
)
def test_a_partial_date_covers_the_days_of_its_precision(
    text: str, first: date, last: date, precision: str
) -> None:
    parsed = parse_partial_date(text)
    assert (parsed.first_day(), parsed.last_day(), parsed.precision) == (first, last, precision)
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text",
    [
        "2017-13",
        "2017-00",  # a month of 0 is no month, not an unknown one
        "2017-12-00",
        "2017-00-31",
        "2017-02-30",
        "0000",
        "17",
        "2017/12",
        "2017-1",
        "December 2017",
        "2017-12-01T00:00",
    ],
)
def test_impossible_or_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(text)
