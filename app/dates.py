"""ISO 8601 dates at their known precision ("2017", "2017-12", "2018-01-25") and their extent."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> date:
        # "is None", not "or": a month or day of 0 is no such date, not an unknown one.
        month = 1 if self.month is None else self.month
        return date(self.year, month, 1 if self.day is None else self.day)

    def last_day(self) -> date:
        if self.day is not None:
            return self.first_day()
        month = 12 if self.month is None else self.month
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


def parse_partial_date(text: str) -> PartialDate:
    """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD"; ValueError for anything else or no such day."""
    match = _PARTIAL.fullmatch(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a date as YYYY, YYYY-MM or YYYY-MM-DD, "
            "e.g. 2017, 2017-12 or 2017-12-31"
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    parsed = PartialDate(year, month, day)
    try:
        parsed.first_day()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date: {exc}") from None
    return parsed
