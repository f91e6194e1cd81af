"""What clients and curators send: `data/` files are validated by the same `*Create` models
the write API takes, so a figure is checked by one set of rules wherever it comes from."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator

from app.dates import parse_partial_date
from app.numbers import parse_number
from app.qualifiers import Qualifier
from app.schemas.fields import (
    Attribution,
    Bounds,
    CountryCode,
    Incoming,
    Line,
    Number,
    PartialDate,
    Period,
    Slug,
    Span,
    Text,
    WebAddress,
    Wording,
    implied_bounds,
    plain_number,
    text_sha256,
)


class RelationIn(Incoming):
    type: Literal["part_of", "restates"] = Field(
        description="`part_of`: this figure counts a part of the other; `restates`: it states "
        "the same count again, for example rounded."
    )
    figure: Slug = Field(description="The id of the other figure.")


class FigureCreate(Incoming):
    """One number stated in one source: what `data/figures/*.toml` blocks and POSTs hold."""

    id: Slug = Field(description="Stable permalink slug chosen by the curator.")
    measure: Slug = Field(description="The id of the measure counted.")
    source: Slug = Field(description="The id of the source that states it.")
    value: Number = Field(description="The number, as a JSON number.")
    qualifier: Qualifier = Field(description="What the source says about the number.")
    value_text: Line = Field(min_length=1, description="The number alone, exactly as printed.")
    bounds: Bounds | None = Field(
        None, description="The interval the qualifier implies; if given it must match."
    )
    period: Period | None = Field(None, description="For a flow: the period counted.")
    as_of: PartialDate | None = Field(None, description="For a stock: the date counted at.")
    stated: PartialDate | None = Field(None, description="When it was said, if the text says.")
    quote: Text = Field(min_length=1, description="The exact passage that states the figure.")
    quote_span: Span = Field(description="Where the quote stands in the source text.")
    value_span: Span = Field(description="Where value_text stands in the source text.")
    attribution: Attribution = Field(
        description="Who stated it, as the text gives them; for the source's own voice, its "
        "publisher as organisation. Required, so that no figure is credited by default."
    )
    relations: list[RelationIn] = Field(
        default_factory=list, description="How it relates to other figures."
    )
    note: Text | None = Field(None, description="A curator's caveat, free text.")
    wording: Wording = Field(
        default_factory=Wording,
        description="The quote's words its sentence keeps, and how it says its time.",
    )

    @field_validator("value_text")
    @classmethod
    def _matches_value(cls, value_text: str, info: ValidationInfo) -> str:
        """The number as printed must read as `value` (number words are parsed by code)."""
        printed = parse_number(value_text)
        value = info.data.get("value")
        if value is not None and Decimal(repr(value)) != printed:
            raise ValueError(
                f"value {plain_number(value)} does not match value_text {value_text!r}, "
                f"which reads as {printed.normalize():f}"
            )
        return value_text

    @field_validator("attribution")
    @classmethod
    def _someone(cls, attribution: Attribution) -> Attribution:
        if not any(attribution.model_dump().values()):
            raise ValueError(
                "say who stated it: a person, a role, an organisation or the "
                "source's words; for the source's own voice, its publisher"
            )
        return attribution

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.period is None) == (self.as_of is None):
            raise ValueError("give either `period` (a flow) or `as_of` (a stock), not both or none")
        if self.quote_span is not None and self.value_span is not None:
            self._spans_agree(self.quote_span, self.value_span)
        implied = implied_bounds(self.qualifier, self.value)
        if self.bounds is not None and self.bounds != implied:
            raise ValueError(
                f"bounds {self.bounds.model_dump()} are not those that "
                f"{self.qualifier.value} {plain_number(self.value)} implies: "
                f"{implied.model_dump() if implied else None}"
            )
        return self

    def _spans_agree(self, q: Span, v: Span) -> None:
        if not (q.start <= v.start and v.end <= q.end):
            raise ValueError(
                f"value_span {v.start}..{v.end} lies outside quote_span {q.start}..{q.end}"
            )
        if len(self.quote) != q.end - q.start:
            raise ValueError(
                f"quote is {len(self.quote)} characters long but quote_span "
                f"covers {q.end - q.start}"
            )
        if self.quote[v.start - q.start : v.end - q.start] != self.value_text:
            raise ValueError(
                f"value_text {self.value_text!r} is not at value_span "
                f"{v.start}..{v.end} of the quote"
            )


class FigureCreateBody(FigureCreate):
    """POST /v1/figures: a figure as `data/` holds it. The spans may be left out: the server
    finds the quote when it occurs exactly once in the source text, and value_text in it."""

    # Narrowed to optional on purpose: the server finds the spans (mypy cannot know).
    quote_span: Span | None = Field(  # type: ignore[assignment]
        None,
        description="Where the quote stands in the source text; found by the server if left out.",
    )
    value_span: Span | None = Field(  # type: ignore[assignment]
        None, description="Where value_text stands; found by the server in the quote if left out."
    )
    reason: Text | None = Field(
        None,
        max_length=2000,
        description='Why it is added; kept in revision 1 (default: "created through the API").',
    )


class _PatchBase(Incoming):
    """PATCH /v1/figures/{id}: only the fields to change, and why. The id, status, revision
    and timestamps cannot be set: unknown fields are refused."""

    reason: Text = Field(min_length=1, max_length=2000, description="Why; kept in history.")


def _optional(annotation: Any, metadata: list[Any]) -> Any:
    return (Annotated[(annotation, *metadata)] if metadata else annotation) | None


# Every field of a figure but its id, each optional, with the same rules and descriptions.
# (fields given as a mapping, which create_model's typed overloads do not describe)
FigureUpdate = create_model(  # type: ignore[call-overload]
    "FigureUpdate",
    __base__=_PatchBase,
    **{
        name: (_optional(info.annotation, info.metadata), Field(None, description=info.description))
        for name, info in FigureCreate.model_fields.items()
        if name != "id"
    },
)


class FigureRetract(Incoming):
    reason: Text = Field(min_length=1, max_length=2000, description="Why it is retracted.")


class MeasureCreate(Incoming):
    id: Slug = Field(description="Stable slug.")
    name: Line = Field(min_length=1, description="A short name.")
    definition: Text = Field(min_length=1, description="What is counted and what is not.")
    unit: Literal["people"] = Field(description="What one unit of the value is.")
    kind: Literal["flow", "stock"] = Field(
        description="`flow`: counted over a period; `stock`: counted at a date."
    )
    population: Line = Field(min_length=1, description="Who is counted.")
    from_country: CountryCode = Field(description="ISO 3166-1 alpha-2 code people move from.")
    to_country: CountryCode = Field(description="ISO 3166-1 alpha-2 code people move to.")
    subject: Line = Field(
        min_length=1,
        description="Who is counted, as a sentence names them "
        'after the number: "Cambodian nationals residing in the US".',
    )
    predicate: Line = Field(
        min_length=1,
        description="What a sentence says of them, in the "
        'past tense: "were subject to a final order of removal".',
    )
    event: Line | None = Field(
        None,
        description="For counts one event makes, what the event did to them, active, past "
        'tense, before the number: "blocked the immediate removal from the US of". A figure '
        "with `wording.timing` `event` is said with these words.",
    )


class DerivedCreate(Incoming):
    """A number computed on read from other figures: what `data/derived.toml` blocks hold."""

    id: Slug = Field(description="Stable permalink slug.")
    name: Line = Field(min_length=1, description="A short name.")
    description: Text = Field(min_length=1, description="What it counts and how.")
    operation: Literal["sum", "difference", "ratio"] = Field(
        description="How the inputs combine, left to right: a + b, a - b, or a / b."
    )
    inputs: list[Slug] = Field(
        min_length=2, description="The figures it is computed from, in order."
    )
    unit: Literal["people", "percent"] = Field(
        description="`percent` for a ratio shown as a share, `people` otherwise."
    )
    subject: Line = Field(min_length=1, description="Who is counted, as in a measure.")
    predicate: Line = Field(min_length=1, description="What is said of them, as in a measure.")
    note: Text | None = Field(None, description="A curator's caveat.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.operation == "ratio" and len(self.inputs) != 2:
            raise ValueError("a ratio takes exactly two inputs: numerator and divisor")
        if (self.unit == "percent") != (self.operation == "ratio"):
            raise ValueError("`percent` is the unit of a ratio, and only of a ratio")
        return self


class SourceCreate(Incoming):
    id: Slug = Field(description="Stable slug.")
    title: Line = Field(min_length=1, description="Its title, as published.")
    publisher: Line = Field(min_length=1, description="Who published it.")
    author: Line | None = Field(None, description="Null when the source names no author.")
    url: WebAddress | None = Field(
        None, description="http(s) address; null when not known, never invented."
    )
    published: PartialDate = Field(
        description="Publication date at its known precision; not in the future."
    )
    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="BCP 47.")
    text: Text = Field(min_length=1, description="The full stored text quotes are measured in.")
    sha256: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the UTF-8 text; checked when given.",
    )
    curator_notes: Text | None = Field(None, description="How the metadata was established.")

    @field_validator("published")
    @classmethod
    def _not_ahead(cls, published: str) -> str:
        if parse_partial_date(published).first_day() > date.today():
            raise ValueError(f"{published} is in the future")
        return published

    @model_validator(mode="after")
    def _digest(self) -> Self:
        actual = text_sha256(self.text)
        if self.sha256 is not None and self.sha256 != actual:
            raise ValueError(
                f"sha256 {self.sha256} does not match the text, whose SHA-256 is {actual}"
            )
        self.sha256 = actual
        return self


class ExtractRequest(Incoming):
    text: Text = Field(
        min_length=1,
        description="The article or report, as UTF-8 text; offsets count its code points.",
    )
    published: PartialDate = Field(description="When it was published, at its precision.")
    publisher: Line | None = Field(
        None,
        min_length=1,
        pattern=r"\S",
        description="Who published it: the voice of figures no one else is said to state. "
        "Without it, a figure no one is named as stating has no attribution.",
    )
