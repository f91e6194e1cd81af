"""Corrections and retractions of figures, newest first, for the Atom feeds: each revision
after a figure's first, dated as it was made (a load dates a correction by its day in
data/corrections.toml), with what it changed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import CHANGES, Measure, Revision
from app.qualifiers import Qualifier, display
from app.statements import counted_name

# What a revision's state names a field, as a title says it.
FIELD_WORDS = {
    "value_text": "number as printed",
    "quote_span": "quote's place",
    "value_span": "number's place",
    "as_of": "date",
    "retraction_reason": "retraction reason",
}
# Fields a retraction sets: the entry says "retracted", not that these changed.
RETRACTION_FIELDS = {"status", "retraction_reason"}


@dataclass(frozen=True)
class Change:
    """One correction or retraction of a figure."""

    figure_id: str
    number: int  # the revision it made
    at: datetime
    actor: str
    reason: str
    retracted: bool  # this revision retracted the figure
    changed: list[str]  # the fields it changed, in words; empty for a retraction alone
    display: str  # the figure's number as the revision left it: "more than 1,900"
    measure_name: str  # what it counts: its measure's name, narrowed as its source narrows it


def recent_changes(session: Session, *, figure_id: str | None = None, limit: int) -> list[Change]:
    """The newest `limit` corrections and retractions, of every figure or of one. Read from
    the partial index of figure revisions after the first (migration 0007), then their
    previous states and the measures' names: three small queries however many figures there are."""
    # `number > 1` written out, as the partial index says it: a bound parameter in its place
    # would not let the planner know that the index covers the query.
    statement = select(Revision).where(Revision.resource == "figure", text(CHANGES))
    if figure_id is not None:
        statement = statement.where(Revision.resource_id == figure_id)
    revisions = list(
        session.scalars(
            statement.order_by(Revision.created_at.desc(), Revision.id.desc()).limit(limit)
        )
    )
    if not revisions:
        return []
    before = _states(session, {(r.resource_id, r.number - 1) for r in revisions})
    names = {
        measure_id: (name, subject)
        for measure_id, name, subject in session.execute(
            select(Measure.id, Measure.name, Measure.subject).where(
                Measure.id.in_({r.state["measure"] for r in revisions})
            )
        )
    }
    return [
        _change(revision, before.get((revision.resource_id, revision.number - 1), {}), names)
        for revision in revisions
    ]


def last_change(session: Session) -> datetime | None:
    """When the dataset last changed, as its newest revision says (read by the primary key,
    not by a scan): a feed with no entry yet is dated by it."""
    return session.scalar(select(Revision.created_at).order_by(Revision.id.desc()).limit(1))


def _states(session: Session, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """The states of these (figure, revision number)s. Asked by figure (the unique index's
    `resource, resource_id`) and picked here: an OR of pairs is a scan on SQLite."""
    rows = session.execute(
        select(Revision.resource_id, Revision.number, Revision.state).where(
            Revision.resource == "figure",
            Revision.resource_id.in_({figure_id for figure_id, _ in wanted}),
            Revision.number.in_({number for _, number in wanted}),
        )
    )
    return {(i, n): state for i, n, state in rows if (i, n) in wanted}


def _change(
    revision: Revision, before: dict[str, Any], names: dict[str, tuple[str, str]]
) -> Change:
    state = revision.state
    retracted = state.get("status") == "retracted" and before.get("status") != "retracted"
    changed = [
        FIELD_WORDS.get(name, name.replace("_", " "))
        for name in sorted(state.keys() | before.keys())
        if state.get(name) != before.get(name) and not (retracted and name in RETRACTION_FIELDS)
    ]
    name, subject = names.get(state["measure"], (state["measure"], state["measure"]))
    return Change(
        figure_id=revision.resource_id,
        number=revision.number,
        at=revision.created_at,
        actor=revision.actor,
        reason=revision.reason,
        retracted=retracted,
        changed=changed,
        display=display(Qualifier(state["qualifier"]), state["value"]),
        # What it counts as the revision left it: "... convicted of crimes ..." for the 28.
        measure_name=counted_name(name, subject, (state.get("wording") or {}).get("restriction")),
    )
