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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.dates import PartialDate
from app.extract.reading import (
    DIGITS,
    WORD_RUN,
    Mention,
    Sentence,
    find_mentions,
    split_sentences,
    word_numbers,
)
from app.extract.shapes import Candidate, Extraction, Skipped, to_toml
from app.extract.speakers import Speakers, attribution_of
from app.extract.time import Anchor, find_anchors
from app.qualifiers import Qualifier, bounds_for

__all__ = ["KNOWN_MEASURES", "Candidate", "Extraction", "Skipped", "extract", "to_toml"]

# The measures of DESIGN.md and their kinds: a flow is counted over a period, a stock at a date.
KNOWN_MEASURES = {
    "removals-us-to-cambodia": "flow",
    "final-removal-orders": "stock",
    "final-removal-orders-with-convictions": "stock",
    "court-blocked-removals": "stock",
    "refugee-admissions": "flow",
    "non-refugee-admissions": "flow",
}

# Measures: the first rule whose words stand near the number wins (the words after it first,
# then those before it). Every rule also needs the sentence, or the one before, to be about
# Cambodians.
_MEASURE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("non-refugee-admissions", re.compile(r"\bnon-?refugees?\b", re.I)),
    (
        "refugee-admissions",
        re.compile(r"\brefugees?\b[^.;]{0,60}\b(?:admitted|accepted|resettled|arrived|entered|"
                   r"came|welcomed)\b|\b(?:admitted|accepted|resettled|welcomed)\b[^.;]{0,40}"
                   r"\brefugees?\b", re.I),
    ),
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
# How many sentences apart one count may be said twice ("more than 500" ... "572").
_RESTATED_WITHIN = 5
_NO_MEASURE = "no known measure fits: choose one"
_OF_WHOM = re.compile(r"[ \t]+of[ \t]+(?:whom|them|those|these)\b")
_CONVICTIONS = re.compile(r"\b(?:convict\w*|criminal)\b", re.I)


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
    sentences = split_sentences(text)
    skipped: list[Skipped] = []
    mentions = find_mentions(text, sentences, skipped)
    speakers = Speakers(publisher)
    said: dict[int, tuple[dict[str, str], PartialDate | None, str] | None] = {}
    anchors: dict[int, list[Anchor]] = {}
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
    in_sentence: dict[int, list[Mention]] = {}
    for mention in mentions:
        in_sentence.setdefault(mention.sentence, []).append(mention)
    parts_of: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        for _, whole in candidate.links:
            parts_of.setdefault(id(whole), []).append(candidate)
    near = _Near(in_sentence, parts_of, [bool(_ABOUT_CAMBODIANS.search(s.text)) for s in sentences])
    for mention in mentions:
        candidate = by_mention[id(mention)]
        candidate.sentence = mention.sentence
        _suggest_measure(text, sentences, mention, candidate, near, measures)
        _anchor_time(mention, candidate, anchors.get(mention.sentence, []), measures)
    for mention in mentions:  # the two bounds of a range count one thing
        other = mention.range_with
        candidate = by_mention[id(mention)]
        if other is not None and candidate.measure is None:
            candidate.measure = by_mention[id(other)].measure
    _inherit_measure(candidates)
    _inherit_time(candidates)
    _restates(candidates)
    _name(candidates, source)
    skipped.sort(key=lambda s: s.span)
    starts = [s.span[0] for s in skipped]
    for candidate in candidates:  # the numbers beside it that are not counts, and why
        first, last = candidate.quote_span
        for beside in skipped[bisect_left(starts, first) : bisect_left(starts, last)]:
            candidate.reasons.append(f"beside it, “{beside.text}” is not a count: {beside.reason}")
    return Extraction(candidates, skipped)


def _quote_speakers(
    text: str,
    sentences: list[Sentence],
    published: PartialDate,
    speakers: Speakers,
    said: dict[int, Any],
    anchors: dict[int, list[Anchor]],
) -> dict[int, Any]:
    """Read sentences in order: their anchors, their speakers, and who speaks each quotation."""
    for index, sentence in enumerate(sentences):
        if sentence.long:  # not prose: its numbers are skipped unread
            anchors[index], said[index] = [], None
            continue
        found = find_anchors(sentence.text, sentence.start, published)
        anchors[index] = found
        stated = next((a.last for a in found if a.stated), None)
        said[index] = attribution_of(sentence.text, speakers, stated)
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
        for d in DIGITS.finditer(text, m.start(), m.end()):
            by_start[d.start()] = speaker
        for w in WORD_RUN.finditer(text, m.start(), m.end()):
            for a, _ in word_numbers(text, w.start(), w.end()):
                by_start[a] = speaker
    return by_start


def _kept_reason(text: str, mention: Mention) -> str:
    printed = text[mention.start : mention.end]
    if mention.qualifier_words:
        return f"a count, “{printed}”, qualified by “{mention.qualifier_words}”"
    return f"a count, “{printed}”, stated exactly"


