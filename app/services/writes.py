"""Writes over HTTP: add a source; create, correct and retract figures. Every change appends
an immutable revision holding the full state it produced, who made it and why."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Conflict, NotFound, field_errors, invalid, invalid_field
from app.mapping import figure_create, figure_state, source_state
from app.models import Figure, FigureRelation, Measure, Source
from app.rules import Around, figure_rules
from app.schemas.inputs import (
    FigureCreate,
    FigureCreateBody,
    FigureUpdate,
    SourceCreate,
)
from app.services import renders
from app.services.figures import get_figure
from app.services.loader import apply_figure, apply_source, record_revision

CREATED = "created through the API"


def create_source(session: Session, item: SourceCreate, *, actor: str) -> Source:
    if session.get(Source, item.id) is not None:
        raise Conflict(f"source id {item.id!r} is taken")
    now = utcnow()
    source = Source(id=item.id, revision=1, created_at=now, updated_at=now)
    apply_source(source, item)
    session.add(source)
    record_revision(
        session, "source", item.id, 1, source_state(item), actor=actor, reason=CREATED, at=now
    )
    session.flush()
    return source


def lock_figure(session: Session, figure_id: str) -> Figure:
    """The figure, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's write lock
    is already held), so that its revision cannot move between the If-Match check and the
    write; loaded with what its representation shows."""
    locked = session.scalar(select(Figure.id).where(Figure.id == figure_id).with_for_update())
    if locked is None:
        raise NotFound(f"no figure with id {figure_id!r}")
    return get_figure(session, figure_id, fresh=True)


def create_figure(session: Session, submitted: FigureCreateBody, *, actor: str) -> Figure:
    if session.get(Figure, submitted.id) is not None:
        raise Conflict(
            f"figure id {submitted.id!r} is taken; figure ids never change, so "
            "choose another or correct that figure with PATCH"
        )
    item = _complete(session, submitted.model_dump(mode="json", exclude={"reason"}))
    now = utcnow()
    figure = Figure(id=item.id, revision=1, status="published", created_at=now, updated_at=now)
    figure.relations = []
    apply_figure(figure, item)
    session.add(figure)
    record_revision(
        session,
        "figure",
        item.id,
        1,
        figure_state(item),
        actor=actor,
        reason=submitted.reason or CREATED,
        at=now,
    )
    renders.refresh(session, figures=[figure.id])
    return figure


def correct_figure(session: Session, figure: Figure, patch: FigureUpdate, *, actor: str) -> Figure:
    """Change only the fields given; a new revision if anything changed."""
    changes = patch.model_dump(mode="json", exclude_unset=True, exclude={"reason"})
    merged: dict[str, Any] = {**figure_create(figure).model_dump(mode="json"), **changes}
    # A moved quote or number is found again unless its new span is given.
    if "quote" in changes and "quote_span" not in changes:
        merged["quote_span"] = None
    if ({"quote", "value_text"} & changes.keys()) and "value_span" not in changes:
        merged["value_span"] = None
    # A flow becomes a stock (or back) by giving the other field alone.
    if changes.get("as_of") and "period" not in changes:
        merged["period"] = None
    if changes.get("period") and "as_of" not in changes:
        merged["as_of"] = None
    item = _complete(session, merged)
    state = figure_state(item, status=figure.status)
    if state == figure_state(figure):
        return figure
    related_before = [relation.target_id for relation in figure.relations]
    apply_figure(figure, item)
    _new_revision(session, figure, state, actor=actor, reason=patch.reason)
    renders.refresh(session, figures=[figure.id, *related_before])
    return figure


def retract_figure(session: Session, figure: Figure, *, reason: str, actor: str) -> Figure:
    """Retracted, never deleted: it leaves the lists and stays at its URL with its history."""
    if figure.status == "retracted":
        raise Conflict(f"figure {figure.id!r} is retracted already")
    figure.status, figure.retraction_reason = "retracted", reason
    _new_revision(session, figure, figure_state(figure), actor=actor, reason=reason)
    renders.refresh(session, figures=[figure.id])
    return figure


def _new_revision(
    session: Session, figure: Figure, state: dict[str, Any], *, actor: str, reason: str
) -> None:
    figure.revision += 1
    figure.updated_at = utcnow()
    record_revision(
        session,
        "figure",
        figure.id,
        figure.revision,
        state,
        actor=actor,
        reason=reason,
        at=figure.updated_at,
    )
    session.flush()


def _complete(session: Session, data: dict[str, Any]) -> FigureCreate:
    """Find missing spans in the source text, validate like `depstats check`, and check the
    figure against what the database holds; 422 naming the field otherwise."""
    found = session.execute(
        select(Source.text, Source.published, Source.publisher).where(Source.id == data["source"])
    ).first()
    if found is None:
        raise invalid_field("body", "source", f"no source with id {data['source']!r}")
    text, published, publisher = found
    quote, value_text = data["quote"], data["value_text"]
    if data.get("quote_span") is None:
        start = _only_place(text, quote, "quote", "quote_span", "the source text")
        data["quote_span"] = {"start": start, "end": start + len(quote)}
    if data.get("value_span") is None:
        start = data["quote_span"]["start"]
        start += _only_place(quote, value_text, "value_text", "value_span", "the quote")
        data["value_span"] = {"start": start, "end": start + len(value_text)}
    try:
        item = FigureCreate.model_validate(data)
    except ValidationError as exc:
        raise invalid(field_errors(exc.errors(), location="body")) from None
    measure = session.execute(
        select(Measure.kind, Measure.event).where(Measure.id == item.measure)
    ).first()
    around = Around(
        measure_kind=measure.kind if measure else None,
        measure_event=measure.event if measure else None,
        publisher=publisher,
        source=(text, published),
        figure=lambda figure_id: _curated(session, figure_id),
        targets=lambda figure_id, kind: session.scalars(
            select(FigureRelation.target_id).where(
                FigureRelation.figure_id == figure_id, FigureRelation.type == kind
            )
        ),
    )
    broken = figure_rules(item, around)
    if broken:
        raise invalid([{"pointer": f"#/{b.field}", "location": "body", "detail": b.message}
                       for b in broken])  # fmt: skip
    return item


def _only_place(text: str, part: str, field: str, span: str, where: str) -> int:
    """Where `part` stands in `text`, when it stands there once: else a 422 asking for the
    span (found more than once) or pointing at the field (not found)."""
    times = text.count(part)
    if times == 0:
        raise invalid_field("body", field, f"{field} is not in {where}, verbatim")
    if times > 1:
        raise invalid_field("body", span, f"{field} occurs {times} times in {where}; give {span}")
    return text.index(part)


def _curated(session: Session, figure_id: str) -> FigureCreate | None:
    figure = session.scalars(
        select(Figure).options(selectinload(Figure.relations)).where(Figure.id == figure_id)
    ).first()
    return None if figure is None else figure_create(figure)
