"""What the API answers: figures, measures, sources, derived figures, revisions, the
dataset's description and problems. Rows become these models in `app.mapping`, and only there."""

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from app.qualifiers import Qualifier
from app.schemas.fields import Attribution, Bounds, Number, Period, Span, Wording

T = TypeVar("T")


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
    page: str = Field(description="Its page for people: the permalink citations give.")
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
    time_start: date = Field(
        description="The first day the period or date can cover, as a full date: a bound "
        "derived for plotting and filtering (2017-12 starts 2017-12-01), not a claim that the "
        "source named that day."
    )
    time_end: date = Field(
        description="The last day the period or date can cover, as a full date: a derived "
        "bound (2017-12 ends 2017-12-31), not a claimed precision."
    )
    stated: str | None = Field(description="When it was said, where the text gives it.")
    quote: str = Field(description="The exact words of the source that state it.")
    quote_span: Span = Field(description="Code point offsets of the quote in the source text.")
    value_span: Span = Field(description="Code point offsets of value_text in the source text.")
    attribution: Attribution = Field(description="Who stated it, as the text gives them.")
    relations: list[RelationRead] = Field(description="Other figures this one relates to.")
    note: str | None = Field(description="A curator's caveat, or null.")
    wording: Wording = Field(
        description="The quote's words its statement keeps, and how it says its time."
    )
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
    event: str | None = Field(
        description="For counts one event makes, what the event did, as its sentence says it."
    )
    links: dict[str, str] = Field(description="Related resources.")


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
