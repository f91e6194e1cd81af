"""A figure as schema.org JSON-LD: an Observation of a StatisticalVariable, its quote a Claim
appearing in a NewsArticle. The context is inline, so the document expands with no network."""

from typing import Any

from app import models
from app.schemas.fields import plain_number
from app.schemas.reads import FigureRead

MEDIA_TYPE = "application/ld+json"
CONTEXT = {"@vocab": "https://schema.org/"}


def _speaker(read: FigureRead) -> dict[str, Any]:
    said = read.attribution
    organisation = {"@type": "Organization", "name": said.organisation or read.source.publisher}
    if said.person is None:
        return organisation
    person: dict[str, Any] = {"@type": "Person", "name": said.person, "affiliation": organisation}
    if said.role:
        person["jobTitle"] = said.role
    return person


def figure_document(read: FigureRead, measure: models.Measure, base_url: str) -> dict[str, Any]:
    """The JSON-LD for one figure; `base_url` makes the ids absolute ("http://host")."""
    article: dict[str, Any] = {
        "@type": "NewsArticle",
        "@id": f"{base_url}/v1/sources/{read.source.id}",
        "headline": read.source.title,
        "publisher": {"@type": "Organization", "name": read.source.publisher},
        "datePublished": read.source.published,
    }
    if read.source.url:
        article["url"] = read.source.url
    if read.source.author:
        article["author"] = {"@type": "Person", "name": read.source.author}
    observation: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Observation",
        "@id": f"{base_url}{read.links.self}",
        "name": read.display,
        "description": read.statement,
        "value": plain_number(read.value),
        "unitText": measure.unit,
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "qualifier", "value": read.qualifier.value},
            {"@type": "PropertyValue", "name": "value_text", "value": read.value_text},
        ],
        "variableMeasured": {
            "@type": "StatisticalVariable",
            "@id": f"{base_url}/v1/measures/{measure.id}",
            "name": measure.name,
            "description": measure.definition,
        },
        "subjectOf": {
            "@type": "Claim",
            "text": read.quote,
            "author": _speaker(read),
            "appearance": article,
        },
    }
    if read.bounds is not None:
        # schema.org's min/max carry no open or closed end; the qualifier above says which.
        if read.bounds.lower is not None:
            observation["minValue"] = plain_number(read.bounds.lower)
        if read.bounds.upper is not None:
            observation["maxValue"] = plain_number(read.bounds.upper)
    if read.as_of is not None:
        observation["observationDate"] = read.as_of
    if read.period is not None:
        observation["observationPeriod"] = f"{read.period.start}/{read.period.end}"
    return observation
