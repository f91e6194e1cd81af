"""Which known measure a number counts: read from the words around it, from the people the
text is about, and from the figure it is a part of.

The measures are the caller's (`data/measures.toml`, or the database's): each with its kind,
the people it counts, read from its `subject` ("Cambodian nationals residing in the US"
counts Cambodians), and its own words (`subject` and `predicate`), which say which of the
rules below may suggest it. No measure id and no nationality is written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.extract.reading import Mention
from app.extract.sentences import Sentence
from app.extract.shapes import Candidate


@dataclass(frozen=True)
class KnownMeasure:
    """A measure a candidate may be given: its id, its kind ("flow" or "stock"), its words
    (subject and predicate), and the people it counts as an adjective ("Cambodian"), or None
    when it names no nationality."""

    id: str
    kind: str
    words: str
    people: str | None = None

    @classmethod
    def of(cls, id: str, kind: str, subject: str, predicate: str) -> KnownMeasure:
        """A measure as `data/measures.toml` states it: its people are the first word of its
        subject when that word is a capitalised adjective ("Cambodian nationals")."""
        first = subject.split(maxsplit=1)[0] if subject.strip() else ""
        people = first if re.fullmatch(r"[A-Z][a-z]+", first) else None
        return cls(id, kind, f"{subject} {predicate}", people)


def people_stem(adjective: str) -> str:
    """What the people's name and their country's share: "Cambod" for Cambodian (Cambodia),
    "Vietnam" for Vietnamese, "Mexic" for Mexican, "Iraq" for Iraqi."""
    return re.sub(r"(?:ese|ian|an|i|n)$", "", adjective) or adjective


# A measure of final orders of removal, and not of those with convictions.
_FINAL_ORDER = re.compile(r"\bfinal order of removal\b(?!.*\bconvictions?\b)", re.I)
# Each rule: the words a measure's own subject and predicate must hold for the rule to suggest
# it, and the words near the number that suggest it. The first rule whose words stand near
# the number wins (the words after it first, then those before it), for the first measure
# the caller knows that fits it and whose people the sentence, or one of the two before,
# names.
_MEASURE_RULES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"\bnon-?refugees?\b", re.I), re.compile(r"\bnon-?refugees?\b", re.I)),
    (
        re.compile(r"(?<!non-)\brefugees?\b", re.I),
        re.compile(r"\brefugees?\b[^.;]{0,60}\b(?:admitted|accepted|resettled|arrived|entered|"
                   r"came|welcomed)\b|\b(?:admitted|accepted|resettled|welcomed)\b[^.;]{0,40}"
                   r"\brefugees?\b", re.I),
    ),
    (
        _FINAL_ORDER,
        re.compile(r"\bfinal[ \t]+(?:orders?[ \t]+of[ \t]+(?:removal|deportation)|"
                   r"(?:removal|deportation)[ \t]+orders?)\b", re.I),
    ),
    (
        re.compile(r"\bblocked\b", re.I),
        re.compile(r"\b(?:block|halt|stay|bar)\w*\b.{0,80}\b(?:deport|remov)\w*", re.I | re.S),
    ),
    (
        re.compile(r"\bwere removed\b", re.I),
        re.compile(r"\b(?:deport\w*|repatriat\w*|removed|sent[ \t]+back|flown[ \t]+back)",
                   re.I),
    ),
]  # fmt: skip
# A part of a final-orders whole, said to have convictions ("1,412 of whom have criminal
# convictions"), counts the measure of final orders with convictions.
_CONVICTED = re.compile(r"\bfinal order of removal\b.*\bconvictions\b", re.I)
_CONVICTIONS = re.compile(r"\b(?:convict\w*|criminal)\b", re.I)

# "2 million people ..., including 1,900 Cambodians": the whole is not of one people.
_EVERYONE = re.compile(
    r"[ \t]+(?:people|persons|immigrants|migrants|noncitizens|non-citizens|foreigners)\b", re.I
)
# A nationality right after the number: "25 Vietnamese", "300 Laotians".
_NATIONALITY = re.compile(r"[ \t]+([A-Z][a-z]+(?:ans|ese|is|s))\b")
NO_MEASURE = "no known measure fits: choose one"


class Peoples:
    """The peoples the known measures count, and which of them each sentence names."""

    def __init__(self, measures: Iterable[KnownMeasure], sentences: list[Sentence]) -> None:
        self.names = sorted({m.people for m in measures if m.people})
        stems = {p: re.compile(rf"\b{re.escape(people_stem(p))}", re.I) for p in self.names}
        self.named = [{p for p, s in stems.items() if s.search(t.text)} for t in sentences]

    def near(self, sentence: int) -> set[str]:
        """The peoples named in this sentence or in one of the two before it."""
        return set().union(*self.named[max(0, sentence - 2) : sentence + 1])

    def plural(self) -> str:
        """ "Cambodians or Vietnamese": the peoples as a sentence names them."""
        return " or ".join(p if p.endswith(("ese", "s")) else f"{p}s" for p in self.names)

    def other(self, text: str, at: int) -> str | None:
        """The nationality the words after the number name, when it is none of these."""
        found = _NATIONALITY.match(text, at)
        if found is None or any(found.group(1).startswith(p) for p in self.names):
            return None
        return found.group(1)


@dataclass
class Near:
    """What a candidate's measure is read from, besides its own words."""

    in_sentence: dict[int, list[Mention]]  # the numbers of each sentence, in order
    parts_of: dict[int, list[Candidate]]  # by id() of the whole
    peoples: Peoples


