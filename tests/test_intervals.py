"""Derived numbers stay true: whatever the inputs' true values, the displayed sentence holds."""

import re
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.intervals import Interval, Quantity, combine, show
from app.qualifiers import Qualifier


def q(qualifier: str, value: float) -> Quantity:
    return Quantity.stated(Qualifier(qualifier), value)


@pytest.mark.parametrize(
    ("operation", "inputs", "percent", "display"),
    [
        ("difference", [q("more_than", 1900), q("exact", 1412)], False, "more than 488"),
        ("ratio", [q("exact", 1412), q("more_than", 1900)], True, "less than 74.4%"),
        ("sum", [q("more_than", 145000), q("exact", 42000)], False, "more than 187,000"),
        ("sum", [q("exact", 28), q("exact", 544)], False, "572"),
        ("sum", [q("at_least", 10), q("at_least", 5)], False, "at least 15"),
        ("difference", [q("exact", 572), q("more_than", 500)], False, "less than 72"),
        ("sum", [q("fewer_than", 10), q("at_most", 5)], False, "less than 15"),
        ("sum", [q("exact", 10), q("at_most", 5)], False, "between 10 and 15"),
        ("difference", [q("exact", 5), q("exact", 5)], False, "0"),  # not "at most 0"
        ("ratio", [q("exact", 0), q("exact", 5)], True, "0%"),
        ("difference", [q("more_than", 5), q("exact", 5)], False, "more than 0"),  # not "any"
        ("ratio", [q("exact", 1), q("exact", 3)], True, "between 33.3% and 33.4%"),
        ("ratio", [q("exact", 1), q("exact", 4)], True, "25%"),
        ("sum", [q("about", 145000), q("exact", 42000)], False, "about 187,000"),
        ("ratio", [q("nearly", 2000), q("exact", 4000)], True, "about 50%"),
    ],
)
def test_known_results_read_as_they_should(
    operation: str, inputs: list[Quantity], percent: bool, display: str
) -> None:
    shown = show(combine(operation, inputs), percent=percent)  # type: ignore[arg-type]
    assert shown.display == display
    assert shown.approximate == display.startswith("about")
    assert shown.interval == (None if shown.approximate else promised(display, percent))


def test_an_upper_bound_rounds_up_and_a_lower_bound_down() -> None:
    # 1,412 / 1,900 = 74.3157...%: printing 74.3% as the ceiling would be false.
    assert (
        show(combine("ratio", [q("exact", 1412), q("more_than", 1900)]), percent=True).display
        == "less than 74.4%"
    )
    # 2 / 3 = 66.66...%; at least 2 over at most 3 is more than 66.6%, not 66.7%.
    assert (
        show(combine("ratio", [q("at_least", 2), q("at_most", 3)]), percent=True).display
        == "more than 66.6%"
    )


@pytest.mark.parametrize(
    ("operation", "inputs", "message"),
    [
        ("ratio", [q("exact", 1)], "ratio takes two inputs"),
        ("ratio", [q("exact", 1), q("exact", 2), q("exact", 3)], "ratio takes two inputs"),
        ("sum", [q("exact", 1)], "sum takes two or more inputs"),
        ("difference", [], "difference takes two or more inputs"),
        ("ratio", [q("exact", 1), q("exact", 0)], "a ratio's divisor cannot be zero"),
        ("ratio", [q("exact", 1), q("about", 0)], "a ratio's divisor cannot be zero"),
        ("ratio", [q("exact", 1), q("exact", -5)], "a ratio needs non-negative inputs"),
        ("ratio", [q("exact", -1), q("exact", 5)], "a ratio needs non-negative inputs"),
    ],
)
def test_a_combination_that_cannot_be_made_is_refused_in_words(
    operation: str, inputs: list[Quantity], message: str
) -> None:
    # The message is shown to whoever entered the derived figure: it has to say what is wrong.
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        combine(operation, inputs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("qualifier", "value", "interval"),
    [
        ("exact", 1412, Interval(Fraction(1412), True, Fraction(1412), True)),
        ("more_than", 1900, Interval(Fraction(1900), False, None, False)),
        ("at_least", 10, Interval(Fraction(10), True, None, False)),
        # counts are never negative
        ("fewer_than", 10, Interval(Fraction(0), True, Fraction(10), False)),
        ("at_most", 5, Interval(Fraction(0), True, Fraction(5), True)),
        # the decimal as written, not its nearest binary float
        ("more_than", 74.4, Interval(Fraction(744, 10), False, None, False)),
        ("about", 145000, None),
        ("nearly", 2000, None),
    ],
)
def test_a_stated_number_promises_what_its_qualifier_says(
    qualifier: str, value: float, interval: Interval | None
) -> None:
    stated = Quantity.stated(Qualifier(qualifier), value)
    assert stated.value == Fraction(str(value))
    assert stated.interval == interval


