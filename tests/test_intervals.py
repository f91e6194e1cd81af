"""Derived numbers stay true: whatever the inputs' true values, the displayed sentence holds."""

import re
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.intervals import Quantity, combine, show
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


def test_a_ratio_of_one_input_or_by_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="two"):
        combine("ratio", [q("exact", 1)])
    with pytest.raises(ValueError, match="zero"):
        combine("ratio", [q("exact", 1), q("exact", 0)])


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