def suggest_measure(
    text: str,
    sentences: list[Sentence],
    mention: Mention,
    candidate: Candidate,
    near: Near,
    measures: dict[str, KnownMeasure],
) -> None:
    index = mention.sentence
    sentence = sentences[index]
    peoples = near.peoples
    named = peoples.near(index)
    usable = [m for m in measures.values() if m.people is None or m.people in named]
    if not usable:
        candidate.reasons.append(
            f"no measure: neither this sentence nor the two before it is about {peoples.plural()}"
            if peoples.names
            else NO_MEASURE
        )
        return
    other = peoples.other(text, mention.end)
    if other:
        candidate.reasons.append(f"no measure: it counts {other}, not {peoples.plural()}")
        return
    parts = near.parts_of.get(id(candidate), [])
    everyone = _EVERYONE.match(text, mention.end)
    if parts and everyone:
        candidate.reasons.append(
            "no measure: it counts people of every nationality, and a part of it is given"
        )
        return
    if everyone and not peoples.named[index]:  # "removed 256,085 people": the sentence names none
        usable = [m for m in usable if m.people is None]
        if not usable:
            candidate.reasons.append(
                "no measure: it counts people, and its sentence names no one people"
            )
            return
    order = near.in_sentence[index]
    position = order.index(mention)
    after_end = order[position + 1].lead if position + 1 < len(order) else sentence.end
    before_start = order[position - 1].end if position else sentence.start
    windows = (text[mention.end : after_end], text[before_start : mention.lead])
    whole = next((w for kind, w in candidate.links if kind == "part_of"), None)
    whole_measure = measures.get(whole.measure) if whole and whole.measure else None
    convicted = _CONVICTIONS.search(windows[0])
    fitting = _fitting(usable, _CONVICTED)
    if whole_measure and _FINAL_ORDER.search(whole_measure.words) and convicted and fitting:
        candidate.measure = fitting.id
        candidate.reasons.append(f"measure {fitting.id}: “{convicted.group().strip()}”")
        return
    for window in windows:
        for words, pattern in _MEASURE_RULES:
            hit = pattern.search(window)
            measure = _fitting(usable, words) if hit else None
            if hit and measure:
                candidate.measure = measure.id
                candidate.reasons.append(f"measure {measure.id}: “{hit.group().strip()}”")
                return
    # "bringing the number to 500": the whole counts what its part counts.
    for part in parts:
        if part.measure:
            candidate.measure = part.measure
            candidate.reasons.append(f"measure {part.measure}: that of its part")
            return
    candidate.reasons.append(NO_MEASURE)


def _fitting(measures: list[KnownMeasure], words: re.Pattern[str]) -> KnownMeasure | None:
    """The first measure whose own words fit a rule (by id, so the choice does not depend on
    the order the measures were given in)."""
    return min((m for m in measures if words.search(m.words)), key=lambda m: m.id, default=None)


def inherit_measure(candidates: list[Candidate]) -> None:
    """A part with no measure of its own ("including about 110") counts what its whole does."""
    for candidate in candidates:
        whole = next((w for kind, w in candidate.links if kind == "part_of"), None)
        if candidate.measure is None and whole is not None and whole.measure is not None:
            candidate.measure = whole.measure
            candidate.reasons = [r for r in candidate.reasons if r != NO_MEASURE]
            candidate.reasons.append(f"measure {whole.measure}: that of its whole")