def _range_bound(text: str, mention: Mention, candidate: Candidate) -> None:
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
    sentences: list[Sentence],
    mentions: list[Mention],
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
        if before is None or before.sentence < mention.sentence - 1:
            continue  # a part is named in the sentence of its whole, or the next one
        if _OF_WHOM.match(text, mention.end):
            _link(candidate, by_mention[id(before)], "part_of", "“of whom”")
        lead = text[max(sentence.start, mention.lead - 150) : mention.lead]
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
            # The part is the last number before that is not itself a part ("50 Cambodians, 12
            # of whom were women, bringing the total to 600": the 50).
            part = next(
                (
                    by_mention[id(m)]
                    for m in reversed(mentions[max(0, i - 5) : i])
                    if m.sentence >= mention.sentence - 1
                    and not any(k == "part_of" for k, _ in by_mention[id(m)].links)
                ),
                None,
            )
            if part is not None:
                _link(part, candidate, "part_of", "“bringing the number to”")


def _link(part: Candidate, whole: Candidate, kind: str, why: str) -> None:
    part.links.append((kind, whole))
    part.reasons.append(f"{kind} {whole.value_text}: {why}")


@dataclass
class _Near:
    """What a candidate's measure is read from, besides its own words."""

    in_sentence: dict[int, list[Mention]]  # the numbers of each sentence, in order
    parts_of: dict[int, list[Candidate]]  # by id() of the whole
    about_cambodians: list[bool]  # by sentence


def _suggest_measure(
    text: str,
    sentences: list[Sentence],
    mention: Mention,
    candidate: Candidate,
    near: _Near,
    measures: dict[str, str],
) -> None:
    index = mention.sentence
    sentence = sentences[index]
    if not any(near.about_cambodians[max(0, index - 2) : index + 1]):
        candidate.reasons.append("no measure: neither this sentence nor the two before it is about "
                                 "Cambodians")  # fmt: skip
        return
    other = _OTHER_NATIONALITY.match(text, mention.end)
    if other:
        candidate.reasons.append(f"no measure: it counts {other.group(1)}, not Cambodians")
        return
    parts = near.parts_of.get(id(candidate), [])
    if parts and _EVERYONE.match(text, mention.end):
        candidate.reasons.append(
            "no measure: it counts people of every nationality, and a part of it is given"
        )
        return
    order = near.in_sentence[index]
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
    candidate.reasons.append(_NO_MEASURE)


def _anchor_time(
    mention: Mention, candidate: Candidate, anchors: list[Anchor], measures: dict[str, str]
) -> None:
    """The nearest time phrase in the sentence; what it said and when, if only that."""
    counted = [a for a in anchors if not a.stated] or anchors
    if not counted:
        return

    def distance(a: Anchor) -> int:
        return max(a.start - mention.end, mention.lead - a.end, 0)

    # The anchors are in text order: the nearest is one of those around the number.
    i = bisect_left([a.start for a in counted], mention.start)
    anchor = min(counted[max(0, i - 2) : i + 2], key=distance)
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


def _inherit_measure(candidates: list[Candidate]) -> None:
    """A part with no measure of its own ("including about 110") counts what its whole does."""
    for candidate in candidates:
        whole = next((w for kind, w in candidate.links if kind == "part_of"), None)
        if candidate.measure is None and whole is not None and whole.measure is not None:
            candidate.measure = whole.measure
            candidate.reasons = [r for r in candidate.reasons if r != _NO_MEASURE]
            candidate.reasons.append(f"measure {whole.measure}: that of its whole")


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
    whose bounds hold an exact count of the same measure and time, within a few sentences.
    Each restates the nearest such partner; a missing period start is taken from it."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        end = _end(candidate)
        if candidate.measure is not None and end is not None:
            groups.setdefault((candidate.measure, str(end)), []).append(candidate)
    for group in groups.values():  # in text order
        sentences = [c.sentence for c in group]
        for a in group:
            nearby = group[
                bisect_left(sentences, a.sentence - _RESTATED_WITHIN) : bisect_left(
                    sentences, a.sentence + _RESTATED_WITHIN + 1
                )
            ]
            partners = [b for b in nearby if b is not a and _may_restate(a, b)]
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
    last: dict[str, int] = {}  # the last number appended to each name, so as not to count again
    for candidate in candidates:
        time = (
            f"{candidate.period[0]}-{candidate.period[1]}"
            if candidate.period and candidate.period[0] != candidate.period[1]
            else str(candidate.period[0])
            if candidate.period
            else str(candidate.as_of or "")
        )
        base = "-".join(p for p in (candidate.measure or source or "figure", time) if p)
        stem = f"{base}-{int(candidate.value)}"
        name = base if base not in used else stem
        while name in used:
            n = last[stem] = last.get(stem, 1) + 1
            name = f"{stem}-{n}"
        used.add(name)
        candidate.id = name
    for candidate in candidates:
        candidate.relations = [(kind, other.id) for kind, other in candidate.links]
