"""Load a checked `data/` folder into the database: idempotent, and every change kept as a revision.

`data/` and the write API are two doors to one dataset, so a load never silently undoes a
change made through the API: such an item is refused by name unless `overwrite` is given
with a reason. A figure missing from `data/` is left alone unless `retract_missing`.

A figure `data/corrections.toml` corrects is loaded as its history: revision 1 as first
curated, then a revision for each correction it does not hold yet, with that correction's
reason, so that a fresh database and an old one tell the same history.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.curation import Dataset
from app.dates import parse_partial_date
from app.db import utcnow
from app.errors import Conflict
from app.mapping import derived_state, figure_state, measure_state, source_state
from app.models import Derived, DerivedInput, Figure, FigureRelation, Measure, Revision, Source
from app.schemas.inputs import DerivedCreate, FigureCreate, MeasureCreate, SourceCreate
from app.services import renders

LOAD_ACTOR = "load"


def revised_by(actor: str) -> str:
    """Who made a revision, as a page or a feed says it to a reader: a load is the curators
    publishing the dataset's files; any other actor is the name of the API token that wrote."""
    return "the curators, from the dataset's files" if actor == LOAD_ACTOR else actor


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retracted)

    def __str__(self) -> str:
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"retracted {len(self.retracted)}, unchanged {self.unchanged}"
        )


class LoadRefused(Conflict):
    """Loading would undo changes made by someone other than `load`."""


def load_dataset(
    session: Session,
    dataset: Dataset,
    *,
    reason: str | None = None,
    overwrite: bool = False,
    retract_missing: bool = False,
) -> LoadReport:
    """Make the database hold `dataset`; flushes but never commits (the caller owns that)."""
    if overwrite and not reason:
        raise ValueError("overwriting changes made through the API needs a reason")
    loader = _Loader(session, dataset, reason=reason, overwrite=overwrite)
    loader.sync("source", Source, dataset.sources, source_state, apply_source)
    loader.sync("measure", Measure, dataset.measures, measure_state, apply_measure)
    loader.sync(
        "figure",
        Figure,
        dataset.figures,
        figure_state,
        apply_figure,
        options=[selectinload(Figure.relations)],
    )
    loader.sync(
        "derived",
        Derived,
        dataset.derived,
        derived_state,
        apply_derived,
        options=[selectinload(Derived.inputs)],
    )
    if loader.refused:
        raise LoadRefused(
            "load refused: these were changed by someone other than `load` since; "
            "load again with --overwrite and a --reason to replace them:\n"
            + "\n".join(loader.refused)
        )
    if retract_missing:
        loader.retract_missing_figures()
    touched = loader.touched
    renders.refresh(
        session,
        figures=touched["figure"],
        measures=touched["measure"],
        sources=touched["source"],
    )
    return loader.report


def record_revision(
    session: Session,
    kind: str,
    item_id: str,
    number: int,
    state: dict[str, Any],
    *,
    actor: str,
    reason: str,
    at: datetime,
) -> None:
    """Append the immutable record of one change: the full state it produced, who, why."""
    session.add(
        Revision(
            resource=kind,
            resource_id=item_id,
            number=number,
            state=state,
            actor=actor,
            reason=reason,
            created_at=at,
        )
    )


def apply_source(source: Source, item: SourceCreate) -> None:
    for name in SourceCreate.model_fields:
        setattr(source, name, getattr(item, name))


def apply_measure(measure: Measure, item: MeasureCreate) -> None:
    for name in MeasureCreate.model_fields:
        setattr(measure, name, getattr(item, name))


def apply_derived(derived: Derived, item: DerivedCreate) -> None:
    for name in DerivedCreate.model_fields.keys() - {"inputs"}:
        setattr(derived, name, getattr(item, name))
    # Rows are keyed by position: change them in place rather than delete and insert again.
    for position, figure_id in enumerate(item.inputs):
        if position < len(derived.inputs):
            derived.inputs[position].figure_id = figure_id
        else:
            derived.inputs.append(DerivedInput(position=position, figure_id=figure_id))
    del derived.inputs[len(item.inputs) :]


def apply_figure(figure: Figure, item: FigureCreate) -> None:
    figure.measure_id, figure.source_id = item.measure, item.source
    figure.value, figure.qualifier, figure.value_text = item.value, item.qualifier, item.value_text
    if item.period is not None:
        figure.period_start, figure.period_end, figure.as_of = (
            item.period.start,
            item.period.end,
            None,
        )
        start, end = parse_partial_date(item.period.start), parse_partial_date(item.period.end)
    else:
        assert item.as_of is not None
        figure.period_start = figure.period_end = None
        figure.as_of = item.as_of
        start = end = parse_partial_date(item.as_of)
    figure.time_start, figure.time_end = start.first_day(), end.last_day()
    figure.stated, figure.quote = item.stated, item.quote
    figure.quote_start, figure.quote_end = item.quote_span.start, item.quote_span.end
    figure.value_start, figure.value_end = item.value_span.start, item.value_span.end
    figure.attribution_person = item.attribution.person
    figure.attribution_role = item.attribution.role
    figure.attribution_organisation = item.attribution.organisation
    figure.attribution_text = item.attribution.text
    figure.note = item.note
    figure.wording_restriction = item.wording.restriction
    figure.wording_time_words = item.wording.time_words
    figure.wording_timing = item.wording.timing
    figure.wording_agent = item.wording.agent
    wanted = {(r.type, r.figure) for r in item.relations}
    # Keep the relation rows that stay, so that no row is deleted and inserted again.
    figure.relations = [r for r in figure.relations if (r.type, r.target_id) in wanted]
    kept = {(r.type, r.target_id) for r in figure.relations}
    figure.relations += [FigureRelation(type=t, target_id=f) for t, f in sorted(wanted - kept)]


