"""How the candidates of one text relate: a part of a whole ("1,412 of whom"), one count
said twice ("more than 500" ... "572"), and a headline's number and the body's same figure."""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal

from app.dates import PartialDate
from app.extract.reading import Mention
from app.extract.sentences import Sentence
from app.extract.shapes import Candidate
from app.qualifiers import Qualifier, bounds_for

# How many sentences apart one count may be said twice ("more than 500" ... "572").
_RESTATED_WITHIN = 5
_OF_WHOM = re.compile(r"[ \t]+of[ \t]+(?:whom|them|those|these)\b")


def relate(
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


def restates(candidates: list[Candidate]) -> None:
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


def restate_in_body(candidates: list[Candidate]) -> None:
    """Each number of the headline restates the body's first statement of the same figure:
    the same words ("more than 500" and "more than 500"), or an exact count the headline's
    qualifier allows ("nearly 50" and 48), of no other measure and no other time. What the
    headline leaves out, it takes from the body's: a measure, and a time when the two then
    count the same measure (a flow's time is a period, a stock's a date)."""
    body = [c for c in candidates if c.part == "body"]
    for a in candidates:
        if a.part != "headline":
            continue
        b = next((b for b in body if _same_figure(a, b)), None)
        if b is None:
            a.reasons.append("the body states no figure this could restate")
            continue
        a.links.append(("restates", b))
        a.reasons.append(f"restates {b.value_text} in the body: the headline's words for it")
        if a.measure is None and b.measure is not None:
            a.measure = b.measure
            a.reasons.append(f"measure {b.measure}: that of the body's {b.value_text}")
        if not (a.period or a.as_of) and (b.period or b.as_of) and a.measure == b.measure:
            a.period, a.as_of = b.period, b.as_of
            if a.open_end is not None:  # "so far": the note asked for the start it now has
                a.open_end, a.note = None, None
            a.reasons.append(f"time from the body's {b.value_text}")


def _same_figure(a: Candidate, b: Candidate) -> bool:
    """Whether the headline's `a` may restate the body's `b`."""
    if a.measure is not None and b.measure is not None and a.measure != b.measure:
        return False
    ends = _end(a), _end(b)
    if ends[0] is not None and ends[1] is not None and ends[0] != ends[1]:
        return False
    if a.qualifier == b.qualifier and a.value == b.value:
        return True
    return a.qualifier != Qualifier.EXACT and _allows(a, b)


def _may_restate(a: Candidate, b: Candidate) -> bool:
    """Whether `a` may restate `b`, both of one measure and time."""
    if a.qualifier == Qualifier.EXACT:
        return (
            b.qualifier == Qualifier.EXACT
            and a.value == b.value
            and a.value_span > b.value_span  # the later one restates
        )
    return _allows(a, b)


def _allows(a: Candidate, b: Candidate) -> bool:
    """Whether `a`, qualified, allows the exact count `b`: "more than 500" allows 572, "nearly
    50" allows 48 (an approximate count within a tenth of it)."""
    if b.qualifier != Qualifier.EXACT:
        return False
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
