"""A text's sentences, line by line (pysbd's rules), with their offsets, and whether a line
is the headline, or page furniture (a caption, a byline, a page number) rather than prose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.extract.lines import headline_start, is_furniture

# Longer than any sentence a person writes: a table, a list, or a text that is not prose.
LONGEST_SENTENCE = 2000


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    furniture: bool  # a line that is not prose: a caption, a byline, a page number
    headline: bool = False  # the text's headline: read like a sentence, and marked so

    @property
    def long(self) -> bool:
        """Too long to be a sentence a person wrote: its numbers are skipped, unread."""
        return len(self.text) > LONGEST_SENTENCE


@cache
def _segmenter() -> Any:
    import pysbd  # imported when first needed

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences by pysbd, line by line, with their offsets and surrounding whitespace trimmed."""
    out: list[Sentence] = []
    headline = headline_start(text)
    for line in re.finditer(r"[^\n]+", text):
        body = line.group().strip()
        if not body:
            continue
        is_headline = line.start() == headline
        furniture = not is_headline and is_furniture(body)
        for offset, piece in _pieces(line.group(), line.start()):
            # A run that long with no sentence end is not prose: one "sentence", never read.
            spans = _segmenter().segment(piece) if len(piece) <= 2 * _PIECE else [_Whole(piece)]
            for span in spans:
                raw = span.sent
                lead = len(raw) - len(raw.lstrip())
                trimmed = raw.strip()
                if trimmed:
                    start = offset + span.start + lead
                    out.append(
                        Sentence(start, start + len(trimmed), trimmed, furniture, is_headline)
                    )
    return out


@dataclass
class _Whole:
    """A piece of text taken whole, in the shape of pysbd's spans."""

    sent: str
    start: int = 0


def _pieces(line: str, offset: int) -> Iterator[tuple[int, str]]:
    """A long line in pieces of about a paragraph, cut where a sentence may end: pysbd's time
    grows with the square of what it is given (a 1 MiB line took minutes)."""
    start = 0
    for cut in _MAY_END.finditer(line):
        if cut.start() - start >= _PIECE:
            yield offset + start, line[start : cut.start()]
            start = cut.end()
    if start < len(line):
        yield offset + start, line[start:]


_PIECE = 1500
_MAY_END = re.compile(r"(?<=[.!?…”\"’])[ \t]+(?=[A-Z0-9“\"‘(])")
