"""Propose figures from a text, reading numbers the way a careful journalist does.

`extract(text, published)` finds every number in a text and either proposes it as a candidate
figure, in the shape `data/figures/*.toml` uses, or skips it with the reason why (a year, a
date, an age, money, a percentage...). It proposes; a person decides. No database, no FastAPI.

Offsets count code points into `text` exactly as given, like every span in `data/`.

Ranges ("35 to 40", "between 35 and 40", "35-40") become two linked candidates: the lower
bound `at_least`, the upper `at_most`, each with a note naming the other. The project's
figures have one value each, and a range states two bounds.

A headline's numbers are candidates too, marked `part = "headline"`, each restating the
body's statement of the same figure where there is one; other lines that are not sentences
(bylines, date lines, page numbers, captions) are page furniture, and never read as counts.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from app.dates import PartialDate
from app.extract.measures import KnownMeasure, Near, Peoples, inherit_measure, suggest_measure
from app.extract.reading import (
    DIGITS,
    WORD_RUN,
    Mention,
    find_mentions,
    word_numbers,
)
from app.extract.relations import relate, restate_in_body, restates
from app.extract.sentences import Sentence, split_sentences
from app.extract.shapes import Candidate, Extraction, Part, Skipped, to_toml
from app.extract.speakers import Speakers, attribution_of
from app.extract.time import Anchor, find_anchors
from app.qualifiers import Qualifier

__all__ = ["Candidate", "Extraction", "KnownMeasure", "Part", "Skipped", "extract", "to_toml"]


def extract(
    text: str,
    published: PartialDate,
    *,
    publisher: str | None = None,
    source: str | None = None,
    measures: Iterable[KnownMeasure] = (),
) -> Extraction:
    """Candidate figures in `text`, published at `published`, and the numbers skipped.

    `measures` are those a candidate may be given (`data/measures.toml`'s, or the
    database's); with none, no candidate is given a measure. `source` is the stored
    source's id, if any.
    """
    known = {m.id: m for m in measures}
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
        if sentence.headline:
            candidate.part = "headline"
            candidate.reasons.append("in the headline")
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

    # The headline and the body are read apart: a part and its whole stand in the same one.
    headline = [m for m in mentions if sentences[m.sentence].headline]
    relate(text, sentences, headline, by_mention)
    relate(text, sentences, [m for m in mentions if not sentences[m.sentence].headline], by_mention)
    in_sentence: dict[int, list[Mention]] = {}
    for mention in mentions:
        in_sentence.setdefault(mention.sentence, []).append(mention)
    parts_of: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        for _, whole in candidate.links:
            parts_of.setdefault(id(whole), []).append(candidate)
    near = Near(in_sentence, parts_of, Peoples(known.values(), sentences))
    for mention in mentions:
        candidate = by_mention[id(mention)]
        candidate.sentence = mention.sentence
        suggest_measure(text, sentences, mention, candidate, near, known)
        _anchor_time(mention, candidate, anchors.get(mention.sentence, []), known)
    for mention in mentions:  # the two bounds of a range count one thing
        other = mention.range_with
        candidate = by_mention[id(mention)]
        if other is not None and candidate.measure is None:
            candidate.measure = by_mention[id(other)].measure
    inherit_measure(candidates)
    _inherit_time(candidates)
    restates([c for c in candidates if c.part == "body"])
    restate_in_body(candidates)
    # The body's statement of a figure is named first: it takes the plain id, not the headline.
    _name(sorted(candidates, key=lambda c: c.part == "headline"), source)
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


def _anchor_time(
    mention: Mention, candidate: Candidate, anchors: list[Anchor], known: dict[str, KnownMeasure]
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
    measure = known.get(candidate.measure or "")
    kind = measure.kind if measure else None
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