@pytest.mark.parametrize(
    ("interval", "inside", "outside"),
    [
        # more than 1,900: 1,900 itself is not allowed
        (Interval(Fraction(1900), False, None, False), [Fraction(19001, 10)], [Fraction(1900)]),
        # at least 5 and at most 10: both ends allowed, nothing beyond either
        (
            Interval(Fraction(5), True, Fraction(10), True),
            [Fraction(5), Fraction(10)],
            [Fraction(4), Fraction(11)],
        ),
        # fewer than 10: 10 itself is not allowed
        (Interval(Fraction(0), True, Fraction(10), False), [Fraction(0)], [Fraction(10)]),
        (Interval(None, False, None, False), [Fraction(-(10**9)), Fraction(10**9)], []),
    ],
)
def test_an_interval_holds_exactly_what_its_bounds_allow(
    interval: Interval, inside: list[Fraction], outside: list[Fraction]
) -> None:
    assert all(interval.contains(x) for x in inside)
    assert not any(interval.contains(x) for x in outside)


@pytest.mark.parametrize(
    ("numerator", "denominator", "interval", "display"),
    [
        # 1 over more than 10: below 1/10, above 0, and neither is reached
        (
            q("exact", 1),
            q("more_than", 10),
            Interval(Fraction(0), False, Fraction(1, 10), False),
            "less than 10%",
        ),
        # 0 can be reached when the numerator can be 0, however large the divisor
        (q("at_least", 0), q("more_than", 10), Interval(Fraction(0), True, None, False), None),
        # more than 5 over 10: above one half, not reached; no upper bound at all
        (
            q("more_than", 5),
            q("exact", 10),
            Interval(Fraction(1, 2), False, None, False),
            "more than 50%",
        ),
        # a divisor that can be 0 leaves the ratio unbounded above; fewer than 10 is never
        # 10, so at least 1 over it is more than 1/10, not at least
        (
            q("at_least", 1),
            q("fewer_than", 10),
            Interval(Fraction(1, 10), False, None, False),
            "more than 10%",
        ),
        (q("at_least", 0), q("fewer_than", 10), Interval(Fraction(0), True, None, False), None),
        # at most 3 over 4: from 0 (reached) to 3/4 (reached)
        (
            q("at_most", 3),
            q("exact", 4),
            Interval(Fraction(0), True, Fraction(3, 4), True),
            "at most 75%",
        ),
        # 3 over at most 4: 3/4 is reached, anything above it too
        (q("exact", 3), q("at_most", 4), Interval(Fraction(3, 4), True, None, False), None),
        # none over more than 10 is none: 0%, not "less than 0%"
        (q("exact", 0), q("more_than", 10), Interval(Fraction(0), True, Fraction(0), True), "0%"),
        (q("at_most", 0), q("more_than", 10), Interval(Fraction(0), True, Fraction(0), True), "0%"),
    ],
)
def test_a_ratio_keeps_each_bound_open_or_closed_as_its_inputs_do(
    numerator: Quantity, denominator: Quantity, interval: Interval, display: str | None
) -> None:
    result = combine("ratio", [numerator, denominator])
    assert result.interval == interval
    if display is not None:
        assert show(result, percent=True).display == display


