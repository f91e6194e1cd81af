"""Number words and numerals are read by code, and printed AP style."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

from app.numbers import format_number, parse_number


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("Twenty-eight", 28),
        ("twenty eight", 28),
        ("one hundred and five", 105),
        ("a hundred", 100),
        ("Nine", 9),
        ("zero", 0),
        ("five thousand and one", 5001),
        ("two million three hundred thousand", 2_300_000),
        ("a dozen", 12),
        ("A dozen", 12),
        ("two dozen", 24),
        ("three-dozen", 36),
        ("1,900", 1900),
        ("1900", 1900),
        ("145,000", 145_000),
        ("572", 572),
        ("74.4", Decimal("74.4")),
        ("1.5 million", 1_500_000),
        ("28 thousand", 28_000),
        ("a thousand", 1000),
        ("A million", 1_000_000),
        ("a thousand and one", 1001),
        ("a billion two hundred million", 1_200_000_000),
        ("a hundred dozen", 1200),
        ("twenty-five dozen", 300),
    ],
)
def test_printed_numbers_are_read_as_their_value(printed: str, value: int | Decimal) -> None:
    assert parse_number(printed) == value


@pytest.mark.parametrize(
    "printed",
    [
        "",
        "twenty twenty",
        "hundred",
        "1,90",
        "19,00",
        "one and",
        "thousand million",
        "million thousand two",
        "many",
        "dozen dozen",
        "an dozen",
        "28 people",
        "ten five",
        "1.2.3",
        "twenty-eleven",
    ],
)
def test_anything_else_is_refused_with_a_reason(printed: str) -> None:
    with pytest.raises(ValueError, match=r"number|scale|unexpected|ends|count"):
        parse_number(printed)


@pytest.mark.parametrize(
    ("printed", "reason"),
    [
        ("", "no number given"),
        ("  ", "no number given"),
        ("dozen", "'dozen' is not a number word"),
        ("a", "'a' is not a number word"),
        ("28 people", "'28 people' is not a number"),
        ("two dozen dozen", "'two dozen dozen': unexpected 'dozen'"),
        ("ten five", "'ten five': unexpected 'five'"),
        ("twenty ten", "'twenty ten': unexpected 'ten'"),
        ("one and", "'one and' ends with 'and'"),
        ("five thousand and", "'five thousand and' ends with 'and'"),
        ("twenty hundred", "'twenty' cannot count hundreds"),
        ("ten hundred", "'ten' cannot count hundreds"),
        (
            "two thousand three thousand",
            "'two thousand three thousand': scales must fall from left to right",
        ),
        ("a million a million", "'a million a million': scales must fall from left to right"),
        (",", "',' is not a number"),  # not zero
        (" , ", "' , ' is not a number"),
        (
            "one hundred and",
            "'one hundred and': 'and' after 'hundred' must be followed by tens or units",
        ),
        (
            "one hundred and thousand",  # not 100,000
            "'one hundred and thousand': 'and' after 'hundred' must be followed by tens or units",
        ),
    ],
)
def test_refusals_say_what_is_wrong(printed: str, reason: str) -> None:
    # The reason reaches API clients in the 422 body.
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        parse_number(printed)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_dozens_of_any_spelt_number_are_twelves(n: int) -> None:
    assert parse_number(f"{num2words(n)} dozen") == 12 * n


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_any_whole_number_spelt_in_english_reads_back(n: int) -> None:
    # num2words is an independent speller: "one hundred and five", "twenty-eight", ...
    assert parse_number(num2words(n)) == n
    assert parse_number(num2words(n).capitalize()) == n


@given(st.integers(min_value=0, max_value=10**15))
def test_any_numeral_printed_with_separators_reads_back(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(str(n)) == n


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (28, "28"),
        (1412, "1,412"),
        (1900.0, "1,900"),
        (145000, "145,000"),
        (74.4, "74.4"),
        (0.5, "0.5"),
        (1_500_000, "1,500,000"),
    ],
)
def test_numbers_print_ap_style(value: float, printed: str) -> None:
    assert format_number(value) == printed
