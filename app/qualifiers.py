"""What a qualifier ("more than", "about") says about the true value: its bounds and its words."""

from dataclasses import dataclass
from enum import StrEnum

from app.numbers import format_number


class Qualifier(StrEnum):
    EXACT = "exact"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    ABOUT = "about"
    NEARLY = "nearly"
    FEWER_THAN = "fewer_than"
    AT_MOST = "at_most"


PHRASES: dict[Qualifier, str] = {
    Qualifier.EXACT: "",
    Qualifier.MORE_THAN: "more than",
    Qualifier.AT_LEAST: "at least",
    Qualifier.ABOUT: "about",
    Qualifier.NEARLY: "nearly",
    Qualifier.FEWER_THAN: "fewer than",
    Qualifier.AT_MOST: "at most",
}


@dataclass(frozen=True)
class ValueBounds:
    """A real interval; None on a side means unbounded there (and that side is never inclusive)."""

    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool

    def contains(self, x: float) -> bool:
        above = self.lower is None or x > self.lower or (self.lower_inclusive and x == self.lower)
        below = self.upper is None or x < self.upper or (self.upper_inclusive and x == self.upper)
        return above and below


def bounds_for(qualifier: Qualifier, value: float) -> ValueBounds | None:
    """The interval a qualified number promises; None for `about` and `nearly`, which promise none.

    Counts of people are never negative, hence the 0 under `fewer_than` and `at_most`.
    """
    match qualifier:
        case Qualifier.EXACT:
            return ValueBounds(value, True, value, True)
        case Qualifier.MORE_THAN:
            return ValueBounds(value, False, None, False)
        case Qualifier.AT_LEAST:
            return ValueBounds(value, True, None, False)
        case Qualifier.FEWER_THAN:
            return ValueBounds(0, True, value, False)
        case Qualifier.AT_MOST:
            return ValueBounds(0, True, value, True)
        case Qualifier.ABOUT | Qualifier.NEARLY:
            return None


def display(qualifier: Qualifier, value: float) -> str:
    """The number with its qualifier, AP style: "more than 1,900", "28"."""
    phrase = PHRASES[qualifier]
    number = format_number(value)
    return f"{phrase} {number}" if phrase else number
