"""Reading the numbers in a text's sentences: numbers as printed, their qualifiers and ranges,
and why a number is not a count (a year, an age, money...)."""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from dataclasses import dataclass
from decimal import Decimal

from app.extract.lines import DAYS, MONTH, MONTHS, YEAR
from app.extract.sentences import LONGEST_SENTENCE, Sentence
from app.extract.shapes import Skipped
from app.numbers import parse_number
from app.qualifiers import Qualifier

_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion|dozen"
)
_SMALL_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
# A run of number words, "a hundred and five", "Twenty-eight", "two dozen".
WORD_RUN = re.compile(
    rf"\b(?:an?[ \t]+)?(?:{_WORDS})(?:(?:[ \t]+and[ \t]+|[ \t]+|-)(?:{_WORDS}))*\b", re.I
)
# Anything with a digit in it: numbers, and the ids, times and codes that are not counts.
# Anything with a digit in it, with the letters joined to it ("COVID-19", "IMG_4821").
DIGITS = re.compile(r"(?<![\w.,])(?:[A-Za-z_#][\w#-]*)?\d[\w#/\-.,:]*")
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
QUALIFIER_PHRASES: list[tuple[str, Qualifier]] = [
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
    r"(?:^|(?<=\W))(" + "|".join(re.escape(p) for p, _ in QUALIFIER_PHRASES) + r")[ \t]+$", re.I
)
_QUALIFIER_OF = {p: q for p, q in QUALIFIER_PHRASES}
# Digits after "hotline", "call"...: a phone number, however it is grouped ("2411-2411").
_PHONE_NAMED = re.compile(
    r"\b(?:hotline|phone|telephone|call|tel|fax|whatsapp)\b[^.\d]{0,25}(\+?\d[\d ()-]{5,}\d)", re.I
)
_BETWEEN = re.compile(r"\bbetween[ \t]+$", re.I)
_OR_MORE = re.compile(r"[ \t]+or[ \t]+(more|fewer|less)\b", re.I)

_PEOPLE_NOUN = re.compile(r"^[ \t]+(?:[A-Z][a-z]+ans?\b|people\b|[a-z][\w-]*[^su\W]s\b)")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|these|those|both|its|their|his|her|our)[ \t]+$", re.I)
_CHANGE_VERB = re.compile(
    r"\b(?:rose|risen|fell|fallen|increased|decreased|grew|grown|dropped|climbed|jumped|"
    r"declined|doubled)\b",
    re.I,
)
_CODE = "an id or code, not a count"
# The most words one number takes: "nine hundred and ninety nine thousand nine hundred ..."
_LONGEST_NUMBER = 24
_TOO_LONG = f"in a run of over {LONGEST_SENTENCE} characters with no sentence end: not prose"
_FURNITURE = (
    "page furniture: a line that is neither a sentence nor the headline (a caption, a byline, "
    "a date line, a page number)"
)
_NOT_A_NAME = re.compile(rf"^(?:{MONTHS}|{DAYS}|In|On|By|Since|Of|And|But|The|Last|This|So)$")


# --- numbers ---------------------------------------------------------------------------------


@dataclass
class Mention:
    start: int
    end: int
    value: Decimal
    sentence: int  # index into the sentences
    lead: int  # where the qualifier phrase before it starts (== start without one)
    qualifier: Qualifier = Qualifier.EXACT
    qualifier_words: str = ""
    range_with: Mention | None = None
    range_low: bool = False


_AGE_AFTER = re.compile(
    r"^(?:-years?-olds?\b|[ \t]+years?[ \t]+old\b|[ \t]+years?[ \t]+of[ \t]+age)", re.I
)
_AGE_BEFORE = re.compile(
    r"\b(?:aged?|ages|age[ \t]+of|(?:when|since)[ \t]+(?:he|she|they)[ \t]+(?:was|were))[ \t]+$",
    re.I,
)
_DURATION = re.compile(
    r"^[ \t]+(?:years?|months?|weeks?|days?|nights?|hours?|minutes?|mins?|decades?)\b", re.I
)
_MONTH_BEFORE = re.compile(rf"\b{MONTH}[ \t]*$")
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{MONTH}\b")


