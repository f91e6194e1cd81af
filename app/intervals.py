"""Honest arithmetic on qualified numbers: exact intervals, and sentences that stay true.

`more than 1,900` minus `1,412` is `more than 488`; `1,412` over `more than 1,900` is
`less than 74.4%`. Bounds are exact fractions, open or closed; a displayed bound is rounded
only in the direction that keeps the sentence true (lower bounds down, upper bounds up).
Inputs that promise no bounds (`about`, `nearly`) make the result approximate.
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from app.numbers import format_number
from app.qualifiers import Qualifier, bounds_for

Operation = Literal["sum", "difference", "ratio"]


@dataclass(frozen=True)
class Interval:
    """A real interval; None on a side is unbounded there. Counts are never negative."""

    lower: Fraction | None
    lower_closed: bool
    upper: Fraction | None
    upper_closed: bool

    def contains(self, x: Fraction) -> bool:
        above = self.lower is None or x > self.lower or (self.lower_closed and x == self.lower)
        below = self.upper is None or x < self.upper or (self.upper_closed and x == self.upper)
        return above and below


@dataclass(frozen=True)
class Quantity:
    """A number as stated: its value, and the interval its qualifier promises (None: none)."""

    value: Fraction
    interval: Interval | None

    @classmethod
    def stated(cls, qualifier: Qualifier, value: float) -> "Quantity":
        exact = Fraction(str(value))
        bounds = bounds_for(qualifier, float(exact))
        if bounds is None:
            return cls(exact, None)
        return cls(
            exact,
            Interval(
                _fraction(bounds.lower),
                bounds.lower_inclusive,
                _fraction(bounds.upper),
                bounds.upper_inclusive,
            ),
        )


def _fraction(bound: float | None) -> Fraction | None:
    """A bound as an exact fraction of its decimal digits; None (unbounded) stays None."""
    return None if bound is None else Fraction(str(bound))


def _add(a: Interval, b: Interval) -> Interval:
    lower = None if a.lower is None or b.lower is None else a.lower + b.lower
    upper = None if a.upper is None or b.upper is None else a.upper + b.upper
    return Interval(
        lower, a.lower_closed and b.lower_closed, upper, a.upper_closed and b.upper_closed
    )


def _subtract(a: Interval, b: Interval) -> Interval:
    # a - b is smallest at a's lower minus b's upper, largest at a's upper minus b's lower.
    lower = None if a.lower is None or b.upper is None else a.lower - b.upper
    upper = None if a.upper is None or b.lower is None else a.upper - b.lower
    return Interval(
        lower, a.lower_closed and b.upper_closed, upper, a.upper_closed and b.lower_closed
    )


def _divide(a: Interval, b: Interval) -> Interval:
    """a / b for non-negative a and positive b (counts over a count that is not zero)."""
    if b.lower is None or b.lower < 0 or (a.lower is not None and a.lower < 0):
        raise ValueError("a ratio needs non-negative inputs")
    # Smallest: a's lower over b's upper (0 when b is unbounded above, approached, not reached,
    # unless a can itself be 0).
    a_low = a.lower if a.lower is not None else Fraction(0)
    if b.upper is None:
        lower, lower_closed = Fraction(0), a_low == 0 and a.lower_closed
    elif b.upper == 0:
        raise ValueError("a ratio's divisor cannot be zero")
    else:
        # A numerator that can be 0 makes 0 reachable whatever the divisor.
        lower = a_low / b.upper
        lower_closed = a.lower_closed and (b.upper_closed or a_low == 0)
    # Largest: a's upper over b's lower (unbounded when either allows it).
    if a.upper is None or b.lower == 0:
        upper, upper_closed = None, False
    else:
        # A numerator that is at most 0 makes the ratio 0, reached, whatever the divisor.
        upper = a.upper / b.lower
        upper_closed = a.upper_closed and (b.lower_closed or a.upper == 0)
    return Interval(lower, lower_closed, upper, upper_closed)


_APPLY = {"sum": _add, "difference": _subtract, "ratio": _divide}
_POINT = {"sum": lambda x, y: x + y, "difference": lambda x, y: x - y,
          "ratio": lambda x, y: x / y}  # fmt: skip


def combine(operation: Operation, inputs: list[Quantity]) -> Quantity:
    """Fold the inputs left to right: a - b - c, a + b + c, a / b.

    The result's interval holds every value the operation can give when each input's true
    value lies anywhere inside its own interval; it is None if any input gives no interval.
    """
    if len(inputs) < 2 or (operation == "ratio" and len(inputs) != 2):
        raise ValueError(
            f"{operation} takes {'two' if operation == 'ratio' else 'two or more'} inputs"
        )
    value = inputs[0].value
    interval = inputs[0].interval
    for item in inputs[1:]:
        if operation == "ratio" and item.value == 0:
            raise ValueError("a ratio's divisor cannot be zero")
        value = _POINT[operation](value, item.value)
        interval = (
            None
            if interval is None or item.interval is None
            else _APPLY[operation](interval, item.interval)
        )
    return Quantity(value, interval)


@dataclass(frozen=True)
class Shown:
    """What a sentence says: its words, and the interval those words promise."""

    display: str
    interval: Interval | None  # None when approximate ("about 488")
    approximate: bool


def _floor(x: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction(math.floor(x * scale), scale)


def _ceil(x: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction(math.ceil(x * scale), scale)


def _number(x: Fraction, percent: bool, places: int) -> str:
    if percent:
        return f"{format_number(float(x * 100))}%" if places else f"{int(x * 100):,}%"
    return format_number(float(x))


def show(quantity: Quantity, *, percent: bool = False, places: int | None = None) -> Shown:
    """The words for a derived quantity, AP style, true whatever the inputs' true values.

    Counts print as whole numbers, percentages to one decimal, unless `places` says otherwise.
    A lower bound of exactly 0 says nothing about a count or a share of one, and is not
    printed, unless it is all there is to say: "0" when the upper bound is 0 too, and "more
    than 0" when nothing bounds the quantity above.
    """
    places = (1 if percent else 0) if places is None else places
    digits = places + 2 if percent else places  # rounding happens on the printed number
    interval = quantity.interval
    if interval is None:
        rounded = round(quantity.value * (100 if percent else 1), places) / (100 if percent else 1)
        return Shown(f"about {_number(Fraction(rounded), percent, places)}", None, True)
    lower = upper = None
    lower_closed = upper_closed = False
    zero = interval.lower == 0
    if interval.lower is not None and (
        not zero
        or (interval.upper == 0 and interval.lower_closed)
        or (interval.upper is None and not interval.lower_closed)
    ):
        lower = _floor(interval.lower, digits)
        # Rounded down, the printed number is below every possible value: "more than" holds.
        lower_closed = interval.lower_closed and lower == interval.lower
    if interval.upper is not None:
        upper = _ceil(interval.upper, digits)
        upper_closed = interval.upper_closed and upper == interval.upper
    if lower is not None and upper is not None and lower == upper and lower_closed and upper_closed:
        text = _number(lower, percent, places)
    elif lower is not None and upper is not None:
        text = f"between {_number(lower, percent, places)} and {_number(upper, percent, places)}"
        lower_closed = upper_closed = True  # "between" is read inclusively; still true
    elif lower is not None:
        text = f"{'at least' if lower_closed else 'more than'} {_number(lower, percent, places)}"
    elif upper is not None:
        text = f"{'at most' if upper_closed else 'less than'} {_number(upper, percent, places)}"
    else:
        text = "any number"
    return Shown(text, Interval(lower, lower_closed, upper, upper_closed), False)
