"""Propose figures from a text, reading numbers the way a careful journalist does.

`extract(text, published)` finds every number in a text and either proposes it as a candidate
figure, in the shape `data/figures/*.toml` uses, or skips it with the reason why (a year, a
date, an age, money, a percentage...). It proposes; a person decides. No database, no FastAPI.

Offsets count code points into `text` exactly as given, like every span in `data/`.

Ranges ("35 to 40", "between 35 and 40", "35-40") become two linked candidates: the lower
bound `at_least`, the upper `at_most`, each with a note naming the other. The project's
figures have one value each, and a range states two bounds.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import orjson

from app.dates import PartialDate
from app.numbers import parse_number
from app.qualifiers import Qualifier, bounds_for

# The measures of DESIGN.md and their kinds: a flow is counted over a period, a stock at a date.
KNOWN_MEASURES = {
    "removals-us-to-cambodia": "flow",
    "final-removal-orders": "stock",
    "final-removal-orders-with-convictions": "stock",
    "court-blocked-removals": "stock",
    "refugee-admissions": "flow",
    "non-refugee-admissions": "flow",
}

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_MONTH = rf"(?:{_MONTHS})(?!\w)"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_YEAR = r"(?:1[89]\d\d|20\d\d)"

_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion|dozen"
)
_SMALL_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
# A run of number words, "a hundred and five", "Twenty-eight", "two dozen".
_WORD_RUN = re.compile(
    rf"\b(?:an?[ \t]+)?(?:{_WORDS})(?:(?:[ \t]+and[ \t]+|[ \t]+|-)(?:{_WORDS}))*\b", re.I
)
# Anything with a digit in it: numbers, and the ids, times and codes that are not counts.
_DIGITS = re.compile(r"(?<![\w.,])[A-Za-z_#]*\d[\w#/\-.,:]*")
_NUMERAL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SCALE_AFTER = re.compile(r"[ \t]+(million|billion|thousand)\b")

_VAGUE = re.compile(
    r"\b(?:(?:tens|hundreds)[ \t]+of[ \t]+)?(?:dozens|scores|hundreds|thousands|millions|tens)"
    r"[ \t]+of\b",
    re.I,
)
_FRACTION = re.compile(
    r"\b(?:(?:a|one|two|three|four)[ \t-]+(?:half|halves|thirds?|quarters?|fifths?|tenths?)"
    r"|half)\b",
    re.I,
)
# "one in five": a share. ("12 out of 105" is a part and its whole, and proposed as such.)
_RATIO = re.compile(rf"\b(?:{_WORDS}|\d+)[ \t]+in[ \t]+(?:{_WORDS}|[1-9]\d?)\b", re.I)
_PHONE = re.compile(
    r"(?:\+\d{1,3}[ \t-]?)?(?:\(\d{2,4}\)[ \t]?|\b0?\d{2,3}[ \t-])\d{3}[ \t-]\d{3,4}\b"
)

# Qualifiers, read from the words just before the number; longer phrases first.
_QUALIFIERS: list[tuple[str, Qualifier]] = [
    ("more than", Qualifier.MORE_THAN),
    ("in excess of", Qualifier.MORE_THAN),
    ("upwards of", Qualifier.MORE_THAN),
    ("over", Qualifier.MORE_THAN),
    ("above", Qualifier.MORE_THAN),
    ("at least", Qualifier.AT_LEAST),
    ("no fewer than", Qualifier.AT_LEAST),
    ("no less than", Qualifier.AT_LEAST),
    ("a minimum of", Qualifier.AT_LEAST),
    ("nearly", Qualifier.NEARLY),
    ("almost", Qualifier.NEARLY),
    ("close to", Qualifier.NEARLY),
    ("an estimated", Qualifier.ABOUT),
    ("approximately", Qualifier.ABOUT),
    ("roughly", Qualifier.ABOUT),
    ("around", Qualifier.ABOUT),
    ("about", Qualifier.ABOUT),
    ("some", Qualifier.ABOUT),
    ("up to", Qualifier.AT_MOST),
    ("at most", Qualifier.AT_MOST),
    ("no more than", Qualifier.AT_MOST),
    ("as many as", Qualifier.AT_MOST),
    ("a maximum of", Qualifier.AT_MOST),
    ("fewer than", Qualifier.FEWER_THAN),
    ("less than", Qualifier.FEWER_THAN),
    ("just under", Qualifier.FEWER_THAN),
    ("under", Qualifier.FEWER_THAN),
    ("below", Qualifier.FEWER_THAN),
]
_QUALIFIER_BEFORE = re.compile(
    r"(?:^|(?<=\W))(" + "|".join(re.escape(p) for p, _ in _QUALIFIERS) + r")[ \t]+$", re.I
)
_QUALIFIER_OF = {p: q for p, q in _QUALIFIERS}
_OR_MORE = re.compile(r"[ \t]+or[ \t]+(more|fewer|less)\b", re.I)

# Measures: the first rule whose words stand near the number wins (the words after it first,
# then those before it). Every rule also needs the sentence, or the one before, to be about
# Cambodians.
_MEASURE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("non-refugee-admissions", re.compile(r"\bnon-?refugees?\b", re.I)),
    ("refugee-admissions", re.compile(r"\brefugees?\b", re.I)),
    (
        "final-removal-orders",
        re.compile(r"\bfinal[ \t]+(?:orders?[ \t]+of[ \t]+(?:removal|deportation)|"
                   r"(?:removal|deportation)[ \t]+orders?)\b", re.I),
    ),
    (
        "court-blocked-removals",
        re.compile(r"\b(?:block|halt|stay|bar)\w*\b.{0,80}\b(?:deport|remov)\w*", re.I | re.S),
    ),
    (
        "removals-us-to-cambodia",
        re.compile(r"\b(?:deport\w*|repatriat\w*|removed|sent[ \t]+back|flown[ \t]+back)",
                   re.I),
    ),
]  # fmt: skip
_ABOUT_CAMBODIANS = re.compile(r"\bCambodi", re.I)
# "2 million people ..., including 1,900 Cambodians": the whole is not about Cambodians.
_EVERYONE = re.compile(
    r"[ \t]+(?:people|persons|immigrants|migrants|noncitizens|non-citizens|foreigners)\b", re.I
)
_OTHER_NATIONALITY = re.compile(r"[ \t]+(?!Cambodian)([A-Z][a-z]+(?:ans|ese|is|s))\b")
_CONVICTIONS = re.compile(r"\b(?:convict\w*|criminal)\b", re.I)

_PEOPLE_NOUN = re.compile(r"^[ \t]+(?:[A-Z][a-z]+ans?\b|people\b|[a-z][\w-]*[^su\W]s\b)")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|these|those|both|its|their|his|her|our)[ \t]+$", re.I)
_CHANGE_VERB = re.compile(
    r"\b(?:rose|risen|fell|fallen|increased|decreased|grew|grown|dropped|climbed|jumped|"
    r"declined|doubled)\b",
    re.I,
)
_FURNITURE_LINE = re.compile(
    r"^(?:Photo|Image|Picture|Caption|Credit|Page|Share|Read more|Related|Updated|Posted|"
    r"Published|Follow|Copyright|©|Tags?)\b",
    re.I,
)
_CODE = "an id or code, not a count"
_FURNITURE = "page furniture: a line that is not a sentence (a headline, a caption, a byline)"
_NOT_A_NAME = re.compile(rf"^(?:{_MONTHS}|{_DAYS}|In|On|By|Since|Of|And|But|The|Last|This|So)$")


@dataclass
class Skipped:
    """A number the extractor read and did not propose, and why."""

    text: str
    span: tuple[int, int]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": {"start": self.span[0], "end": self.span[1]},
            "reason": self.reason,
        }


@dataclass(eq=False)  # each candidate is itself: relations point at one, not at its twin
class Candidate:
    """A proposed figure, in the shape `data/figures/*.toml` uses, with the reasons behind it."""

    id: str
    source: str | None
    value: Decimal
    qualifier: Qualifier
    value_text: str
    value_span: tuple[int, int]
    quote: str
    quote_span: tuple[int, int]
    measure: str | None = None
    period: tuple[PartialDate, PartialDate] | None = None
    as_of: PartialDate | None = None
    stated: PartialDate | None = None
    attribution: dict[str, str] = field(default_factory=dict)
    relations: list[tuple[str, str]] = field(default_factory=list)  # (type, the other's id)
    links: list[tuple[str, Candidate]] = field(default_factory=list, repr=False)  # until named
    note: str | None = None
    reasons: list[str] = field(default_factory=list)
    open_end: PartialDate | None = None  # "so far": the period's end, waiting for its start

    def as_dict(self) -> dict[str, Any]:
        """The candidate as the API and `--format json` give it: `data/`'s field names."""
        value = int(self.value) if self.value == self.value.to_integral_value() else self.value
        found = bounds_for(self.qualifier, float(value))
        return {
            "id": self.id,
            "measure": self.measure,
            "source": self.source,
            "value": value if isinstance(value, int) else float(value),
            "qualifier": self.qualifier.value,
            "value_text": self.value_text,
            "bounds": None if found is None else _bounds_dict(found),
            "period": None
            if self.period is None
            else {"start": str(self.period[0]), "end": str(self.period[1])},
            "as_of": None if self.as_of is None else str(self.as_of),
            "stated": None if self.stated is None else str(self.stated),
            "quote": self.quote,
            "quote_span": {"start": self.quote_span[0], "end": self.quote_span[1]},
            "value_span": {"start": self.value_span[0], "end": self.value_span[1]},
            "attribution": self.attribution,
            "relations": [{"type": t, "figure": f} for t, f in self.relations],
            "note": self.note,
            "reasons": self.reasons,
        }


