"""Derived figures: their definitions and the figures they are computed from."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound
from app.models import Derived, DerivedInput, Figure, Source
from app.paging import Cursor
from app.services.catalog import IdPage, page_by_id


def list_derived(session: Session, *, limit: int, cursor: Cursor | None) -> IdPage[Derived]:
    return page_by_id(
        session, Derived, limit=limit, cursor=cursor, options=(selectinload(Derived.inputs),)
    )


def get_derived(session: Session, derived_id: str) -> Derived:
    derived = session.scalars(
        select(Derived).options(selectinload(Derived.inputs)).where(Derived.id == derived_id)
    ).first()
    if derived is None:
        raise NotFound(f"no derived figure with id {derived_id!r}")
    return derived


def input_figures(session: Session, derived: Iterable[Derived]) -> dict[str, Figure]:
    """Every input of these derived figures, with its measure and source, by id."""
    ids = {i.figure_id for d in derived for i in d.inputs}
    if not ids:
        return {}
    figures = session.scalars(
        select(Figure)
        .options(
            selectinload(Figure.measure),
            selectinload(Figure.source).load_only(
                Source.id, Source.publisher, Source.published, raiseload=True
            ),
        )
        .where(Figure.id.in_(ids))
    )
    return {f.id: f for f in figures}


def derived_using(session: Session, figure_id: str) -> list[Derived]:
    """The derived figures computed from this figure, by id."""
    return list(
        session.scalars(
            select(Derived)
            .options(selectinload(Derived.inputs))
            .where(Derived.inputs.any(DerivedInput.figure_id == figure_id))
            .order_by(Derived.id)
        )
    )
