"""Figures, measures and sources as schema.org JSON-LD: a figure an Observation of a
StatisticalVariable (its measure), its quote a Claim appearing in a NewsArticle (its source);
every `@id` a document links answers JSON-LD too, a list as a Dataset of its items. The
context is inline, so a document expands with no network.

A figure (and a derived figure) is typed both `Observation` and `Dataset`: the number
observed, and its record in this dataset. The second is what lets schema.org say how
figures relate (`isPartOf`, `hasPart`, `isBasedOn` belong to creative works, not to an
Observation) and lets a list hold them (`hasPart`).
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any, Protocol

from app import models
from app.schemas.fields import Bounds, Qualifier, plain_number
from app.schemas.reads import DerivedRead, FigureRead

MEDIA_TYPE = "application/ld+json"
CONTEXT = {"@vocab": "https://schema.org/"}
RECORD_TYPES = ["Observation", "Dataset"]
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# A figure's relations as schema.org words, read from the figure: a part is `isPartOf` its
# whole, a whole `hasPart` its parts, a restatement (a rounding) `isBasedOn` what it restates.
# `restated_by` has no schema.org inverse; the restating figure's own document says it.
RELATIONS = {"part_of": "isPartOf", "has_part": "hasPart", "restates": "isBasedOn"}


def _speaker(read: FigureRead) -> dict[str, Any]:
    said = read.attribution
    organisation = {"@type": "Organization", "name": said.organisation or read.source.publisher}
    if said.person is None:
        return organisation
    person: dict[str, Any] = {"@type": "Person", "name": said.person, "affiliation": organisation}
    if said.role:
        person["jobTitle"] = said.role
    return person


def duration(start: date, end: date) -> str:
    """The ISO 8601 duration of the days from `start` to `end`, both counted: whole months as
    years and months (2017-01-01 to 2017-12-31 is P1Y, 2002-01-01 to 2018-02-28 P16Y2M),
    anything else as days (P1D for one day)."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        years, months = divmod(months, 12)
        return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    return f"P{(end - start).days + 1}D"


def _property(name: str, value: Any) -> dict[str, Any]:
    return {"@type": "PropertyValue", "name": name, "value": value}


def value_properties(
    qualifier: Qualifier, value: float, bounds: Bounds | None, *, integer: bool
) -> dict[str, Any]:
    """The number as schema.org can hold it without being misread (the README's table):

    - exact: `value`;
    - otherwise never `value`, which every consumer reads as exact. The bounds instead, as
      `minValue`/`maxValue`, which schema.org defines as inclusive: for a count (`integer`),
      an exclusive bound becomes the next whole number inside it ("more than 1,900" is
      `minValue` 1901, "fewer than 40" `maxValue` 39); for a real quantity, whose next
      number does not exist, an exclusive bound is our own `PropertyValue`
      (`exclusive_min_value`, `exclusive_max_value`);
    - about and nearly promise no bounds: no number is sent as a value at all.

    The stated number, its words and the qualifier always go with it as `PropertyValue`s."""
    if qualifier is Qualifier.EXACT:
        return {"value": plain_number(value)}
    return bounds_properties(bounds, integer=integer)


def bounds_properties(bounds: Bounds | None, *, integer: bool) -> dict[str, Any]:
    """An interval as `minValue`/`maxValue` (inclusive, as schema.org defines them), the
    exclusive ends of a real quantity as our own `PropertyValue`s; nothing for no interval."""
    found: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    if bounds is not None:
        for end, inclusive, step, name in (
            (bounds.lower, bounds.lower_inclusive, 1, "min"),
            (bounds.upper, bounds.upper_inclusive, -1, "max"),
        ):
            if end is None:
                continue
            if inclusive:
                found[f"{name}Value"] = plain_number(end)
            elif integer:
                found[f"{name}Value"] = plain_number(end) + step
            else:
                extra.append(_property(f"exclusive_{name}_value", plain_number(end)))
    if extra:
        found["additionalProperty"] = extra
    return found


class Published(Protocol):
    """What a document needs of a source (a summary, a detail or the row itself)."""

    id: str
    title: str
    publisher: str
    published: str
    url: str | None
    author: str | None


def article(source: Published, base_url: str) -> dict[str, Any]:
    """A source as the NewsArticle it is: no author or address invented where it has none."""
    found: dict[str, Any] = {
        "@type": "NewsArticle",
        "@id": f"{base_url}/v1/sources/{source.id}",
        "headline": source.title,
        "publisher": {"@type": "Organization", "name": source.publisher},
        "datePublished": source.published,
    }
    if source.url:
        found["url"] = source.url
    if source.author:
        found["author"] = {"@type": "Person", "name": source.author}
    return found


class Defined(Protocol):
    """What a document needs of a measure (a read model or the row itself)."""

    id: str
    name: str
    definition: str