def test_a_side_left_unbounded_stays_unbounded() -> None:
    # Built by hand: below 10 with no lower bound at all.
    up_to_ten = Quantity(Fraction(5), Interval(None, False, Fraction(10), True))
    below_thirteen = Interval(None, False, Fraction(13), True)
    assert combine("sum", [up_to_ten, q("exact", 3)]).interval == below_thirteen
    assert combine("sum", [q("exact", 3), up_to_ten]).interval == below_thirteen
    assert combine("difference", [q("exact", 20), up_to_ten]).interval == Interval(
        Fraction(10), True, None, False
    )
    # As a numerator it is still a count: never below 0, so the ratio starts at 0.
    ratio = combine("ratio", [up_to_ten, q("exact", 4)])
    assert ratio.interval is not None
    assert (ratio.interval.lower, ratio.interval.upper) == (0, Fraction(5, 2))
    assert ratio.interval.upper_closed
    assert show(ratio, percent=True).display == "at most 250%"
    # As a divisor it could be 0 or below: no ratio.
    with pytest.raises(ValueError, match="non-negative"):
        combine("ratio", [q("exact", 1), up_to_ten])


@pytest.mark.parametrize(
    ("operation", "inputs", "percent", "places", "display"),
    [
        # Counts print as whole numbers: 3.5 is between 3 and 4.
        ("sum", [q("exact", 2.5), q("exact", 1)], False, None, "between 3 and 4"),
        ("sum", [q("exact", 2.5), q("exact", 1)], False, 1, "3.5"),
        # Percentages to one decimal by default, or as many places as asked.
        ("ratio", [q("exact", 1), q("exact", 8)], True, None, "12.5%"),
        ("ratio", [q("exact", 1), q("exact", 3)], True, 2, "between 33.33% and 33.34%"),
        ("ratio", [q("exact", 1), q("exact", 3)], True, 0, "between 33% and 34%"),
        ("ratio", [q("exact", 3), q("exact", 2)], True, 0, "150%"),
        ("ratio", [q("exact", 3), q("exact", 2)], False, None, "between 1 and 2"),
        # An approximate result is rounded to the nearest, at the same precision.
        ("ratio", [q("about", 1), q("exact", 3)], True, None, "about 33.3%"),
        ("ratio", [q("about", 2), q("exact", 3)], True, None, "about 66.7%"),
        ("ratio", [q("about", 2), q("exact", 3)], True, 0, "about 67%"),
        ("sum", [q("about", 2.4), q("exact", 1)], False, None, "about 3"),
        ("sum", [q("about", 2.4), q("exact", 1)], False, 1, "about 3.4"),
    ],
)
def test_the_precision_shown(
    operation: str, inputs: list[Quantity], percent: bool, places: int | None, display: str
) -> None:
    shown = show(combine(operation, inputs), percent=percent, places=places)  # type: ignore[arg-type]
    assert shown.display == display
    assert shown.interval == (None if shown.approximate else promised(display, percent))


# --- Properties -------------------------------------------------------------------------

_NUMBER = r"(-?[\d,]+(?:\.\d+)?)(%?)"


