"""The Pydantic models the API speaks; `data/` files are validated by the same `*Create` models."""

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from app import models
from app.dates import parse_partial_date
from app.ids import SLUG_PATTERN
from app.intervals import Interval, Quantity, combine, show
from app.numbers import parse_number
from app.qualifiers import Qualifier, bounds_for, display
from app.statements import Said, derived_statement, statement

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def partial_date(text: str) -> str:
    return str(parse_partial_date(text))


# A year from 0001, a month from 01 to 12, a day from 01 to 31, as the schema can say it
# (a 30 February is refused by the server, with a 422 naming the field).
PARTIAL_DATE_PATTERN = (
    r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
    r"(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
)
PartialDate = Annotated[
    str,
    AfterValidator(partial_date),
    Field(
        description="ISO 8601 at its known precision: YYYY, YYYY-MM or YYYY-MM-DD.",
        json_schema_extra={"pattern": PARTIAL_DATE_PATTERN},
    ),
]


def plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


# A JSON number: whole values print without ".0" (1900, not 1900.0).
# Strict: a string such as "28" is refused, not read as a number (a JSON client that sends
# one has a bug worth knowing about); an integer is a number.
Number = Annotated[
    float,
    Strict(),
    Field(allow_inf_nan=False),
    PlainSerializer(plain_number, return_type=int | float),
]


def _clean_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("NUL bytes are not allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "text must be valid Unicode (a lone surrogate such as \\ud800 is not)"
        ) from None
    return text


# Every string a client or curator gives: no NUL, no lone surrogate, so it stores anywhere.
# The patterns state the rules in the OpenAPI document; the validators check them, with
# messages a person can act on.
Text = Annotated[
    str, AfterValidator(_clean_text), Field(json_schema_extra={"pattern": r"^[^\x00]*$"})
]


