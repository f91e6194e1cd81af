"""What a line of a text is: its headline, prose, or page furniture (a byline, a date line, a
page number, a caption), and the names of months and days that dates are written with."""

from __future__ import annotations

import re
from itertools import islice

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
MONTH = rf"(?:{MONTHS})(?!\w)"
DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
YEAR = r"(?:1[89]\d\d|20\d\d)"

# Shorter than this with no sentence end, a line is not prose: a title, a caption, a byline.
SHORT_LINE = 90
_FURNITURE_LINE = re.compile(
    r"^(?:Photo|Image|Picture|Caption|Credit|Page|Share|Read more|Related|Updated|Posted|"
    r"Published|Follow|Copyright|©|Tags?)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…”\"’)]$")
_FULL_STOP_END = re.compile(r"\.[”\"’)]*$")
# "By Sok Chan", "Reporting by ...", "Sok Chan, Staff Reporter": who wrote it, not what it says.
_BYLINE = re.compile(
    rf"^(?i:(?:written|reported|reporting|story|words|text)[ \t]+)?(?i:by)[ \t]+"
    rf"(?!{MONTH})[A-Z]"
    r"|(?i:\b(?:staff[ \t]+(?:writer|reporter)|correspondent|reporter|contributor))$"
)
# A date or a time as a date line writes it: "Thursday, 16 January 2020", "Jan. 16, 2020",
# "16/01/2020", "2020-01-16", "10:32", "10.32am".
_DATE_PIECE = re.compile(
    rf"\b(?:{DAYS})\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{MONTH}(?:,?[ \t]+{YEAR}\b)?"
    rf"|(?<!\w){MONTH}(?:[ \t]+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?[ \t]+{YEAR}\b)?"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d\d-\d\d\b"
    r"|\b\d{1,2}[:.]\d\d(?:[ \t]*(?i:[ap]\.?m\.?\b))?|\b\d{1,2}[ \t]*(?i:[ap]\.?m\b\.?)"
)
_WEEKDAY = re.compile(rf"\b(?:{DAYS})\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
# A headline stands among a text's first lines: under a date line, a byline, a page number.
_HEADLINE_WITHIN = 5


def is_furniture(line: str) -> bool:
    """Whether a line, stripped, is not prose: named as furniture ("Photo: ...", "Page 2"), or
    short with no sentence end (a title, a caption, a byline, a date line)."""
    return bool(_FURNITURE_LINE.match(line)) or (
        len(line) < SHORT_LINE and not _SENTENCE_END.search(line)
    )


def is_byline(line: str) -> bool:
    return bool(_BYLINE.search(line))


def is_date_line(line: str) -> bool:
    """A line that gives a date or a time, and no number that is not part of one: "Thursday,
    16 January 2020 | 10:32", not "Judge halts 92 deportations on January 25"."""
    dated = bool(re.search(r"\d", line) or _WEEKDAY.search(line))  # not "May" alone
    rest = _DATE_PIECE.sub(" ", line)
    return dated and rest != line and not re.search(r"\d", rest)


def is_page_number(line: str) -> bool:
    """A line of fewer than two words: "2 of 3", "- 4 -", "A4". A title has more."""
    return len(_WORD.findall(line)) < 2 or bool(re.match(r"(?i:page|p\.|pg\.?)[ \t]*\d", line))


def headline_start(text: str) -> int | None:
    """Where the text's headline starts: its first line that is not furniture by name, a
    byline, a date line or a page number, if that line is short and does not end with a full
    stop (a title may end with "?" or "!"), and is one of the text's first five lines. A text
    that opens with prose has no headline."""
    lines = (m for m in re.finditer(r"[^\n]+", text) if m.group().strip())
    for line in islice(lines, _HEADLINE_WITHIN):
        body = line.group().strip()
        if _FURNITURE_LINE.match(body):
            continue
        if len(body) >= SHORT_LINE:  # prose (and not read further: a line may be 1 MiB long)
            return None
        if is_byline(body) or is_date_line(body) or is_page_number(body):
            continue
        return None if _FULL_STOP_END.search(body) else line.start()
    return None
