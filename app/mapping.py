"""Stored rows as the models the API answers with, and as the state a revision keeps: every
conversion from a row to a model is here, and only here.

A field named alike on both sides is read by name (`attributes`); what the API shows
differently (a period from two columns, a display from value and qualifier, links) is said
once, in the helpers below, and every model that shows it uses them.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from app import models, statements
from app.bibliography import CitedFigure, CitedSource
from app.dates import parse_partial_date
from app.intervals import Interval, Quantity, combine, show
from app.qualifiers import Qualifier, display
from app.schemas.fields import Attribution, Bounds, Period, Span, Wording, implied_bounds
from app.schemas.inputs import DerivedCreate, FigureCreate, MeasureCreate, RelationIn, SourceCreate
from app.schemas.reads import (
    CountsRead,
    DerivedInputRead,
    DerivedRead,
    FigureInSource,
    FigureLinks,
    FigureRead,
    MeasureDetail,
    MeasureRead,
    RelationRead,
    RevisionRead,
    SeriesPoint,
    SourceDetail,
    SourceRead,
    SourceSummary,
)
from app.statements import Said, derived_statement, statement, when_phrase


def attributes(row: object, names: Iterable[str]) -> dict[str, Any]:
    """The row's attributes of these names, by name."""
    return {name: getattr(row, name) for name in names}


# --- What a figure shows of its own columns ----------------------------------------------------


def display_of(figure: models.Figure) -> str:
    return display(Qualifier(figure.qualifier), figure.value)


def period_of(figure: models.Figure) -> Period | None:
    if figure.period_start and figure.period_end:
        return Period(start=figure.period_start, end=figure.period_end)
    return None


def quote_span_of(figure: models.Figure) -> Span:
    return Span(start=figure.quote_start, end=figure.quote_end)


def value_span_of(figure: models.Figure) -> Span:
    return Span(start=figure.value_start, end=figure.value_end)


def attribution_of(figure: models.Figure) -> Attribution:
    return Attribution(
        person=figure.attribution_person,
        role=figure.attribution_role,
        organisation=figure.attribution_organisation,
        text=figure.attribution_text,
    )


def wording_of(figure: models.Figure) -> Wording:
    return Wording(
        restriction=figure.wording_restriction,
        time_words=figure.wording_time_words,
        timing=figure.wording_timing,  # type: ignore[arg-type]
        agent=figure.wording_agent,
    )


def figure_statement(figure: models.Figure) -> str:
    """The figure's ready sentence, from its measure's words, its time, attribution and source."""
    period = period_of(figure)
    said = attribution_of(figure)
    return statement(
        value=figure.value,
        qualifier=Qualifier(figure.qualifier),
        subject=figure.measure.subject,
        predicate=figure.measure.predicate,
        period=(period.start, period.end) if period else None,
        as_of=figure.as_of,
        said=Said(**said.model_dump()),
        publisher=figure.source.publisher,
        published=figure.source.published,
        retracted=figure.status == "retracted",
        wording=statements.Wording(**wording_of(figure).model_dump()),
        event=figure.measure.event,
    )


# --- Figures ------------------------------------------------------------------------------------

_INVERSE: dict[str, Literal["has_part", "restated_by"]] = {
    "part_of": "has_part",
    "restates": "restated_by",
}


# The figure's columns it shows as they are.
_OWN_COLUMNS = (
    "id", "value", "value_text", "as_of", "time_start", "time_end", "stated", "quote", "note",
    "status", "retraction_reason", "revision", "created_at", "updated_at",
)  # fmt: skip