def _read(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


def promise(display: str) -> tuple[Fraction | None, bool, Fraction | None, bool]:
    """An independent reading of the words: (lower, closed, upper, closed), in the display's
    unit (percent numbers stay percent)."""
    if m := re.fullmatch(f"more than {_NUMBER}", display):
        return _read(m[1]), False, None, False
    if m := re.fullmatch(f"at least {_NUMBER}", display):
        return _read(m[1]), True, None, False
    if m := re.fullmatch(f"less than {_NUMBER}", display):
        return None, False, _read(m[1]), False
    if m := re.fullmatch(f"at most {_NUMBER}", display):
        return None, False, _read(m[1]), True
    if m := re.fullmatch(f"between {_NUMBER} and {_NUMBER}", display):
        return _read(m[1]), True, _read(m[3]), True
    if display == "any number":
        return None, False, None, False
    if m := re.fullmatch(_NUMBER, display):
        return _read(m[1]), True, _read(m[1]), True
    raise AssertionError(f"unreadable display {display!r}")


def promised(display: str, percent: bool) -> Interval:
    """What the words promise, as a fraction (a percent display divided by 100)."""
    lower, lower_closed, upper, upper_closed = promise(display)
    unit = 100 if percent else 1
    return Interval(
        None if lower is None else lower / unit,
        lower_closed,
        None if upper is None else upper / unit,
        upper_closed,
    )


def holds(display: str, true: Fraction, percent: bool) -> bool:
    lower, lower_closed, upper, upper_closed = promise(display)
    x = true * 100 if percent else true
    above = lower is None or x > lower or (lower_closed and x == lower)
    below = upper is None or x < upper or (upper_closed and x == upper)
    return above and below


BOUNDED = ["exact", "more_than", "at_least", "fewer_than", "at_most"]


@st.composite
def stated_with_truth(draw: st.DrawFn, positive: bool = False) -> tuple[Quantity, Fraction]:
    """A qualified number and a true value its words allow."""
    qualifier = draw(st.sampled_from(BOUNDED))
    value = Fraction(
        draw(st.integers(min_value=1, max_value=10**7)), draw(st.sampled_from([1, 1, 1, 10, 100]))
    )
    gap = Fraction(
        draw(st.integers(min_value=1, max_value=10**6)), draw(st.sampled_from([1, 7, 1000]))
    )
    share = Fraction(draw(st.integers(min_value=0, max_value=999)), 1000)
    true = {
        "exact": value,
        "more_than": value + gap,
        "at_least": value + gap * draw(st.sampled_from([0, 1])),
        "fewer_than": value * share,
        "at_most": value * draw(st.sampled_from([share, Fraction(1)])),
    }[qualifier]
    assume(not positive or true > 0)
    return Quantity.stated(Qualifier(qualifier), float(value)), true


@given(
    st.sampled_from(["sum", "difference"]), st.lists(stated_with_truth(), min_size=2, max_size=4)
)
def test_sums_and_differences_always_satisfy_their_display(
    operation: str, inputs: list[tuple[Quantity, Fraction]]
) -> None:
    quantities = [quantity for quantity, _ in inputs]
    truths = [truth for _, truth in inputs]
    true = (
        sum(truths[1:], truths[0])
        if operation == "sum"
        else truths[0] - sum(truths[1:], Fraction(0))
    )
    result = combine(operation, quantities)  # type: ignore[arg-type]
    assert result.interval is not None and result.interval.contains(true)
    shown = show(result)
    assert not shown.approximate
    assert holds(shown.display, true, percent=False), (shown.display, float(true))
    assert shown.interval == promised(shown.display, percent=False)


@given(stated_with_truth(), stated_with_truth(positive=True))
def test_ratios_always_satisfy_their_display(
    numerator: tuple[Quantity, Fraction], denominator: tuple[Quantity, Fraction]
) -> None:
    true = numerator[1] / denominator[1]
    result = combine("ratio", [numerator[0], denominator[0]])
    assert result.interval is not None and result.interval.contains(true)
    for percent in (True, False):
        shown = show(result, percent=percent, places=1 if percent else 3)
        assert holds(shown.display, true, percent=percent), (shown.display, float(true))
        assert shown.interval == promised(shown.display, percent)


@given(
    st.sampled_from(["about", "nearly"]),
    st.integers(min_value=1, max_value=10**6),
    stated_with_truth(),
)
def test_an_approximate_input_makes_the_result_approximate(
    qualifier: str, value: int, other: tuple[Quantity, Fraction]
) -> None:
    shown = show(combine("sum", [q(qualifier, value), other[0]]))
    assert shown.approximate
    assert shown.display.startswith("about ")
    assert shown.interval is None