def _skip_reason(text: str, start: int, end: int, value: Decimal, printed: str) -> str | None:
    """Why the number at text[start:end] is not a count, or None when it may be one."""
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    if re.search(r"(?:US\$|\$|€|£|USD[ \t]*|KHR[ \t]*)$", before) or re.match(
        r"^[ \t]*(?:dollars?|USD|riels?|euros?|pounds|cents|baht|yuan|yen|rupees|pesos|"
        r"quetzal(?:es|s)?|lempiras?|colones|dong|kip)\b",
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
    if _DURATION.match(after):
        return "a length of time"
    if (
        value <= 31
        and "," not in printed
        and "." not in printed
        and (_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after))
    ):
        return "a day of the month"
    if re.fullmatch(YEAR, printed) and (
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
    if re.fullmatch(r"(?:pre|post|mid|early|late)-\d{4}s?", token, re.I):
        return "a year", []
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", token):
        return "an ordinal", []
    if re.fullmatch(r"\d{4}s|\d0s", token):
        return "a decade", []
    ranged = re.fullmatch(r"((?:\d{1,3}(?:,\d{3})+|\d+))-((?:\d{1,3}(?:,\d{3})+|\d+))", token)
    if ranged:
        if re.fullmatch(YEAR, ranged.group(1)):
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


def find_mentions(text: str, sentences: list[Sentence], skipped: list[Skipped]) -> list[Mention]:
    found: list[Mention] = []
    for index, sentence in enumerate(sentences):
        s, body = sentence.start, sentence.text
        taken = _Taken()
        free = taken.free

        def skip(a: int, b: int, reason: str, taken: _Taken = taken) -> None:
            taken.add(a, b)
            skipped.append(Skipped(text[a:b], (a, b), reason))

        for pattern, reason in (
            (_VAGUE, "a vague quantity with no number"),
            (_FRACTION, "a fraction, not a count"),
            (_RATIO, "a ratio, not a count"),
            (_PHONE, "a phone number"),
            (_PHONE_NAMED, "a phone number"),
        ):
            for m in pattern.finditer(body):
                a, b = s + m.start(m.lastindex or 0), s + m.end(m.lastindex or 0)
                if free(a, b):
                    skip(a, b, reason)

        spans: list[tuple[int, int, str]] = []  # absolute start, end, kind
        if sentence.long:
            for m in DIGITS.finditer(body):
                skip(s + m.start(), s + m.end(), _TOO_LONG)
            continue
        for m in DIGITS.finditer(body):
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
        for m in WORD_RUN.finditer(body):
            for a, b in word_numbers(text, s + m.start(), s + m.end()):
                if free(a, b):
                    spans.append((a, b, "words"))

        spans.sort()
        previous: Mention | None = None
        for a, b, kind in spans:
            printed = text[a:b]
            scale = _SCALE_AFTER.match(text, b) if kind != "words" else None
            if scale and scale.end() <= sentence.end:
                b, printed = scale.end(), text[a : scale.end()]
            value = parse_number(printed)
            why = _skip_reason(text, a, b, value, printed)
            if why is None and sentence.furniture:  # what is not a count says so first
                why = _FURNITURE
            if why is None and kind == "words":
                if printed.lower() == "one":
                    why = "“one” alone is a pronoun or an article far more often than a count"
                elif printed.lower() in _SMALL_WORDS and (
                    known := _DETERMINER_BEFORE.search(text, max(s, a - 20), a)
                ):
                    why = f"“{known.group().strip()} {printed}” names a known group"
            if why:
                skip(a, b, why)
                continue
            mention = Mention(a, b, value, index, a)
            qualifier = _QUALIFIER_BEFORE.search(text, max(s, a - 30), a)
            if qualifier:
                words = qualifier.group(1)
                mention.qualifier = _QUALIFIER_OF[words.lower()]
                mention.qualifier_words, mention.lead = words, qualifier.start(1)
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


def word_numbers(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The numbers in a run of number words: the longest prefix that reads, then the rest."""
    out: list[tuple[int, int]] = []
    words = [m.span() for m in re.finditer(r"[A-Za-z]+", text[start:end])]
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + _LONGEST_NUMBER), i, -1):
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


def _is_range(text: str, s: int, low: Mention, high: Mention, hyphenated: bool) -> bool:
    if low.range_with is not None or low.value >= high.value:
        return False
    between = text[low.end : high.lead]
    if hyphenated or re.fullmatch(r"[ \t]*[–—][ \t]*", between):
        return True
    if re.fullmatch(r"[ \t]+and[ \t]+", between):
        return bool(_BETWEEN.search(text, max(s, low.lead - 10), low.lead))
    if re.fullmatch(r"[ \t]+to[ \t]+", between):
        return not _CHANGE_VERB.search(text, max(s, low.lead - 80), high.end)
    return False


class _Taken:
    """The spans of a sentence already read, kept in order: is a new one free of them?"""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        i = bisect_left(self.spans, (a, b))
        before = self.spans[i - 1] if i else None
        after = self.spans[i] if i < len(self.spans) else None
        return (before is None or before[1] <= a) and (after is None or b <= after[0])

    def add(self, a: int, b: int) -> None:
        insort(self.spans, (a, b))