def figure_read(
    figure: models.Figure, incoming: Sequence[models.FigureRelation] = ()
) -> FigureRead:
    """The API's view of a figure; `incoming` are relations other figures have to it."""
    qualifier = Qualifier(figure.qualifier)
    path = f"/v1/figures/{figure.id}"
    return FigureRead(
        **attributes(figure, _OWN_COLUMNS),
        measure=figure.measure_id,
        measure_name=figure.measure.name,
        source=source_summary(figure.source),
        qualifier=qualifier,
        bounds=implied_bounds(qualifier, figure.value),
        display=display_of(figure),
        statement=figure_statement(figure),
        period=period_of(figure),
        quote_span=quote_span_of(figure),
        value_span=value_span_of(figure),
        attribution=attribution_of(figure),
        wording=wording_of(figure),
        relations=[
            RelationRead(type=r.type, figure=r.target_id, display=display_of(r.target))
            for r in figure.relations
        ]
        + [
            RelationRead(type=_INVERSE[r.type], figure=r.figure_id, display=display_of(r.figure))
            for r in incoming
        ],
        links=FigureLinks(
            self=path,
            page=page_path("figure", figure.id),
            history=f"{path}/history",
            measure=f"/v1/measures/{figure.measure_id}",
            source=f"/v1/sources/{figure.source_id}",
            source_text=f"/v1/sources/{figure.source_id}/text",
        ),
    )


def series_point(figure: models.Figure) -> SeriesPoint:
    qualifier = Qualifier(figure.qualifier)
    return SeriesPoint(
        **attributes(figure, ("id", "value", "as_of", "time_start", "time_end")),
        qualifier=qualifier,
        display=display_of(figure),
        bounds=implied_bounds(qualifier, figure.value),
        period=period_of(figure),
        source=figure.source_id,
    )


def figure_create(figure: models.Figure) -> FigureCreate:
    """The figure as curated: what `data/figures/*.toml` would hold for it."""
    return FigureCreate(
        **attributes(figure, ("id", "value", "value_text", "as_of", "stated", "quote", "note")),
        measure=figure.measure_id,
        source=figure.source_id,
        qualifier=Qualifier(figure.qualifier),
        period=period_of(figure),
        quote_span=quote_span_of(figure),
        value_span=value_span_of(figure),
        attribution=attribution_of(figure),
        relations=[RelationIn(type=r.type, figure=r.target_id) for r in figure.relations],
        wording=wording_of(figure),
    )


# --- Measures and sources -----------------------------------------------------------------------


_PAGES = {
    "figure": "/figures/",
    "source": "/sources/",
    "measure": "/measures/",
    "derived": "/derived/",
}


def page_path(kind: str, item_id: str) -> str:
    """The page for people of a figure, source or measure: the permalink citations give."""
    return f"{_PAGES[kind]}{item_id}"


def measure_read(measure: models.Measure) -> MeasureRead:
    return MeasureRead(
        **attributes(measure, MeasureCreate.model_fields),
        links={
            "self": f"/v1/measures/{measure.id}",
            "page": page_path("measure", measure.id),
            "figures": f"/v1/measures/{measure.id}/figures",
        },
    )


def source_summary(source: models.Source) -> SourceSummary:
    return SourceSummary(**attributes(source, SourceSummary.model_fields))


def cited_source(source: models.Source) -> CitedSource:
    return CitedSource(**attributes(source, (f.name for f in dataclasses.fields(CitedSource))))


def cited_figure(figure: models.Figure, permalink: str) -> CitedFigure:
    """A figure's record in this dataset, cited: named by what it counts, its time and number,
    dated by its latest revision (UTC)."""
    period = period_of(figure)
    when = when_phrase(
        period=(period.start, period.end) if period else None,
        as_of=figure.as_of,
        wording=statements.Wording(**wording_of(figure).model_dump()),
    )
    counts = statements.counted_name(
        figure.measure.name, figure.measure.subject, figure.wording_restriction
    )
    return CitedFigure(
        id=figure.id,
        statement=figure_statement(figure),
        permalink=permalink,
        title=f"{counts} {when}: {display_of(figure)}",
        revision=figure.revision,
        revised=figure.updated_at.date().isoformat(),
    )


def source_read(source: models.Source) -> SourceRead:
    shown = SourceRead.model_fields.keys() - {"length", "links"}
    return SourceRead(
        **attributes(source, shown),
        length=len(source.text),
        links={
            "self": f"/v1/sources/{source.id}",
            "page": page_path("source", source.id),
            "text": f"/v1/sources/{source.id}/text",
            "figures": f"/v1/figures?source={source.id}",
        },
    )


def measure_detail(measure: models.Measure, figures: list[models.Figure]) -> MeasureDetail:
    return MeasureDetail(
        **measure_read(measure).model_dump(), figures=[series_point(f) for f in figures]
    )