def variable(measure: Defined, base_url: str) -> dict[str, Any]:
    """A measure as the StatisticalVariable it is: what is counted, defined once."""
    return {
        "@type": "StatisticalVariable",
        "@id": f"{base_url}/v1/measures/{measure.id}",
        "name": measure.name,
        "description": measure.definition,
    }


def source_document(source: Published, language: str, base_url: str) -> dict[str, Any]:
    """The JSON-LD for one source, at its own `@id`."""
    return {"@context": CONTEXT, **article(source, base_url), "inLanguage": language}


def measure_document(measure: models.Measure, base_url: str) -> dict[str, Any]:
    """The JSON-LD for one measure, at its own `@id`."""
    return {"@context": CONTEXT, **variable(measure, base_url)}


def figure_document(read: FigureRead, measure: models.Measure, base_url: str) -> dict[str, Any]:
    """The JSON-LD for one figure; `base_url` makes the ids absolute ("http://host")."""
    observation: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": RECORD_TYPES,
        "@id": f"{base_url}{read.links.self}",
        "name": read.display,
        "description": read.statement,
        "unitText": measure.unit,
        "additionalProperty": [
            _property("qualifier", read.qualifier.value),
            _property("stated_value", plain_number(read.value)),
            _property("value_text", read.value_text),
        ],
        "variableMeasured": variable(measure, base_url),
        "subjectOf": {
            "@type": "Claim",
            "text": read.quote,
            "author": _speaker(read),
            "appearance": article(read.source, base_url),
        },
    }
    number = value_properties(
        read.qualifier, read.value, read.bounds, integer=measure.unit != "percent"
    )
    observation["additionalProperty"] += number.pop("additionalProperty", [])
    observation.update(number)
    if read.as_of is not None:
        observation["observationDate"] = read.as_of
    if read.period is not None:
        # A flow: how long it was counted over, and (as for a stock) the day it ends.
        observation["observationPeriod"] = duration(read.time_start, read.time_end)
        observation["observationDate"] = read.period.end
    for relation in read.relations:
        if relation.type in RELATIONS:
            other = {"@id": f"{base_url}/v1/figures/{relation.figure}"}
            observation.setdefault(RELATIONS[relation.type], []).append(other)
    return observation


def derived_document(read: DerivedRead, base_url: str) -> dict[str, Any]:
    """The JSON-LD for one derived figure: an Observation computed by its formula, its value
    only when its bounds are one exact number, else its honest bounds (see `value_properties`;
    a share in percent is a real quantity, a sum or difference of people a count)."""
    observation: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": RECORD_TYPES,
        "@id": f"{base_url}/v1/derived/{read.id}",
        "name": read.display,
        "description": read.statement,
        "unitText": read.unit,
        "measurementMethod": read.formula,
        "additionalProperty": [_property("approximate", read.approximate)],
        "isBasedOn": [{"@id": f"{base_url}/v1/figures/{i.id}"} for i in read.inputs],
    }
    bounds = read.bounds
    if (
        bounds is not None
        and bounds.lower is not None
        and bounds.lower == bounds.upper
        and bounds.lower_inclusive
        and bounds.upper_inclusive
    ):
        observation["value"] = plain_number(bounds.lower)
    else:
        found = bounds_properties(bounds, integer=read.unit != "percent")
        observation["additionalProperty"] += found.pop("additionalProperty", [])
        observation.update(found)
    return observation


def _record(item: Mapping[str, Any], at: str) -> dict[str, Any]:
    return {
        "@type": RECORD_TYPES,
        "@id": at,
        "name": item["display"],
        "description": item["statement"],
    }


def _members(kind: str, items: Sequence[Mapping[str, Any]], base_url: str) -> dict[str, Any]:
    """A list's items under the property that says what they are to the list."""
    if kind == "figures":
        return {"hasPart": [_record(i, f"{base_url}/v1/figures/{i['id']}") for i in items]}
    if kind == "derived":
        return {"hasPart": [_record(i, f"{base_url}/v1/derived/{i['id']}") for i in items]}
    if kind == "measures":
        return {"variableMeasured": [variable(SimpleNamespace(**i), base_url) for i in items]}
    return {"citation": [article(SimpleNamespace(**i), base_url) for i in items]}


def list_document(
    kind: str, items: Sequence[Mapping[str, Any]], page_url: str, base_url: str
) -> dict[str, Any]:
    """A page of a list (figures, derived, measures or sources, as their JSON items) as the
    schema.org Dataset it is, at the page's own URL: its figures as parts, its measures as
    the variables it measures, its sources as what it cites; each item links its own `@id`.
    The next page is in the `Link` header, as for JSON."""
    return {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": page_url,
        "name": f"deportation-stats: {kind}",
        "license": LICENSE,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "deportation-stats"},
        **_members(kind, items, base_url),
    }