@dataclass
class Extraction:
    candidates: list[Candidate]
    skipped: list[Skipped]


def _bounds_dict(found: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in ("lower", "upper"):
        bound = getattr(found, side)
        if bound is not None:
            out[side] = int(bound) if float(bound).is_integer() else bound
            out[f"{side}_inclusive"] = getattr(found, f"{side}_inclusive")
    return out


# --- sentences -------------------------------------------------------------------------------


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    furniture: bool  # a line that is not prose: a headline, a caption, a page number


@cache
def _segmenter() -> Any:
    import pysbd  # imported when first needed

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _sentences(text: str) -> list[_Sentence]:
    """Sentences by pysbd, line by line, with their offsets and surrounding whitespace trimmed."""
    out: list[_Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        body = line.group().strip()
        if not body:
            continue
        furniture = bool(_FURNITURE_LINE.match(body)) or (
            len(body) < 90 and not re.search(r"[.!?…”\"’)]$", body)
        )
        for span in _segmenter().segment(line.group()):
            raw = span.sent
            lead = len(raw) - len(raw.lstrip())
            trimmed = raw.strip()
            if trimmed:
                start = line.start() + span.start + lead
                out.append(_Sentence(start, start + len(trimmed), trimmed, furniture))
    return out


# --- numbers ---------------------------------------------------------------------------------


@dataclass
class _Mention:
    start: int
    end: int
    value: Decimal
    sentence: int  # index into the sentences
    lead: int  # where the qualifier phrase before it starts (== start without one)
    qualifier: Qualifier = Qualifier.EXACT
    qualifier_words: str = ""
    range_with: _Mention | None = None
    range_low: bool = False


_AGE_AFTER = re.compile(
    r"^(?:-years?-olds?\b|[ \t]+years?[ \t]+old\b|[ \t]+years?[ \t]+of[ \t]+age)", re.I
)
_AGE_BEFORE = re.compile(
    r"\b(?:aged?|ages|age[ \t]+of|when[ \t]+(?:he|she|they)[ \t]+(?:was|were))[ \t]+$", re.I
)
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}[ \t]*$")
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTH}\b")