def source_detail(source: models.Source, figures: list[models.Figure]) -> SourceDetail:
    return SourceDetail(
        **source_read(source).model_dump(),
        figures=[
            FigureInSource(
                id=f.id,
                display=display_of(f),
                status=f.status,
                quote_span=quote_span_of(f),
                value_span=value_span_of(f),
            )
            for f in figures
        ],
    )


# --- Derived figures ----------------------------------------------------------------------------


def derived_read(derived: models.Derived, figures: dict[str, models.Figure]) -> DerivedRead:
    """Computed from its inputs' stated numbers and the bounds their qualifiers imply (the
    arithmetic is `app.intervals`')."""
    inputs = [figures[i.figure_id] for i in derived.inputs]
    result = combine(
        derived.operation,  # type: ignore[arg-type]
        [Quantity.stated(Qualifier(f.qualifier), f.value) for f in inputs],
    )
    percent = derived.unit == "percent"
    shown = show(result, percent=percent)
    period, as_of = _common_time(inputs)
    symbol = {"sum": " + ", "difference": " - ", "ratio": " / "}[derived.operation]
    return DerivedRead(
        **attributes(derived, ("id", "name", "description", "operation", "unit", "note")),
        formula=symbol.join(f.id for f in inputs) + (" * 100" if percent else ""),
        inputs=[
            DerivedInputRead(
                id=f.id,
                display=display_of(f),
                value=f.value,
                qualifier=Qualifier(f.qualifier),
                bounds=implied_bounds(Qualifier(f.qualifier), f.value),
                status=f.status,
                link=f"/v1/figures/{f.id}",
            )
            for f in inputs
        ],
        bounds=_scaled(result.interval, 100 if percent else 1),
        display=shown.display,
        approximate=shown.approximate,
        statement=derived_statement(
            display=shown.display,
            operation=derived.operation,
            inputs=[display_of(f) for f in inputs],
            subject=derived.subject,
            predicate=derived.predicate,
            period=period,
            as_of=as_of,
            sources=[(f.source.publisher, f.source.published) for f in inputs],
            percent=percent,
            time_words=_common_time_words(inputs),
        ),
        links={"self": f"/v1/derived/{derived.id}", "page": page_path("derived", derived.id)},
    )


def _common_time_words(inputs: list[models.Figure]) -> str | None:
    """The source's words for the time, when every input says its time in the same ones."""
    words = {f.wording_time_words for f in inputs}
    return words.pop() if len(words) == 1 else None


def _scaled(interval: Interval | None, scale: int) -> Bounds | None:
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


def counts_read(summary: object) -> CountsRead:
    """What the dataset holds, from `services.catalog.DatasetSummary` (read by name)."""
    return CountsRead(**attributes(summary, CountsRead.model_fields))


def revision_read(revision: models.Revision) -> RevisionRead:
    return RevisionRead(**attributes(revision, RevisionRead.model_fields))


# --- The state a revision keeps (and a load compares) ------------------------------------------


def source_state(source: models.Source | SourceCreate) -> dict[str, Any]:
    if isinstance(source, models.Source):
        source = SourceCreate(**attributes(source, SourceCreate.model_fields))
    return source.model_dump(mode="json")


def measure_state(measure: models.Measure | MeasureCreate) -> dict[str, Any]:
    if isinstance(measure, models.Measure):
        measure = MeasureCreate(**attributes(measure, MeasureCreate.model_fields))
    return measure.model_dump(mode="json")


def figure_state(figure: models.Figure | FigureCreate, status: str = "published") -> dict[str, Any]:
    """A figure's full curated state: what a revision keeps and what a load compares."""
    if isinstance(figure, models.Figure):
        status = figure.status
        figure = figure_create(figure)
    state = figure.model_dump(mode="json", exclude={"bounds"})
    state["relations"] = sorted(state["relations"], key=lambda r: (r["type"], r["figure"]))
    state["status"] = status
    return state


def derived_state(derived: models.Derived | DerivedCreate) -> dict[str, Any]:
    if isinstance(derived, models.Derived):
        names = DerivedCreate.model_fields.keys() - {"inputs"}
        derived = DerivedCreate(
            **attributes(derived, names), inputs=[i.figure_id for i in derived.inputs]
        )
    return derived.model_dump(mode="json")
