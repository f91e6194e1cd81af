"""The shapes every model is built from: dates at their precision, numbers, text that stores
anywhere, spans, bounds, periods and attributions, and the base of every input model."""

import hashlib
import re
from typing import Annotated, Literal, Self

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
    model_validator,
)

from app.dates import parse_partial_date
from app.ids import SLUG_PATTERN
from app.qualifiers import Qualifier, bounds_for

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
COUNTRY_PATTERN = r"^[A-Z]{2}$"


def _country(code: str) -> str:
    if re.fullmatch(COUNTRY_PATTERN, code) is None:
        hint = (
            f" ({code.upper()}, not {code})" if re.fullmatch(COUNTRY_PATTERN, code.upper()) else ""
        )
        raise ValueError(
            f"a country is its two-letter ISO 3166-1 code in capitals, such as KH or US{hint}"
        )
    return code


CountryCode = Annotated[
    str, AfterValidator(_country), Field(json_schema_extra={"pattern": COUNTRY_PATTERN})
]


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


class Incoming(BaseModel):
    """Input: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Span(Incoming):
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


class Bounds(Incoming):
    lower: Number | None = Field(None, description="Lower bound; null when unbounded below.")
    lower_inclusive: StrictBool = Field(
        False, description="Whether the lower bound itself is allowed."
    )
    upper: Number | None = Field(None, description="Upper bound; null when unbounded above.")
    upper_inclusive: StrictBool = Field(
        False, description="Whether the upper bound itself is allowed."
    )


class Period(Incoming):
    start: PartialDate = Field(description="First year, month or day the count covers.")
    end: PartialDate = Field(description="Last year, month or day the count covers (inclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if parse_partial_date(self.end).last_day() < parse_partial_date(self.start).first_day():
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self


class Attribution(Incoming):
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


class Wording(Incoming):
    """The source's words a figure's sentence keeps beyond its measure's, and how the sentence
    places the count in time. Every word here must stand in the figure's quote."""

    restriction: Line | None = Field(
        default=None,
        description="Words of the quote that narrow who is counted, kept in the sentence after "
        'the measure\'s subject: "convicted of crimes".',
    )
    time_words: Line | None = Field(
        default=None,
        description="The quote's own words for the time, said in place of the dates read from "
        'them where that reading is an interpretation: "from 1975 until the end of the 20th '
        'century" (the period says 1975 to 2000).',
    )
    timing: Literal["cumulative", "event"] | None = Field(
        default=None,
        description="`cumulative`: a running total from its period's start to its end, said "
        '"since 2002, as of February 2018"; `event`: the count one event made on its date, '
        'said as the event ("On Jan. 25, 2018, a US district judge blocked ..."), with '
        "`agent` and the measure's `event` words; null: over its period or as of its date.",
    )
    agent: Line | None = Field(
        default=None,
        description='For an event, who acted, in the quote\'s words: "a US district judge".',
    )


def implied_bounds(qualifier: Qualifier, value: float) -> Bounds | None:
    found = bounds_for(qualifier, value)
    return None if found is None else Bounds(**found.__dict__)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