def _skip_reason(text: str, start: int, end: int, value: Decimal, printed: str) -> str | None:
    """Why the number at text[start:end] is not a count, or None when it may be one."""
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    if re.search(r"(?:US\$|\$|€|£|USD[ \t]*|KHR[ \t]*)$", before) or re.match(
        r"^[ \t]*(?:dollars?|USD|riels?|euros?|pounds|cents|baht|yuan|yen|rupees|pesos)\b",
        after,
        re.I,
    ):
        return "money"
    if re.match(r"^[ \t]*(?:%|percent\b|per[ \t]+cent\b|percentage[ \t]+points?\b)", after, re.I):
        return "a percentage"
    if re.match(r"^[ \t]*(?:°|degrees?\b|[CF](?![\w’']))", after):
        return "a temperature"
    if re.match(r"^[ \t]*(?:a\.m\.|p\.m\.|am\b|pm\b|o’clock|GMT\b)", after, re.I):
        return "a time of day"
    if _AGE_AFTER.match(after) or _AGE_BEFORE.search(before):
        return "an age"
    name = re.search(r"\b([A-Z][\w’'-]+),[ \t]*$", before)
    if (
        name
        and not _NOT_A_NAME.match(name.group(1))
        and re.match(r"^[ \t]*,", after)
        and value <= 120
        and "." not in printed
    ):
        return f"an age: {name.group(1)}, {printed},"
    if re.match(r"^[ \t]+(?:years?|months?|weeks?|days?|hours?|minutes?|decades?)\b", after, re.I):
        return "a length of time"
    if (
        value <= 31
        and "," not in printed
        and "." not in printed
        and (_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after))
    ):
        return "a day of the month"
    if re.fullmatch(_YEAR, printed) and (
        re.search(r"\b(?:pre|post|mid|early|late)-$", before, re.I)
        or not (_QUALIFIER_BEFORE.search(before) or _PEOPLE_NOUN.match(after))
    ):
        return "a year"
    if re.fullmatch(r"\d{6,}", printed):
        return "a long digit string: an id or a phone number, not a count"
    if value > 10**12:  # more than ten times everyone who ever lived
        return "too large to be a count"
    return None


def _digit_token(token: str) -> tuple[str, list[tuple[int, int]]]:
    """Read a token with digits: ("number", [its span]), ("range", [two spans]) or (why not, [])."""
    if _NUMERAL.fullmatch(token):
        return "number", [(0, len(token))]
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", token):
        return "an ordinal", []
    if re.fullmatch(r"\d{4}s|\d0s", token):
        return "a decade", []
    ranged = re.fullmatch(r"((?:\d{1,3}(?:,\d{3})+|\d+))-((?:\d{1,3}(?:,\d{3})+|\d+))", token)
    if ranged:
        if re.fullmatch(_YEAR, ranged.group(1)):
            return "a span of years", []
        return "range", [ranged.span(1), ranged.span(2)]
    if re.fullmatch(r"\d+-years?-olds?", token, re.I):
        return "an age", []
    if re.fullmatch(r"\d+(?:\.\d+)?[CF]", token):
        return "a temperature", []
    if re.fullmatch(r"\d+(?:am|pm)|\d{1,2}:\d\d(?::\d\d)?", token, re.I):
        return "a time of day", []
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d\d-\d\d", token):
        return "a date", []
    if re.fullmatch(r"\d+-[a-z]+", token):
        return "part of a compound word (“12-member”), not a count", []
    return _CODE, []


def _mentions(text: str, sentences: list[_Sentence], skipped: list[Skipped]) -> list[_Mention]:
    found: list[_Mention] = []
    for index, sentence in enumerate(sentences):
        s, body = sentence.start, sentence.text
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int, taken: list[tuple[int, int]] = taken) -> bool:
            return all(b <= x or a >= y for x, y in taken)

        def skip(a: int, b: int, reason: str, taken: list[tuple[int, int]] = taken) -> None:
            taken.append((a, b))
            skipped.append(Skipped(text[a:b], (a, b), reason))

        for pattern, reason in (
            (_VAGUE, "a vague quantity with no number"),
            (_FRACTION, "a fraction, not a count"),
            (_RATIO, "a ratio, not a count"),
            (_PHONE, "a phone number"),
        ):
            for m in pattern.finditer(body):
                if free(s + m.start(), s + m.end()):
                    skip(s + m.start(), s + m.end(), reason)

        spans: list[tuple[int, int, str]] = []  # absolute start, end, kind
        for m in _DIGITS.finditer(body):
            token = m.group().rstrip(".,:-/")
            a = s + m.start()
            if not free(a, a + len(token)):
                continue
            kind, parts = _digit_token(token)
            if not parts:
                generic = kind == _CODE and sentence.furniture
                skip(a, a + len(token), _FURNITURE if generic else kind)
                continue
            for x, y in parts:
                spans.append((a + x, a + y, kind))
        for m in _WORD_RUN.finditer(body):
            for a, b in _word_numbers(text, s + m.start(), s + m.end()):
                if free(a, b):
                    spans.append((a, b, "words"))

        spans.sort()
        previous: _Mention | None = None
        for a, b, kind in spans:
            printed = text[a:b]
            scale = _SCALE_AFTER.match(text, b) if kind != "words" else None
            if scale and scale.end() <= sentence.end:
                b, printed = scale.end(), text[a : scale.end()]
            value = parse_number(printed)
            reason = _skip_reason(text, a, b, value, printed)
            if reason is None and sentence.furniture:  # what is not a count says so first
                reason = _FURNITURE
            if reason is None and kind == "words":
                if printed.lower() == "one":
                    reason = "“one” alone is a pronoun or an article far more often than a count"
                elif printed.lower() in _SMALL_WORDS and _DETERMINER_BEFORE.search(text[s:a]):
                    reason = f"“{text[s:a].split()[-1]} {printed}” names a known group"
            if reason:
                skip(a, b, reason)
                continue
            mention = _Mention(a, b, value, index, a)
            qualifier = _QUALIFIER_BEFORE.search(text[s:a])
            if qualifier:
                words = qualifier.group(1)
                mention.qualifier = _QUALIFIER_OF[words.lower()]
                mention.qualifier_words, mention.lead = words, s + qualifier.start(1)
            more = _OR_MORE.match(text, b)
            if more and mention.qualifier == Qualifier.EXACT:
                mention.qualifier_words = f"or {more.group(1)}"
                mention.qualifier = (
                    Qualifier.AT_LEAST if more.group(1).lower() == "more" else Qualifier.AT_MOST
                )
            if previous is not None and _is_range(text, s, previous, mention, kind == "range"):
                previous.range_with, previous.range_low = mention, True
                mention.range_with = previous
            found.append(mention)
            previous = mention
    return found


