"""The pages a sitemap lists, in files of at most N URLs: where each file starts, and what
one file holds, read by keyset (in id order from its first id), so each file costs a walk of
its own N rows however many figures there are."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from app.models import Derived, DerivedInput, Figure, Measure, Source

# The kinds of page with one per row, by the name their sitemap files go by.
KINDS: dict[str, tuple[type[Any], str]] = {
    "figures": (Figure, "figure"),
    "sources": (Source, "source"),
    "measures": (Measure, "measure"),
    "derived": (Derived, "derived"),
}


@dataclass(frozen=True)
class Entry:
    """One page: its kind and id, and when what it shows last changed, if the data says."""

    kind: str
    id: str
    lastmod: datetime | None


def file_starts(session: Session, name: str, *, size: int) -> list[str]:
    """The first id of each file of `size` rows. Each is found from the one before it (`id >=`
    the previous start, then `size` entries on in the id index): one walk of the index in
    all, nothing sent back but the starts. At 1,000,000 figures this took 62 ms on SQLite,
    where `row_number()` over the same index took 2 to 4 s (bench/RESULTS.md). The files
    themselves are read by keyset from these starts (`entries`)."""
    model = KINDS[name][0]
    first = session.scalar(select(func.min(model.id)))
    starts = [] if first is None else [first]
    while starts:
        following = session.scalar(
            select(model.id).where(model.id >= starts[-1]).order_by(model.id).offset(size).limit(1)
        )
        if following is None:
            break
        starts.append(following)
    return starts


def entries(session: Session, name: str, *, start: str | None, size: int) -> list[Entry]:
    """At most `size` pages of this kind from the id `start` on, in id order.

    Only a figure's date is the data's own: its latest revision's (a correction loaded from
    data/corrections.toml is dated by its day there). A derived figure changes when one of
    its inputs does, so it takes the latest of theirs. Sources and measures are given none:
    their rows are dated by the load that made them, not by the data, and what their pages
    show changes with their figures, which at a million figures is a scan to date."""
    model, kind = KINDS[name]
    if model is Figure:
        statement = select(Figure.id, Figure.updated_at)
    elif model is Derived:
        latest = (
            select(func.max(Figure.updated_at))
            .join(DerivedInput, DerivedInput.figure_id == Figure.id)
            .where(DerivedInput.derived_id == Derived.id)
            .scalar_subquery()
        )
        statement = select(Derived.id, latest)
    else:
        statement = select(model.id, null())
    if start is not None:
        statement = statement.where(model.id >= start)
    rows = session.execute(statement.order_by(model.id).limit(size))
    return [Entry(kind, item_id, lastmod) for item_id, lastmod in rows]
