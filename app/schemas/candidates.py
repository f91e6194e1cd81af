"""Figures the extractor proposes, in the shape of `data/figures/*.toml`, with its reasons."""

from typing import Literal

from pydantic import BaseModel, Field

from app.qualifiers import Qualifier
from app.schemas.fields import Bounds, Number, Span


class CandidateAttribution(BaseModel):
    person: str | None = Field(None, description="The person said to state it, if named.")
    role: str | None = Field(None, description="Their role, as the text gives it.")
    organisation: str | None = Field(None, description="The organisation said to state it.")
    text: str | None = Field(None, description="The text's own words naming who stated it.")


class CandidateRelation(BaseModel):
    type: Literal["part_of", "restates"] = Field(description="As a figure's relations.")
    figure: str = Field(description="The id suggested for the other candidate.")


class CandidatePeriod(BaseModel):
    start: str = Field(description="First year, month or day, at the text's precision.")
    end: str = Field(description="Last year, month or day (inclusive).")


class CandidateRead(BaseModel):
    """A proposed figure in the shape of `data/figures/*.toml`, with the reasons behind it.
    Fields the text does not give are null, for the reviewer to fill in."""

    id: str = Field(description="A suggested id, `<measure>-<time>` like the curated ones.")
    measure: str | None = Field(description="A known measure that fits, or null.")
    source: str | None = Field(description="The stored source's id; null for a posted text.")
    value: Number = Field(description="The number.")
    qualifier: Qualifier = Field(description="What the text says about the number.")
    value_text: str = Field(description="The number exactly as printed.")
    bounds: Bounds | None = Field(description="The interval the qualifier implies.")
    period: CandidatePeriod | None = Field(description="The period counted, if the text says.")
    as_of: str | None = Field(description="The date counted at, if the text says.")
    stated: str | None = Field(description="When it was said, if the text says.")
    quote: str = Field(description="The sentence that states it.")
    quote_span: Span = Field(description="Where the sentence stands in the text.")
    value_span: Span = Field(description="Where value_text stands in the text.")
    part: Literal["headline", "body"] = Field(
        description="Where the number stands: the text's headline (its first line, when that "
        "is a title and not a byline, a date line or a page number) or its body. A headline's "
        "number restates the body's first statement of the same figure, where there is one."
    )
    attribution: CandidateAttribution = Field(
        description="Who the text says stated it; for the text's own voice, its publisher."
    )
    relations: list[CandidateRelation] = Field(description="Proposed relations to others.")
    note: str | None = Field(description="A caveat, such as the other bound of a range.")
    reasons: list[str] = Field(description="Why it was kept, and how each field was read.")


class CuratedCandidate(CandidateRead):
    curated: str | None = Field(
        description="The id of a figure already curated from this number (an equal value "
        "whose value_span overlaps), or null when no figure holds it yet."
    )


class SkippedNumber(BaseModel):
    text: str = Field(description="What was read, exactly as printed.")
    span: Span = Field(description="Where it stands in the text.")
    reason: str = Field(description="Why it is not proposed: a year, an age, money...")


class ExtractionRead(BaseModel):
    candidates: list[CandidateRead] = Field(description="Proposed figures, in text order.")
    skipped: list[SkippedNumber] = Field(description="Numbers read and not proposed, and why.")


class SourceCandidates(BaseModel):
    source: str = Field(description="The source's id.")
    candidates: list[CuratedCandidate] = Field(
        description="Proposed figures, in text order, each marked when already curated."
    )
    skipped: list[SkippedNumber] = Field(description="Numbers read and not proposed, and why.")
