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