def _one_line(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must be one line: no newlines, tabs or other control characters")
    return text


# Names, titles and the like: one line, so that no citation format (RIS is line-based) can be
# broken or forged through them.
Line = Annotated[
    Text, AfterValidator(_one_line), Field(json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*$"})
]


def _web_address(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise ValueError("must be an http:// or https:// address")
    return url


WebAddress = Annotated[Line, AfterValidator(_web_address)]


class _In(BaseModel):
    """Input: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Span(_In):
    start: StrictInt = Field(
        ge=0, le=2**31 - 1, description="Offset of the first code point, counted from 0."
    )
    end: StrictInt = Field(
        ge=0, le=2**31 - 1, description="Offset just past the last code point (exclusive)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        return self


class Bounds(_In):
    lower: Number | None = Field(None, description="Lower bound; null when unbounded below.")
    lower_inclusive: StrictBool = Field(
        False, description="Whether the lower bound itself is allowed."
    )
    upper: Number | None = Field(None, description="Upper bound; null when unbounded above.")
    upper_inclusive: StrictBool = Field(
        False, description="Whether the upper bound itself is allowed."
    )


class Period(_In):
    start: PartialDate = Field(description="First year, month or day the count covers.")
    end: PartialDate = Field(description="Last year, month or day the count covers (inclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if parse_partial_date(self.end).last_day() < parse_partial_date(self.start).first_day():
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self


class Attribution(_In):
    # At least one of them, as the OpenAPI document can say it (see FigureCreate._someone).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                for name in ("person", "role", "organisation", "text")
            ]
        }
    )

    person: Line | None = Field(None, description="The person who stated the figure, if named.")
    role: Line | None = Field(None, description="Their role, as the text gives it.")
    organisation: Line | None = Field(None, description="The organisation that stated it.")
    text: Text | None = Field(
        None,
        description="The source's own words naming who stated it, verbatim; null when "
        "the source states the figure in its own voice.",
    )


class RelationIn(_In):
    type: Literal["part_of", "restates"] = Field(
        description="`part_of`: this figure counts a part of the other; `restates`: it states "
        "the same count again, for example rounded."
    )
    figure: Slug = Field(description="The id of the other figure.")


class FigureCreate(_In):
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


class _PatchBase(_In):
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


class FigureRetract(_In):
    reason: Text = Field(min_length=1, max_length=2000, description="Why it is retracted.")


def implied_bounds(qualifier: Qualifier, value: float) -> Bounds | None:
    found = bounds_for(qualifier, value)
    return None if found is None else Bounds(**found.__dict__)


class MeasureCreate(_In):
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


class DerivedCreate(_In):
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


class SourceCreate(_In):
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


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- What the API answers -------------------------------------------------------------


class SourceSummary(BaseModel):
    id: str = Field(description="The source's id.")
    title: str = Field(description="Its title.")
    publisher: str = Field(description="Who published it.")
    author: str | None = Field(description="Its author; null when not named.")
    published: str = Field(description="Publication date at its known precision.")
    url: str | None = Field(description="Its address; null when not known.")


class RelationRead(BaseModel):
    type: Literal["part_of", "has_part", "restates", "restated_by"] = Field(
        description="How this figure relates to the other, read from this figure."
    )
    figure: str = Field(description="The other figure's id.")
    display: str = Field(description="The other figure's number with its qualifier.")


class FigureLinks(BaseModel):
    self: str = Field(description="This figure.")
    history: str = Field(description="Its revisions.")
    measure: str = Field(description="What it counts.")
    source: str = Field(description="The source that states it.")
    source_text: str = Field(description="The stored text its spans count into.")


class FigureRead(BaseModel):
    id: str = Field(description="Stable permalink slug.")
    measure: str = Field(description="The id of the measure counted.")
    measure_name: str = Field(description="The measure's name.")
    source: SourceSummary = Field(description="The source that states it.")
    value: Number = Field(description="The number as a JSON number; read it with `qualifier`.")
    qualifier: Qualifier = Field(
        description="exact, more_than, at_least, about, nearly, fewer_than or at_most."
    )
    bounds: Bounds | None = Field(
        description="The interval the true value lies in; null for "
        "about and nearly, which give none."
    )
    value_text: str = Field(description="The number alone exactly as printed.")
    display: str = Field(description="The number with its qualifier, AP style.")
    statement: str = Field(
        description="A sentence ready to print, generated from the fields: qualifier, date "
        "at its precision, who said it and where it was published."
    )
    period: Period | None = Field(description="For a flow, the period counted; else null.")
    as_of: str | None = Field(description="For a stock, the date counted at; else null.")
    stated: str | None = Field(description="When it was said, where the text gives it.")
    quote: str = Field(description="The exact words of the source that state it.")
    quote_span: Span = Field(description="Code point offsets of the quote in the source text.")
    value_span: Span = Field(description="Code point offsets of value_text in the source text.")
    attribution: Attribution = Field(description="Who stated it, as the text gives them.")
    relations: list[RelationRead] = Field(description="Other figures this one relates to.")
    note: str | None = Field(description="A curator's caveat, or null.")
    status: Literal["published", "retracted"] = Field(
        description="Retracted figures stay readable with their history."
    )
    retraction_reason: str | None = Field(
        description="Why it was retracted (see history for who and when); null unless retracted."
    )
    revision: int = Field(description="Its revision number; 1 as first loaded or created.")
    created_at: datetime = Field(description="When it was first loaded or created.")
    updated_at: datetime = Field(description="When its latest revision was made.")
    links: FigureLinks = Field(description="Related resources.")

    @classmethod
    def of(cls, figure: models.Figure, incoming: Sequence[models.FigureRelation] = ()) -> Self:
        """The API's view of a figure; `incoming` are relations other figures have to it."""
        value, qualifier = figure.value, Qualifier(figure.qualifier)
        period = (
            Period(start=figure.period_start, end=figure.period_end)
            if figure.period_start and figure.period_end
            else None
        )
        relations = [
            RelationRead(type=r.type, figure=r.target_id, display=_display_of(r.target))
            for r in figure.relations
        ]
        inverse: dict[str, Literal["has_part", "restated_by"]] = {
            "part_of": "has_part",
            "restates": "restated_by",
        }
        relations += [
            RelationRead(type=inverse[r.type], figure=r.figure_id, display=_display_of(r.figure))
            for r in incoming
        ]
        source = figure.source
        path = f"/v1/figures/{figure.id}"
        return cls(
            id=figure.id,
            measure=figure.measure_id,
            measure_name=figure.measure.name,
            source=SourceSummary(
                id=source.id,
                title=source.title,
                publisher=source.publisher,
                author=source.author,
                published=source.published,
                url=source.url,
            ),
            value=value,
            qualifier=qualifier,
            bounds=implied_bounds(qualifier, value),
            value_text=figure.value_text,
            display=display(qualifier, value),
            statement=figure_statement(figure),
            period=period,
            as_of=figure.as_of,
            stated=figure.stated,
            quote=figure.quote,
            quote_span=Span(start=figure.quote_start, end=figure.quote_end),
            value_span=Span(start=figure.value_start, end=figure.value_end),
            attribution=Attribution(
                person=figure.attribution_person,
                role=figure.attribution_role,
                organisation=figure.attribution_organisation,
                text=figure.attribution_text,
            ),
            relations=relations,
            note=figure.note,
            status=figure.status,
            retraction_reason=figure.retraction_reason,
            revision=figure.revision,
            created_at=figure.created_at,
            updated_at=figure.updated_at,
            links=FigureLinks(
                self=path,
                history=f"{path}/history",
                measure=f"/v1/measures/{figure.measure_id}",
                source=f"/v1/sources/{figure.source_id}",
                source_text=f"/v1/sources/{figure.source_id}/text",
            ),
        )


T = TypeVar("T")


def _display_of(figure: models.Figure) -> str:
    return display(Qualifier(figure.qualifier), figure.value)


def figure_statement(figure: models.Figure) -> str:
    """The figure's ready sentence, from its measure's words, its time, attribution and source."""
    return statement(
        value=figure.value,
        qualifier=Qualifier(figure.qualifier),
        subject=figure.measure.subject,
        predicate=figure.measure.predicate,
        period=(figure.period_start, figure.period_end)
        if figure.period_start and figure.period_end
        else None,
        as_of=figure.as_of,
        said=Said(
            person=figure.attribution_person,
            role=figure.attribution_role,
            organisation=figure.attribution_organisation,
            text=figure.attribution_text,
        ),
        publisher=figure.source.publisher,
        published=figure.source.published,
        retracted=figure.status == "retracted",
    )


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="This page's rows.")
    total: int = Field(description="How many rows match the filters, over all pages.")
    limit: int = Field(description="The most rows a page holds.")
    next: str | None = Field(
        description="The next page's URL, or null on the last page; also "
        'in the Link header as rel="next".'
    )


class SeriesPoint(BaseModel):
    id: str = Field(description="The figure's id.")
    value: Number = Field(description="The number; read it with `qualifier`.")
    qualifier: Qualifier = Field(description="What the source says about the number.")
    display: str = Field(description="The number with its qualifier, AP style.")
    bounds: Bounds | None = Field(description="The interval the true value lies in.")
    period: Period | None = Field(description="For a flow, the period counted.")
    as_of: str | None = Field(description="For a stock, the date counted at.")
    time_start: date = Field(description="First day the period or date covers, for plotting.")
    time_end: date = Field(description="Last day the period or date covers, for plotting.")
    source: str = Field(description="The id of the source that states it.")

    @classmethod
    def of(cls, figure: models.Figure) -> Self:
        qualifier = Qualifier(figure.qualifier)
        return cls(
            id=figure.id,
            value=figure.value,
            qualifier=qualifier,
            display=display(qualifier, figure.value),
            bounds=implied_bounds(qualifier, figure.value),
            period=(
                Period(start=figure.period_start, end=figure.period_end)
                if figure.period_start and figure.period_end
                else None
            ),
            as_of=figure.as_of,
            time_start=figure.time_start,
            time_end=figure.time_end,
            source=figure.source_id,
        )


class MeasureRead(BaseModel):
    id: str = Field(description="Stable slug.")
    name: str = Field(description="A short name.")
    definition: str = Field(description="What is counted, and what is not.")
    unit: str = Field(description="What one unit of the value is.")
    kind: Literal["flow", "stock"] = Field(description="`flow`: over a period; `stock`: at a date.")
    population: str = Field(description="Who is counted.")
    from_country: str = Field(description="ISO 3166-1 alpha-2 code people move from.")
    to_country: str = Field(description="ISO 3166-1 alpha-2 code people move to.")
    subject: str = Field(description="Who is counted, as a figure's sentence names them.")
    predicate: str = Field(description="What a figure's sentence says of them.")
    links: dict[str, str] = Field(description="Related resources.")

    @classmethod
    def of(cls, measure: models.Measure) -> Self:
        return cls(
            id=measure.id,
            name=measure.name,
            definition=measure.definition,
            unit=measure.unit,
            kind=measure.kind,
            population=measure.population,
            from_country=measure.from_country,
            to_country=measure.to_country,
            subject=measure.subject,
            predicate=measure.predicate,
            links={
                "self": f"/v1/measures/{measure.id}",
                "figures": f"/v1/measures/{measure.id}/figures",
            },
        )


class MeasureDetail(MeasureRead):
    figures: list[SeriesPoint] = Field(description="Its published figures in time order.")


class SourceRead(BaseModel):
    id: str = Field(description="Stable slug.")
    title: str = Field(description="Its title.")
    publisher: str = Field(description="Who published it.")
    author: str | None = Field(description="Its author; null when the source names none.")
    url: str | None = Field(description="Its address; null when not known, never invented.")
    published: str = Field(description="Publication date at its known precision.")
    language: str = Field(description="BCP 47 language tag of the text.")
    sha256: str = Field(description="SHA-256 of the stored text as UTF-8, to verify it.")
    length: int = Field(description="Length of the stored text in code points.")
    curator_notes: str | None = Field(description="How the metadata was established.")
    revision: int = Field(description="Its revision number.")
    created_at: datetime = Field(description="When it was first loaded or created.")
    updated_at: datetime = Field(description="When its latest revision was made.")
    links: dict[str, str] = Field(description="Related resources.")

    @classmethod
    def of(cls, source: models.Source) -> Self:
        return cls(
            id=source.id,
            title=source.title,
            publisher=source.publisher,
            author=source.author,
            url=source.url,
            published=source.published,
            language=source.language,
            sha256=source.sha256,
            length=len(source.text),
            curator_notes=source.curator_notes,
            revision=source.revision,
            created_at=source.created_at,
            updated_at=source.updated_at,
            links={
                "self": f"/v1/sources/{source.id}",
                "text": f"/v1/sources/{source.id}/text",
                "figures": f"/v1/figures?source={source.id}",
            },
        )


class FigureInSource(BaseModel):
    id: str = Field(description="The figure's id.")
    display: str = Field(description="Its number with its qualifier.")
    status: Literal["published", "retracted"] = Field(description="Whether it stands.")
    quote_span: Span = Field(description="Where its quote stands in the text.")
    value_span: Span = Field(description="Where its number stands in the text.")


class SourceDetail(SourceRead):
    figures: list[FigureInSource] = Field(
        description="Every figure it states, in text order, with the spans a client needs to "
        "highlight them in the text at links.text."
    )

    @classmethod
    def with_figures(cls, source: models.Source, figures: list[models.Figure]) -> Self:
        return cls(
            **SourceRead.of(source).model_dump(),
            figures=[
                FigureInSource(
                    id=f.id,
                    display=display(Qualifier(f.qualifier), f.value),
                    status=f.status,
                    quote_span=Span(start=f.quote_start, end=f.quote_end),
                    value_span=Span(start=f.value_start, end=f.value_end),
                )
                for f in figures
            ],
        )


class DerivedInputRead(BaseModel):
    id: str = Field(description="The input figure's id.")
    display: str = Field(description="Its number with its qualifier.")
    value: Number = Field(description="Its number; read it with `qualifier`.")
    qualifier: Qualifier = Field(description="What its source says about the number.")
    bounds: Bounds | None = Field(description="The interval its true value lies in.")
    status: Literal["published", "retracted"] = Field(description="Whether it stands.")
    link: str = Field(description="The input figure.")


class DerivedRead(BaseModel):
    id: str = Field(description="Stable permalink slug.")
    name: str = Field(description="A short name.")
    description: str = Field(description="What it counts and how.")
    operation: Literal["sum", "difference", "ratio"] = Field(
        description="How the inputs combine, left to right."
    )
    formula: str = Field(description="The computation, by input id.")
    inputs: list[DerivedInputRead] = Field(description="The figures it is computed from.")
    unit: Literal["people", "percent"] = Field(description="What the bounds count.")
    bounds: Bounds | None = Field(
        description="Every value the computation can give when each input's true value lies "
        "anywhere in its bounds, in `unit` (a percent as 74.3, not 0.743); null when an input "
        "is approximate."
    )
    display: str = Field(
        description="The result in words, rounded only in the direction "
        'that keeps it true: "less than 74.4%".'
    )
    approximate: bool = Field(description="True when an input says `about` or `nearly`.")
    statement: str = Field(description="A sentence ready to print.")
    note: str | None = Field(description="A curator's caveat.")
    links: dict[str, str] = Field(description="Related resources.")

    @classmethod
    def of(cls, derived: models.Derived, figures: dict[str, models.Figure]) -> Self:
        """Compute it from its inputs' stated numbers and the bounds their qualifiers imply."""
        inputs = [figures[i.figure_id] for i in derived.inputs]
        result = combine(
            derived.operation,  # type: ignore[arg-type]
            [Quantity.stated(Qualifier(f.qualifier), f.value) for f in inputs],
        )
        percent = derived.unit == "percent"
        shown = show(result, percent=percent)
        period, as_of = _common_time(inputs)
        symbol = {"sum": " + ", "difference": " - ", "ratio": " / "}[derived.operation]
        return cls(
            id=derived.id,
            name=derived.name,
            description=derived.description,
            operation=derived.operation,  # type: ignore[arg-type]
            formula=symbol.join(f.id for f in inputs) + (" * 100" if percent else ""),
            inputs=[
                DerivedInputRead(
                    id=f.id,
                    display=_display_of(f),
                    value=f.value,
                    qualifier=Qualifier(f.qualifier),
                    bounds=implied_bounds(Qualifier(f.qualifier), f.value),
                    status=f.status,
                    link=f"/v1/figures/{f.id}",
                )
                for f in inputs
            ],
            unit=derived.unit,  # type: ignore[arg-type]
            bounds=_bounds_of(result.interval, 100 if percent else 1),
            display=shown.display,
            approximate=shown.approximate,
            statement=derived_statement(
                display=shown.display,
                operation=derived.operation,
                inputs=[_display_of(f) for f in inputs],
                subject=derived.subject,
                predicate=derived.predicate,
                period=period,
                as_of=as_of,
                sources=[(f.source.publisher, f.source.published) for f in inputs],
                percent=percent,
            ),
            note=derived.note,
            links={"self": f"/v1/derived/{derived.id}"},
        )


def _bounds_of(interval: Interval | None, scale: int) -> Bounds | None:
    if interval is None:
        return None
    return Bounds(
        lower=None if interval.lower is None else float(interval.lower * scale),
        lower_inclusive=interval.lower_closed,
        upper=None if interval.upper is None else float(interval.upper * scale),
        upper_inclusive=interval.upper_closed,
    )


def _common_time(figures: list[models.Figure]) -> tuple[tuple[str, str] | None, str | None]:
    """The inputs' shared period or date; if they differ, a period covering them all."""
    times = {(f.period_start, f.period_end, f.as_of) for f in figures}
    if len(times) == 1:
        start, end, as_of = times.pop()
        return ((start, end) if start and end else None), as_of
    starts = [f.period_start or f.as_of for f in figures]
    ends = [f.period_end or f.as_of for f in figures]
    first = min((s for s in starts if s), key=lambda t: parse_partial_date(t).first_day())
    last = max((e for e in ends if e), key=lambda t: parse_partial_date(t).last_day())
    return (first, last), None


class RevisionRead(BaseModel):
    number: int = Field(description="1 for the first state, then one more per change.")
    actor: str = Field(description="Who made the change: a token's name, or `load`.")
    reason: str = Field(description="Why the change was made.")
    created_at: datetime = Field(description="When.")
    state: dict[str, Any] = Field(description="The full state the change produced.")


class CountsRead(BaseModel):
    sources: int = Field(description="Sources held.")
    measures: int = Field(description="Measures defined.")
    figures: int = Field(description="Published figures.")
    retracted_figures: int = Field(description="Retracted figures, still readable.")
    derived: int = Field(description="Derived figures, computed on read.")


class License(BaseModel):
    name: str = Field(description="The dataset's licence.")
    url: str = Field(description="Its text.")
    note: str = Field(description="What the licence does not cover.")


class DatasetInfo(BaseModel):
    name: str = Field(description="The API's name.")
    api_version: str = Field(description="The software's version.")
    dataset_version: int = Field(description="Grows by one or more with every change to the data.")
    last_change: datetime | None = Field(description="When the data last changed.")
    counts: CountsRead = Field(description="What the dataset holds.")
    license: License = Field(description="Terms of reuse.")
    links: dict[str, str] = Field(description="Where to go next.")


class Health(BaseModel):
    status: Literal["ok"] = Field(description="`ok` when the process answers.")


class Readiness(BaseModel):
    status: Literal["ready"] = Field(description="`ready` when the database answers at head.")
    database: str = Field(description="The database engine.")
    schema_revision: str | None = Field(description="The migration the database is at.")


class ProblemError(BaseModel):
    pointer: str = Field(description="JSON pointer to the invalid field, e.g. `#/limit`.")
    location: str = Field(description="Where the field was: query, path, header or body.")
    detail: str = Field(description="What is wrong with it.")


class Problem(BaseModel):
    """An RFC 9457 problem detail, served as application/problem+json."""

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status's reason phrase.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, for a person.")
    instance: str | None = Field(None, description="The path of the request that failed.")
    errors: list[ProblemError] | None = Field(
        None, description="On 422: one entry per invalid field."
    )


# --- Proposed figures (the app/extract package) -------------------------------------------------


class ExtractRequest(_In):
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
