"""Time phrases ("last year", "since 2002", "in December") resolved against the date a text
was published."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from app.dates import PartialDate
from app.extract.lines import MONTH, YEAR


@dataclass
class Anchor:
    start: int
    end: int
    phrase: str
    first: PartialDate | None  # None: the text gives no start ("so far")
    last: PartialDate
    point: bool  # a date ("on January 25", "in December") rather than a span of time
    stated: bool = False  # the time something was said or released ("said in December")


def _month_before(published: PartialDate, months: int) -> PartialDate:
    month = published.month or 12
    index = published.year * 12 + month - 1 - months
    if index < 12:
        raise ValueError("before year 1")
    return PartialDate(index // 12, index % 12 + 1)


@cache
def _date_parser(base: date) -> Any:
    from dateparser.date import DateDataParser  # 0.1 s to import: when first needed

    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": datetime(base.year, base.month, base.day),
        },
    )


def _calendar_date(phrase: str, published: PartialDate) -> PartialDate | None:
    """A month or a day named without its year, the most recent one before publication."""
    data = _date_parser(published.last_day()).get_date_data(phrase)
    if data.date_obj is None:
        return None
    when = data.date_obj.date()
    if data.period == "year":
        return PartialDate(when.year)
    if data.period == "month":
        return PartialDate(when.year, when.month)
    return PartialDate(when.year, when.month, when.day)


_CENTURY_END = (
    r"(?:the[ \t]+)?end[ \t]+of[ \t]+the[ \t]+(?P<century>\d{1,2})(?:st|nd|rd|th)[ \t]+century"
)
_DAY = r"\d{1,2}(?!\d)"  # "January 20", not the "20" of "January 2019"
_DATE_WORDS = (
    rf"{YEAR}-\d\d-\d\d|{MONTH}[ \t]+{_DAY}(?:,[ \t]+{YEAR})?|{_DAY}[ \t]+{MONTH}(?:[ \t]+{YEAR})?"
    rf"|{MONTH}(?:[ \t]+{YEAR})?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
_ANCHORS = re.compile(
    rf"(?P<span>\bfrom[ \t]+(?P<f1>{YEAR})[ \t]+(?:until|to|through|till)[ \t]+"
    rf"(?:(?P<f2>{YEAR})|{_CENTURY_END}))"
    rf"|(?P<between>\bbetween[ \t]+(?P<b1>{YEAR})[ \t]+and[ \t]+(?P<b2>{YEAR}))"
    rf"|(?P<dash>\b(?P<d1>{YEAR})[ \t]*[–-][ \t]*(?P<d2>{YEAR}|\d\d)\b(?![–-]\d))"
    r"|(?P<sofarthis>\bso[ \t]+far[ \t]+this[ \t]+year\b)"
    r"|(?P<lastyear>\blast[ \t]+year\b)"
    r"|(?P<thisyear>\bthis[ \t]+year\b)"
    r"|(?P<lastmonth>\blast[ \t]+month\b)"
    r"|(?P<thismonth>\bthis[ \t]+month\b)"
    rf"|(?P<since>\bsince[ \t]+(?:(?P<sy>{YEAR})(?![–-]?\d)|(?P<sd>{_DATE_WORDS})))"
    r"|(?P<sofar>\b(?:so[ \t]+far|to[ \t]+date)\b)"
    r"|(?P<yesterday>\byesterday\b)"
    rf"|(?P<asof>\b(?:as[ \t]+of|as[ \t]+at|by[ \t]+the[ \t]+end[ \t]+of|at[ \t]+the[ \t]+end[ \t]+of)[ \t]+(?P<ad>{_DATE_WORDS}|{YEAR}(?![–-]?\d)))"  # noqa: E501
    rf"|(?P<ondate>\b(?:on|in|during|by|until)[ \t]+(?P<od>{_DATE_WORDS}))"
    rf"|(?P<weekday>\b(?:on|last)[ \t]+(?P<wd>{_WEEKDAY}))"
    rf"|(?P<inyear>\b(?:in|during|for|throughout)[ \t]+(?:fiscal[ \t]+year[ \t]+|the[ \t]+year[ \t]+)?(?P<iy>{YEAR}))\b(?![–-]\d)",  # noqa: E501
    re.I,
)
_STATED_BEFORE = re.compile(
    r"\b(?:said|says|told[ \t]+\w+|released|published|announced|issued|reported)[ \t]+"
    r"(?:\w+[ \t]+)?$",
    re.I,
)


def find_anchors(body: str, offset: int, published: PartialDate) -> list[Anchor]:
    out: list[Anchor] = []
    for m in _ANCHORS.finditer(body):
        try:
            read = _read(m, published)
        except (OverflowError, ValueError):  # a date before year 1 or after 9999
            continue
        if read is None:
            continue
        first, last, point = read
        anchor = Anchor(offset + m.start(), offset + m.end(), m.group(), first, last, point)
        anchor.stated = bool(_STATED_BEFORE.search(body, max(0, m.start() - 40), m.start()))
        out.append(anchor)
    return out


def _read(
    m: re.Match[str], published: PartialDate
) -> tuple[PartialDate | None, PartialDate, bool] | None:
    """What one time phrase says: its first and last dates, and whether it names a point."""
    year = published.year
    pub_month = published if published.month else PartialDate(year)
    first: PartialDate | None
    last: PartialDate
    point = False
    if m.group("span"):
        first = PartialDate(int(m.group("f1")))
        if m.group("f2"):
            last = PartialDate(int(m.group("f2")))
        else:  # "the end of the 20th century": 2000, counted as the century's last year
            last = PartialDate(int(m.group("century")) * 100)
    elif m.group("between"):
        first, last = PartialDate(int(m.group("b1"))), PartialDate(int(m.group("b2")))
    elif m.group("dash"):
        start, end = m.group("d1"), m.group("d2")
        first = PartialDate(int(start))
        if len(end) == 2:  # "2017-18"; "1999-00" ends in the next century
            if int(end) <= int(start[2:]) and (start[2:], end) != ("99", "00"):
                return None  # "2018-01" is no span of years
            end = str(int(start[:2]) + (end == "00")) + end
        last = PartialDate(int(end))
    elif m.group("sofarthis"):
        first, last = PartialDate(year), pub_month
    elif m.group("lastyear"):
        first = last = PartialDate(year - 1)
    elif m.group("thisyear"):  # the year so far, as "so far this year"
        first, last = PartialDate(year), pub_month
    elif m.group("lastmonth") and published.month:
        first = last = _month_before(published, 1)
    elif m.group("thismonth") and published.month:
        first = last = PartialDate(year, published.month)
    elif m.group("since"):
        since = m.group("sy") or m.group("sd")
        start_date = PartialDate(int(since)) if m.group("sy") else _calendar_date(since, published)
        if start_date is None:
            return None
        first, last = start_date, pub_month
    elif m.group("sofar"):
        first, last = None, pub_month
    elif m.group("yesterday"):
        if published.day:
            day = published.first_day() - timedelta(days=1)
            first = last = PartialDate(day.year, day.month, day.day)
        else:
            first = last = published
        point = True
    elif m.group("asof") or m.group("ondate"):
        phrase = m.group("ad") or m.group("od")
        if re.fullmatch(YEAR, phrase):
            when: PartialDate | None = PartialDate(int(phrase))
        else:
            when = _calendar_date(phrase, published)
        if when is None:
            return None
        first = last = when
        point = True
    elif m.group("weekday"):
        # A weekday names a day only when the publication's day is known.
        named = _calendar_date(m.group("wd"), published) if published.day else None
        first = last = named or published
        point = True
    elif m.group("inyear"):
        first = last = PartialDate(int(m.group("iy")))
    else:
        return None
    return first, last, point
