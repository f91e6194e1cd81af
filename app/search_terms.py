"""The words search matches: one function turns any text, a figure's or a person's query, into
plain terms, so the index and the query hold the same tokens on every engine.

A term is lowercase ASCII letters or digits, nothing else: no engine's query syntax (quotes,
`AND`, `NEAR`, `*`, `:`, `&`) can survive into one. Text is split on anything that is not a
letter or digit, accents are folded ("Café" is "cafe"), a number's thousands separators
are dropped ("1,412" is "1412"), common English words are dropped, each word is reduced to its
Snowball English stem ("deported" and "deports" are "deport"), and every stem in one row of
SYNONYMS also stands for its row, as the row's term (its first word's stem and a 0, which no
text yields: "deport0"), so "repatriated", "deportees" and "removal" share a term in a figure
and in a query alike, while each keeps its own stem too: the word itself matches better than
a synonym of it. Letters outside the Latin alphabet are dropped.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Words the sources and the people who read them use for one thing, a row each; the first
# word's stem stands for the row. Matching is by stem, so one form of a word is enough.
# A removal, a deportation and a repatriation are one event seen from two countries (see the
# measure removals-us-to-cambodia); the people removed are mostly convicted of crimes.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("deport", "deportation", "deportee", "removal", "remove", "repatriation", "repatriate",
     "returnee", "expel", "expulsion", "exile"),
    ("convict", "conviction", "criminal", "crime", "felon", "felony", "offender"),
    ("cambodian", "cambodia"),
    ("refugee", "asylee"),
    ("admit", "admission", "accept", "resettle", "resettlement"),
    ("spokesman", "spokeswoman", "spokesperson"),
)  # fmt: skip

# Words too common to tell one figure from another; a query of them alone finds nothing.
# (A list of words reads best as words, hence split.)
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me
    more most my no nor not of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your us many much th st nd rd""".split()  # noqa: SIM905
)

MAX_TERMS = 32  # a query's distinct terms beyond these are ignored
MAX_LENGTH = 60  # a longer run of letters is no word anyone searches for

# A number with thousands separators, a run of digits, or a run of letters (any script).
_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+|[^\W\d_]+")
_SPLIT = re.compile(f"({_TOKEN.pattern})")


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # snowballstemmer's English stemmer (the package has no types)
    # Imported when first used: the package loads all its 30 languages' stemmers (0.1 s).
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stem: str = _stemmer().stemWord(word)
    return stem


@lru_cache(maxsize=1)
def _rows() -> dict[str, str]:
    """Each synonym's stem, to the term that stands for its row."""
    return {_stem(word): _stem(row[0]) + "0" for row in SYNONYMS for word in row}


@lru_cache(maxsize=65536)
def token_terms(token: str) -> tuple[str, ...]:
    """The terms one token of text stands for: its stem, and its synonyms' row's if it has
    one; none for a stop word, a single letter, a word in another alphabet, a run
    too long to be a word."""
    folded = unicodedata.normalize("NFKD", token.replace(",", "")).encode("ascii", "ignore")
    word = folded.decode().lower()
    if not word.isalnum() or len(word) > MAX_LENGTH:
        return ()
    if word.isdigit():
        return (word.lstrip("0") or "0",)
    if len(word) < 2 or word in STOP_WORDS:
        return ()
    stem = _stem(word)
    row = _rows().get(stem)
    return (stem, row) if row is not None else (stem,)


def terms(text: str) -> list[str]:
    """Every term of a text, in order, repeats kept."""
    return [t for match in _TOKEN.finditer(text) for t in token_terms(match.group())]


def query_terms(text: str) -> list[str]:
    """A query's distinct terms, in the order typed, at most MAX_TERMS."""
    return list(dict.fromkeys(terms(text)))[:MAX_TERMS]


@dataclass(frozen=True)
class Segment:
    """A piece of a text, and whether it is a word that matched the query."""

    text: str
    matched: bool


def mark(text: str, matched: frozenset[str] | set[str] | list[str]) -> list[Segment]:
    """The text cut into segments, the words whose term is among `matched` marked: a page
    wraps those in <mark>, escaping each segment itself. Joined, the segments are the text."""
    wanted = set(matched)
    segments: list[Segment] = []
    # Split on the tokens, kept: text between tokens at even places, tokens at odd ones (no
    # match object per word: a page marks forty texts).
    parts = _SPLIT.split(text)
    unmarked = ""
    for at in range(1, len(parts), 2):
        unmarked += parts[at - 1]
        if wanted.isdisjoint(token_terms(parts[at])):
            unmarked += parts[at]
            continue
        if unmarked:
            segments.append(Segment(unmarked, False))
            unmarked = ""
        segments.append(Segment(parts[at], True))
    unmarked += parts[-1]
    if unmarked:
        segments.append(Segment(unmarked, False))
    return segments


def words_of(text: str, wanted: Iterable[str]) -> list[str]:
    """The words of a text that stand for terms among `wanted` and for no other, each once,
    as typed: what a page names when it says which words no figure holds."""
    chosen = set(wanted)
    found = (m.group() for m in _TOKEN.finditer(text))
    return list(dict.fromkeys(w for w in found if (t := token_terms(w)) and chosen.issuperset(t)))