def _word_numbers(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The numbers in a run of number words: the longest prefix that reads, then the rest."""
    out: list[tuple[int, int]] = []
    words = [m.span() for m in re.finditer(r"[A-Za-z]+", text[start:end])]
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            a, b = start + words[i][0], start + words[j - 1][1]
            if text[a:b].lower() in {"a", "an"}:
                continue
            try:
                parse_number(text[a:b])
            except ValueError:
                continue
            out.append((a, b))
            i = j
            break
        else:
            i += 1
    return out


def _is_range(text: str, s: int, low: _Mention, high: _Mention, hyphenated: bool) -> bool:
    if low.range_with is not None or low.value >= high.value:
        return False
    between = text[low.end : high.lead]
    if hyphenated or re.fullmatch(r"[ \t]*[–—][ \t]*", between):
        return True
    if re.fullmatch(r"[ \t]+and[ \t]+", between):
        return bool(re.search(r"\bbetween[ \t]+$", text[s : low.lead], re.I))
    if re.fullmatch(r"[ \t]+to[ \t]+", between):
        return not _CHANGE_VERB.search(text[s : high.end])
    return False


# --- time ------------------------------------------------------------------------------------


@dataclass
class _Anchor:
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
_DATE_WORDS = rf"{_MONTH}[ \t]+\d{{1,2}}(?:,[ \t]+{_YEAR})?|\d{{1,2}}[ \t]+{_MONTH}(?:[ \t]+{_YEAR})?|{_MONTH}(?:[ \t]+{_YEAR})?"  # noqa: E501
_ANCHORS = re.compile(
    rf"(?P<span>\bfrom[ \t]+(?P<f1>{_YEAR})[ \t]+(?:until|to|through|till)[ \t]+"
    rf"(?:(?P<f2>{_YEAR})|{_CENTURY_END}))"
    rf"|(?P<between>\bbetween[ \t]+(?P<b1>{_YEAR})[ \t]+and[ \t]+(?P<b2>{_YEAR}))"
    rf"|(?P<dash>\b(?P<d1>{_YEAR})[ \t]*[–-][ \t]*(?P<d2>{_YEAR}|\d\d)\b)"
    r"|(?P<sofarthis>\bso[ \t]+far[ \t]+this[ \t]+year\b)"
    r"|(?P<lastyear>\blast[ \t]+year\b)"
    r"|(?P<thisyear>\bthis[ \t]+year\b)"
    r"|(?P<lastmonth>\blast[ \t]+month\b)"
    r"|(?P<thismonth>\bthis[ \t]+month\b)"
    rf"|(?P<since>\bsince[ \t]+(?:(?P<sy>{_YEAR})|(?P<sd>{_DATE_WORDS})))"
    r"|(?P<sofar>\b(?:so[ \t]+far|to[ \t]+date)\b)"
    r"|(?P<yesterday>\byesterday\b)"
    rf"|(?P<asof>\b(?:as[ \t]+of|as[ \t]+at|by[ \t]+the[ \t]+end[ \t]+of|at[ \t]+the[ \t]+end[ \t]+of)[ \t]+(?P<ad>{_DATE_WORDS}|{_YEAR}))"  # noqa: E501
    rf"|(?P<ondate>\b(?:on|in|during|by|until)[ \t]+(?P<od>{_DATE_WORDS}))"
    rf"|(?P<inyear>\b(?:in|during|for|throughout)[ \t]+(?:fiscal[ \t]+year[ \t]+|the[ \t]+year[ \t]+)?(?P<iy>{_YEAR}))\b",  # noqa: E501
    re.I,
)
_STATED_BEFORE = re.compile(
    r"\b(?:said|says|told[ \t]+\w+|released|published|announced|issued|reported)[ \t]+"
    r"(?:\w+[ \t]+)?$",
    re.I,
)


def _anchors(body: str, offset: int, published: PartialDate) -> list[_Anchor]:
    year = published.year
    pub_month = published if published.month else PartialDate(year)
    out: list[_Anchor] = []
    for m in _ANCHORS.finditer(body):
        kind = m.lastgroup
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
            last = PartialDate(int(start[:2] + end if len(end) == 2 else end))
        elif m.group("sofarthis"):
            first, last = PartialDate(year), pub_month
        elif m.group("lastyear"):
            first = last = PartialDate(year - 1)
        elif m.group("thisyear"):  # the year so far, as "so far this year"
            first, last = PartialDate(year), pub_month
        elif m.group("lastmonth") and published.month:
            first = last = _month_before(published, 1)
        elif m.group("thismonth") and published.month:
            first = last = pub_month
        elif m.group("since"):
            since = m.group("sy") or m.group("sd")
            start_date = (
                PartialDate(int(since)) if m.group("sy") else _calendar_date(since, published)
            )
            if start_date is None:
                continue
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
            if re.fullmatch(_YEAR, phrase):
                when: PartialDate | None = PartialDate(int(phrase))
            else:
                when = _calendar_date(phrase, published)
            if when is None:
                continue
            first = last = when
            point = True
        elif m.group("inyear"):
            first = last = PartialDate(int(m.group("iy")))
        else:
            continue
        assert kind is not None
        anchor = _Anchor(offset + m.start(), offset + m.end(), m.group(), first, last, point)
        anchor.stated = bool(_STATED_BEFORE.search(body[: m.start()]))
        out.append(anchor)
    return out


# --- who said it -----------------------------------------------------------------------------

_NAME = (  # two or more capitalised words, not starting with a word that opens a sentence
    r"(?!(?:In|On|By|At|Of|And|But|So|Since|From|After|Before|During|The|Last|This)\b)"
    r"[A-Z][\w’'.-]+(?:[ \t]+(?:[A-Z][\w’'.-]+|bin|van|de|al))+"
)
_ORG = r"(?:the[ \t]+)?[A-Z][^,;:“”\"]*?"
_PERSON_ROLE = re.compile(
    rf"(?P<text>(?P<person>{_NAME}),[ \t]+(?:an?[ \t]+|the[ \t]+)?(?P<role>[a-z][\w -]*?)"
    rf"[ \t]+(?:for|of|at|with|from)[ \t]+(?P<org>{_ORG})),[ \t]+"
    r"(?:said|told|says|added|wrote|spoke)\b"
)
_ROLE_PERSON_SAID = re.compile(
    rf"(?P<text>(?P<org>{_ORG})[ \t]+(?P<role>spokes(?:man|woman|person))[ \t]+(?P<person>{_NAME}))"
    r"[ \t]+(?:said|told|says|added)\b"
)
_REPORT = re.compile(
    r"(?P<text>\b(?:an?|the)[ \t]+(?:[\w-]+[ \t]+){0,3}?(?:report|study|survey|review|audit|data|"
    r"figures|statistics)[ \t]+(?:by|from|of|released[ \t]+by|published[ \t]+by)[ \t]+"
    # The organisation: capitalised words ("the Interior Ministry"), or else lowercase words
    # up to what follows a report's name ("the immigration department released yesterday").
    r"(?P<org>(?:the[ \t]+)?(?:(?-i:[A-Z][\w’'-]*(?:[ \t]+(?:(?:of|for|and|on)[ \t]+)?"
    r"[A-Z][\w’'-]*)*)(?![\w’'-])|[\w’' -]+?(?=[ \t]+(?:released|published|issued|on|in|last|"
    r"this|yesterday|showed|shows|said|says|found)\b|[,.;]|$))))",
    re.I,
)
_ACCORDING = re.compile(r"\baccording[ \t]+to[ \t]+(?P<who>[^,.;“”]+)", re.I)
_SAID_BY = re.compile(
    rf"(?:,|”)[ \t]*(?:said|says|added|told[ \t]+\w+)[ \t]+(?P<who>{_NAME}|the[ \t]+[\w ’'-]+?)"
    rf"(?:,[ \t]+(?:an?[ \t]+|the[ \t]+)?(?P<role>[a-z][\w -]*?)[ \t]+(?:for|of|at|with)[ \t]+"
    rf"(?P<org>{_ORG}))?[ \t]*[.,]"
)
_WHO_SAID = re.compile(
    rf"(?:^|[”,][ \t]*|\b)(?P<who>{_NAME}|(?:[Tt]he|[Aa]n?)[ \t]+[\w ’'-]+?|[Hh]e|[Ss]he|[Ii]t|"
    r"[Tt]hey|(?:[a-z]+[ \t]+)?(?:officials|lawyers|attorneys|police|authorities|advocates|"
    r"activists|groups|prosecutors|sources|experts|officers))[ \t]+(?P<verb>said|says|say|added|"
    r"told|announced|stated|found|showed|shows|show|reported|published|released|issued)\b"
)
# "Luka Meas, 48, who arrived on the flight, said": the subject, named before a comma.
_SUBJECT_SAID = re.compile(rf"^(?P<who>{_NAME}),[^“”]*?\b(?:said|says|told)\b")
_PUBLISHED = re.compile(r"^(?:published|released|issued)$")


def _trim_the(text: str) -> str:
    return re.sub(r"^(?:the|an?)[ \t]+", "", text.strip(), flags=re.I)


@dataclass
class _Speakers:
    """Who the text has named so far, for "he said" and "the report said"."""

    publisher: str | None
    person: dict[str, str] | None = None
    report: dict[str, str] | None = None
    report_stated: PartialDate | None = None
    person_stated: PartialDate | None = None

    def voice(self) -> dict[str, str]:
        return {"organisation": self.publisher} if self.publisher else {}


def _attribution(
    body: str, speakers: _Speakers, stated: PartialDate | None
) -> tuple[dict[str, str], PartialDate | None, str] | None:
    """Who the sentence says stated its numbers, when it was said, and the words that say so."""
    report = _REPORT.search(body)
    if report:
        speakers.report = {
            "organisation": _trim_the(report.group("org")),
            "text": report.group("text"),
        }
        speakers.report_stated = stated
    m = _PERSON_ROLE.search(body) or _ROLE_PERSON_SAID.search(body)
    if m:
        found = {
            "person": m.group("person"),
            "role": m.group("role"),
            "organisation": _trim_the(m.group("org")),
            "text": m.group("text"),
        }
        speakers.person, speakers.person_stated = found, stated
        return found, stated, "named with their role"
    m = _ACCORDING.search(body)
    if m:
        who = m.group("who").strip()
        if report and report.start() >= m.start():
            return dict(speakers.report or {}), stated, "“according to” a report"
        if re.match(r"(?:the|this|that)[ \t]+(?:report|study|survey|data|figures)\b", who, re.I):
            return dict(speakers.report or {}), speakers.report_stated, "the report named before"
        return {"organisation": _trim_the(who), "text": who}, stated, "“according to”"
    m = _SAID_BY.search(body)
    if m:
        return _speaker(m.group("who"), m, speakers, stated)
    m = _SUBJECT_SAID.search(body)
    if m:
        return _speaker(m.group("who"), None, speakers, stated)
    m = _WHO_SAID.search(body)
    if m:
        if _PUBLISHED.match(m.group("verb")) and not report:  # "The ministry published figures"
            who = m.group("who")
            speakers.report = {"organisation": _trim_the(who), "text": who}
            speakers.report_stated = stated
        return _speaker(m.group("who"), None, speakers, stated)
    return None


def _speaker(
    who: str, m: re.Match[str] | None, speakers: _Speakers, stated: PartialDate | None
) -> tuple[dict[str, str], PartialDate | None, str] | None:
    lower = who.lower()
    if lower in {"he", "she"}:
        if speakers.person is None:
            return None
        return dict(speakers.person), stated or speakers.person_stated, "“he/she said”"
    if lower in {"it", "they"} or re.search(r"\b(?:report|study|survey|data|figures)\b", lower):
        if speakers.report is None:
            return None
        return dict(speakers.report), stated or speakers.report_stated, "the report named before"
    if re.match(r"[a-z]", who) and not re.match(r"(?:the|an?)[ \t]", lower):  # "lawyers said"
        return {"text": who}, stated, "“said”"
    if re.match(r"(?:the|an?)[ \t]", lower):
        return {"organisation": _trim_the(who), "text": who}, stated, "“said”"
    found = {"person": who, "text": who}
    if m is not None and m.group("role"):
        found.update(role=m.group("role"), organisation=_trim_the(m.group("org")))
        found["text"] = m.group(0)[m.start("who") - m.start() : m.end("org") - m.start()]
    speakers.person, speakers.person_stated = found, stated
    return found, stated, "“said”"


# --- putting it together ---------------------------------------------------------------------


def extract(
    text: str,
    published: PartialDate,
    *,
    publisher: str | None = None,
    source: str | None = None,
    measures: dict[str, str] | None = None,
) -> Extraction:
    """Candidate figures in `text`, published at `published`, and the numbers skipped.

    `measures` maps the measure ids that may be suggested to their kind ("flow" or "stock");
    by default, the measures of DESIGN.md. `source` is the stored source's id, if any.
    """
    measures = KNOWN_MEASURES if measures is None else measures
    sentences = _sentences(text)
    skipped: list[Skipped] = []
    mentions = _mentions(text, sentences, skipped)
    speakers = _Speakers(publisher)
    said: dict[int, tuple[dict[str, str], PartialDate | None, str] | None] = {}
    anchors: dict[int, list[_Anchor]] = {}
    quotes = _quote_speakers(text, sentences, published, speakers, said, anchors)

    candidates: list[Candidate] = []
    by_mention: dict[int, Candidate] = {}
    for mention in mentions:
        sentence = sentences[mention.sentence]
        candidate = Candidate(
            id="",
            source=source,
            value=mention.value,
            qualifier=mention.qualifier,
            value_text=text[mention.start : mention.end],
            value_span=(mention.start, mention.end),
            quote=sentence.text,
            quote_span=(sentence.start, sentence.end),
        )
        candidate.reasons.append(_kept_reason(text, mention))
        if mention.range_with is not None:
            _range_bound(text, mention, candidate)
        who = quotes.get(mention.start) or said.get(mention.sentence)
        if who is None:
            candidate.attribution = speakers.voice() if publisher else {}
            candidate.reasons.append(
                "no one is named as saying it: the publisher's own voice"
                if publisher
                else "no one is named as saying it, and no publisher was given"
            )
        else:
            candidate.attribution, candidate.stated, why = who
            candidate.reasons.append(f"attributed: {why}")
        candidates.append(candidate)
        by_mention[id(mention)] = candidate

    _relate(text, sentences, mentions, by_mention)
    in_sentence: dict[int, list[_Mention]] = {}
    for mention in mentions:
        in_sentence.setdefault(mention.sentence, []).append(mention)
    parts_of: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        for _, whole in candidate.links:
            parts_of.setdefault(id(whole), []).append(candidate)
    for mention in mentions:
        candidate = by_mention[id(mention)]
        _suggest_measure(text, sentences, mention, candidate, in_sentence, parts_of, measures)
        _anchor_time(mention, candidate, anchors.get(mention.sentence, []), measures)
    _inherit_time(candidates)
    _restates(candidates)
    _name(candidates, source)
    skipped.sort(key=lambda s: s.span)
    starts = [s.span[0] for s in skipped]
    for candidate in candidates:  # the numbers beside it that are not counts, and why
        first, last = candidate.quote_span
        for near in skipped[bisect_left(starts, first) : bisect_left(starts, last)]:
            candidate.reasons.append(f"beside it, “{near.text}” is not a count: {near.reason}")
    return Extraction(candidates, skipped)


def _quote_speakers(
    text: str,
    sentences: list[_Sentence],
    published: PartialDate,
    speakers: _Speakers,
    said: dict[int, Any],
    anchors: dict[int, list[_Anchor]],
) -> dict[int, Any]:
    """Read sentences in order: their anchors, their speakers, and who speaks each quotation."""
    for index, sentence in enumerate(sentences):
        found = _anchors(sentence.text, sentence.start, published)
        anchors[index] = found
        stated = next((a.last for a in found if a.stated), None)
        said[index] = _attribution(sentence.text, speakers, stated)
        if (  # "It shows...", right after a sentence that named a report or spokesman
            said[index] is None
            and index
            and said.get(index - 1) is not None
            and re.match(r"(?:It|They|The (?:report|figures|data|study))\b", sentence.text)
        ):
            said[index] = said[index - 1]
    # A quotation spread over several sentences is spoken by whoever speaks its last one.
    by_start: dict[int, Any] = {}
    starts = [s.start for s in sentences]
    for m in re.finditer(r"“[^”]*”|\"[^\"\n]*\"", text):
        inside = range(bisect_left(starts, m.start()), bisect_left(starts, m.end()))
        speaker = next((said[i] for i in reversed(inside) if said.get(i) is not None), None)
        if speaker is None:
            continue
        for d in _DIGITS.finditer(text, m.start(), m.end()):
            by_start[d.start()] = speaker
        for w in _WORD_RUN.finditer(text, m.start(), m.end()):
            for a, _ in _word_numbers(text, w.start(), w.end()):
                by_start[a] = speaker
    return by_start


def _kept_reason(text: str, mention: _Mention) -> str:
    printed = text[mention.start : mention.end]
    if mention.qualifier_words:
        return f"a count, “{printed}”, qualified by “{mention.qualifier_words}”"
    return f"a count, “{printed}”, stated exactly"


def _range_bound(text: str, mention: _Mention, candidate: Candidate) -> None:
    other = mention.range_with
    assert other is not None
    low, high = (mention, other) if mention.range_low else (other, mention)
    words = text[low.start : high.end]
    if mention.range_low:
        candidate.qualifier = Qualifier.AT_LEAST
        candidate.note = f"The lower bound of the range “{words}”; the upper is a candidate too."
    else:
        candidate.qualifier = Qualifier.AT_MOST
        candidate.note = f"The upper bound of the range “{words}”; the lower is a candidate too."
    candidate.reasons[0] = f"one bound of the range “{words}”"


def _relate(
    text: str,
    sentences: list[_Sentence],
    mentions: list[_Mention],
    by_mention: dict[int, Candidate],
) -> None:
    """Propose `part_of`: "X of whom", "X of Y", "X out of Y", "including X", "bringing the
    number to Y"."""
    for i, mention in enumerate(mentions):
        candidate = by_mention[id(mention)]
        sentence = sentences[mention.sentence]
        before = mentions[i - 1] if i else None
        after = mentions[i + 1] if i + 1 < len(mentions) else None
        same = after is not None and after.sentence == mention.sentence
        if (
            same
            and after is not None
            and re.fullmatch(
                r"[ \t]+(?:out[ \t]+)?of[ \t]+(?:the[ \t]+)?", text[mention.end : after.lead]
            )
        ):
            _link(candidate, by_mention[id(after)], "part_of", "“X of Y”")
        if before is not None and re.match(
            r"^[ \t]+of[ \t]+(?:whom|them|those|these)\b", text[mention.end :]
        ):
            _link(candidate, by_mention[id(before)], "part_of", "“of whom”")
        lead = text[sentence.start : mention.lead]
        if before is None or before.sentence < mention.sentence - 1:
            continue
        if before.sentence == mention.sentence and re.search(
            r"\bincluding[ \t]+$|\bamong[ \t]+(?:them|whom)[ \t,]+$", lead, re.I
        ):
            _link(candidate, by_mention[id(before)], "part_of", "“including”")
        elif re.search(  # the part may close the sentence before
            r"\b(?:bringing|brought|brings|bring)[ \t]+(?:the|its|their)[ \t]+"
            r"(?:number|total|tally|figure)(?:[ \t]+of[ \t]+[\w ]+?)?[ \t]+to[ \t]+$",
            lead,
            re.I,
        ):
            _link(by_mention[id(before)], candidate, "part_of", "“bringing the number to”")


def _link(part: Candidate, whole: Candidate, kind: str, why: str) -> None:
    part.links.append((kind, whole))
    part.reasons.append(f"{kind} {whole.value_text}: {why}")


def _suggest_measure(
    text: str,
    sentences: list[_Sentence],
    mention: _Mention,
    candidate: Candidate,
    in_sentence: dict[int, list[_Mention]],
    parts_of: dict[int, list[Candidate]],
    measures: dict[str, str],
) -> None:
    index = mention.sentence
    sentence = sentences[index]
    context = " ".join(s.text for s in sentences[max(0, index - 2) : index + 1])
    if not _ABOUT_CAMBODIANS.search(context):
        candidate.reasons.append("no measure: neither this sentence nor the two before it is about "
                                 "Cambodians")  # fmt: skip
        return
    other = _OTHER_NATIONALITY.match(text, mention.end)
    if other:
        candidate.reasons.append(f"no measure: it counts {other.group(1)}, not Cambodians")
        return
    parts = parts_of.get(id(candidate), [])
    if parts and _EVERYONE.match(text, mention.end):
        candidate.reasons.append(
            "no measure: it counts people of every nationality, and a part of it is given"
        )
        return
    order = in_sentence[index]
    position = order.index(mention)
    after_end = order[position + 1].lead if position + 1 < len(order) else sentence.end
    before_start = order[position - 1].end if position else sentence.start
    windows = (text[mention.end : after_end], text[before_start : mention.lead])
    for window in windows:
        for measure, pattern in _MEASURE_RULES:
            hit = pattern.search(window)
            if hit and measure in measures:
                whole = next((w for kind, w in candidate.links if kind == "part_of"), None)
                if (
                    whole is not None
                    and whole.measure == "final-removal-orders"
                    and _CONVICTIONS.search(windows[0])
                    and "final-removal-orders-with-convictions" in measures
                ):
                    measure, hit = (
                        "final-removal-orders-with-convictions",
                        _CONVICTIONS.search(windows[0]),
                    )
                candidate.measure = measure
                assert hit is not None
                candidate.reasons.append(f"measure {measure}: “{hit.group().strip()}”")
                return
    # "bringing the number to 500": the whole counts what its part counts.
    for part in parts:
        if part.measure:
            candidate.measure = part.measure
            candidate.reasons.append(f"measure {part.measure}: that of its part")
            return
    candidate.reasons.append("no known measure fits: choose one")


def _anchor_time(
    mention: _Mention, candidate: Candidate, anchors: list[_Anchor], measures: dict[str, str]
) -> None:
    """The nearest time phrase in the sentence; what it said and when, if only that."""
    counted = [a for a in anchors if not a.stated] or anchors
    if not counted:
        return

    def distance(a: _Anchor) -> int:
        return max(a.start - mention.end, mention.lead - a.end, 0)

    anchor = min(counted, key=distance)
    kind = measures.get(candidate.measure or "")
    stock = kind == "stock" or (kind is None and anchor.point)
    if stock:
        candidate.as_of = anchor.last
    elif anchor.first is not None:
        candidate.period = (anchor.first, anchor.last)
    else:
        candidate.reasons.append(f"“{anchor.phrase}”: the text gives the period's end, not start")
        candidate.note = candidate.note or f"“{anchor.phrase}” gives no start for the period."
        candidate.period = None
        candidate.open_end = anchor.last
        return
    candidate.reasons.append(f"{'as of' if stock else 'period'} from “{anchor.phrase}”")


def _inherit_time(candidates: list[Candidate]) -> None:
    """A part with no time of its own ("12 of them") takes its whole's."""
    for candidate in candidates:
        if candidate.period or candidate.as_of:
            continue
        for kind, whole in candidate.links:
            if kind == "part_of" and (whole.period or whole.as_of):
                candidate.period, candidate.as_of = whole.period, whole.as_of
                candidate.reasons.append(f"time from the whole it is part of, {whole.value_text}")
                break


def _restates(candidates: list[Candidate]) -> None:
    """One count said twice: the same value again, later, or a rounded form ("more than 500")
    whose bounds hold an exact count of the same measure and time. Each restates the nearest
    such partner; a missing period start is taken from it."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        end = _end(candidate)
        if candidate.measure is not None and end is not None:
            groups.setdefault((candidate.measure, str(end)), []).append(candidate)
    for group in groups.values():
        for a in group:
            partners = [b for b in group if b is not a and _may_restate(a, b)]
            if not partners:
                continue
            b = min(partners, key=lambda b: abs(b.value_span[0] - a.value_span[0]))
            a.links.append(("restates", b))
            a.reasons.append(f"restates {b.value_text}: the same count in other words")
            for one, other in ((a, b), (b, a)):
                if one.period is None and one.as_of is None and one.open_end and other.period:
                    one.period = (other.period[0], one.open_end)
                    one.note = None
                    one.reasons.append(f"period start from {other.value_text}, which it restates")


def _may_restate(a: Candidate, b: Candidate) -> bool:
    """Whether `a` may restate `b`, both of one measure and time."""
    if b.qualifier != Qualifier.EXACT:
        return False
    if a.qualifier == Qualifier.EXACT:
        return a.value == b.value and a.value_span > b.value_span  # the later one restates
    found = bounds_for(a.qualifier, float(a.value))
    near = a.qualifier in (Qualifier.ABOUT, Qualifier.NEARLY) and abs(
        a.value - b.value
    ) <= a.value * Decimal("0.1")
    return near or (found is not None and found.contains(float(b.value)))


def _end(candidate: Candidate) -> PartialDate | None:
    """When the count ends: its period's end, its as-of date, or where "so far" reaches."""
    if candidate.period:
        return candidate.period[1]
    return candidate.as_of or candidate.open_end


def _name(candidates: list[Candidate], source: str | None) -> None:
    """Suggested ids, `<measure>-<time>` as the curated ones read; relations use them."""
    used: set[str] = set()
    for candidate in candidates:
        time = (
            f"{candidate.period[0]}-{candidate.period[1]}"
            if candidate.period and candidate.period[0] != candidate.period[1]
            else str(candidate.period[0])
            if candidate.period
            else str(candidate.as_of or "")
        )
        base = "-".join(p for p in (candidate.measure or source or "figure", time) if p)
        name = base if base not in used else f"{base}-{int(candidate.value)}"
        n = 2
        while name in used:
            name, n = f"{base}-{int(candidate.value)}-{n}", n + 1
        used.add(name)
        candidate.id = name
    for candidate in candidates:
        candidate.relations = [(kind, other.id) for kind, other in candidate.links]


# --- the data/ format ------------------------------------------------------------------------


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings and numbers are TOML's; tables are inline."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return orjson.dumps(value).decode()


def to_toml(extraction: Extraction, *, heading: str) -> str:
    """The candidates as `[[figure]]` blocks of `data/figures/*.toml`, each under the reasons
    for it, and the skipped numbers at the end, all as comments. What the text does not give
    (a measure, a period) is left for the reviewer to fill in, and `depstats check` refuses
    the file until they do."""
    lines = [f"# {line}" if line else "#" for line in heading.splitlines()]
    for candidate in extraction.candidates:
        d = candidate.as_dict()
        lines += ["", "[[figure]]"] + [f"# {reason}" for reason in d["reasons"]]
        for name in ("id", "measure", "source", "value", "qualifier", "value_text", "bounds"):
            if d[name] is None and name == "measure":
                lines.append('measure = ""  # no known measure fits: choose one')
            elif d[name] is None and name == "source":
                lines.append('source = ""  # the id of the source in data/sources/')
            elif d[name] is not None:
                lines.append(f"{name} = {_toml(d[name])}")
        if d["period"] is None and d["as_of"] is None:
            lines.append("# the text gives no time: add `period` (a flow) or `as_of` (a stock)")
        for name in ("period", "as_of", "stated", "quote", "quote_span", "value_span"):
            if d[name] is not None:
                lines.append(f"{name} = {_toml(d[name])}")
        if d["attribution"]:
            lines.append(f"attribution = {_toml(d['attribution'])}")
        else:
            lines.append("attribution = {}  # say who stated it")
        if d["relations"]:
            lines.append(f"relations = {_toml(d['relations'])}")
        if d["note"]:
            lines.append(f"note = {_toml(d['note'])}")
    if extraction.skipped:
        lines += ["", "# Numbers read and not proposed:"]
        lines += [
            f"#   {_toml(s.text)} at {s.span[0]}..{s.span[1]}: {s.reason}"
            for s in extraction.skipped
        ]
    return "\n".join(lines) + "\n"