class _Loader:
    def __init__(
        self, session: Session, dataset: Dataset, *, reason: str | None, overwrite: bool
    ) -> None:
        self.session, self.dataset = session, dataset
        self.reason, self.overwrite = reason, overwrite
        self.report = LoadReport()
        self.history = {("figure", i): states for i, states in dataset.history.items()}
        self.refused: list[str] = []
        self.now = utcnow()
        # What changed, by kind, for renders.refresh; a figure's relations' old targets too.
        self.touched: dict[str, set[str]] = {"figure": set(), "measure": set(), "source": set()}

    def _touch(self, kind: str, row: Any) -> None:
        if kind in self.touched:
            self.touched[kind].add(row.id)
        if kind == "figure":
            self.touched[kind].update(relation.target_id for relation in row.relations)

    def sync(
        self,
        kind: str,
        model: type[Any],
        items: dict[str, Any],
        state_of: Callable[[Any], dict[str, Any]],
        apply: Callable[[Any, Any], None],
        options: list[Any] | None = None,
    ) -> None:
        existing = {
            row.id: row for row in self.session.scalars(select(model).options(*(options or [])))
        }
        last_actors = self._last_actors(kind)
        for item_id, item in items.items():
            file = f"data/{self.dataset.files[(kind, item_id)]}"
            state = state_of(item)
            # (reason, state) of each revision data/ holds for it: one, unless corrected.
            states = [(r, state_of(i)) for r, i in self.history.get((kind, item_id), [])]
            row = existing.get(item_id)
            if row is None:
                first_at = self._dated(kind, item_id, 1)
                row = model(id=item_id, created_at=first_at, updated_at=first_at)
                if kind == "figure":
                    row.relations = []
                elif kind == "derived":
                    row.inputs = []
                apply(row, item)
                self.session.add(row)
                self._touch(kind, row)
                first = states[0][1] if states else state
                self._revise(kind, row, 1, first, self.reason or f"loaded from {file}")
                for number, (reason, later) in enumerate(states[1:], 2):
                    row.revision = number
                    row.updated_at = self._dated(kind, item_id, number)
                    self._revise(kind, row, number, later, reason or "")
                self.report.created.append(f"{kind} {item_id}")
                continue
            now = state_of(row)
            if now == state:
                self.report.unchanged += 1
                continue
            actor = last_actors.get(item_id, LOAD_ACTOR)
            if actor != LOAD_ACTOR and not self.overwrite:
                self.refused.append(f"{file}: {kind} {item_id!r} was last changed by {actor!r}")
                continue
            self._touch(kind, row)  # before: its old relations' targets
            apply(row, item)
            if kind == "figure":
                row.status, row.retraction_reason = "published", None
            held = [i for i, (_, s) in enumerate(states) if s == now]
            if held and actor == LOAD_ACTOR:
                # The corrections it does not hold yet, each its own revision and reason.
                for number, (reason, later) in enumerate(states[held[-1] + 1 :], held[-1] + 2):
                    self._bump(kind, row, later, reason or "", self._dated(kind, item_id, number))
            else:
                self._bump(kind, row, state, self.reason or f"changed in {file}")
            self.report.updated.append(f"{kind} {item_id}")

    def retract_missing_figures(self) -> None:
        missing = self.session.scalars(
            select(Figure)
            .options(selectinload(Figure.relations))
            .where(Figure.status == "published", Figure.id.not_in(self.dataset.figures))
        )
        for figure in missing:
            self._touch("figure", figure)
            figure.status = "retracted"
            figure.retraction_reason = self.reason or "missing from data/ (load --retract-missing)"
            self._bump(
                "figure",
                figure,
                figure_state(figure),
                self.reason or "missing from data/ (load --retract-missing)",
            )
            self.report.retracted.append(f"figure {figure.id}")

    def _bump(
        self, kind: str, row: Any, state: dict[str, Any], reason: str, at: datetime | None = None
    ) -> None:
        number = self._latest_number(kind, row.id) + 1
        if hasattr(row, "revision"):
            row.revision = number
        row.updated_at = at or self.now
        self._revise(kind, row, number, state, reason)

    def _revise(self, kind: str, row: Any, number: int, state: dict[str, Any], reason: str) -> None:
        """Record the revision the row now stands at, dated as the row's `updated_at`."""
        record_revision(
            self.session,
            kind,
            row.id,
            number,
            state,
            actor=LOAD_ACTOR,
            reason=reason,
            at=row.updated_at,
        )

    def _dated(self, kind: str, item_id: str, held: int) -> datetime:
        """When data/ says its `held`-th revision was made (midnight UTC of that day), else
        now: a figure's from its file's `curated` day and its corrections' days."""
        days = self.dataset.dated.get(item_id, []) if kind == "figure" else []
        day = days[held - 1] if held <= len(days) else None
        return datetime.combine(day, time(), tzinfo=UTC) if day else self.now

    def _latest_number(self, kind: str, item_id: str) -> int:
        return (
            self.session.scalar(
                select(func.coalesce(func.max(Revision.number), 0)).where(
                    Revision.resource == kind, Revision.resource_id == item_id
                )
            )
            or 0
        )

    def _last_actors(self, kind: str) -> dict[str, str]:
        latest = (
            select(Revision.resource_id, func.max(Revision.number).label("number"))
            .where(Revision.resource == kind)
            .group_by(Revision.resource_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Revision.resource_id, Revision.actor)
            .join(
                latest,
                (Revision.resource_id == latest.c.resource_id)
                & (Revision.number == latest.c.number),
            )
            .where(Revision.resource == kind)
        )
        return {resource_id: actor for resource_id, actor in rows}
