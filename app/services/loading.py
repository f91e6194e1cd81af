"""What a figure's representation loads with it: its measure, its source (without the full
text) and its relations, for a list (with_related) or for one figure (with_related_joined)."""

from sqlalchemy import Select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.models import Figure, FigureRelation, Source

# What a figure's representation shows of its source: all but the full text.
SOURCE_SHOWN = (
    Source.id,
    Source.title,
    Source.publisher,
    Source.author,
    Source.published,
    Source.url,
    Source.language,
)
_TARGET = aliased(Figure)


def with_related(statement: Select[Figure]) -> Select[Figure]:
    """Load what a figure's representation shows, without the source's full text."""
    return statement.join(Figure.measure).options(
        contains_eager(Figure.measure),
        selectinload(Figure.source).load_only(*SOURCE_SHOWN, raiseload=True),
        selectinload(Figure.relations)
        .joinedload(FigureRelation.target)
        .load_only(Figure.id, Figure.value, Figure.qualifier, raiseload=True),
    )


def with_related_joined(statement: Select[Figure]) -> Select[Figure]:
    """What with_related loads, in one query rather than three: for one figure, whose few
    relations multiply its row a few times (a page of a list would be multiplied by all of
    its figures' relations: it keeps with_related)."""
    return (
        statement.join(Figure.measure)
        .join(Figure.source)
        .outerjoin(Figure.relations)
        .outerjoin(_TARGET, FigureRelation.target)
        .options(
            contains_eager(Figure.measure),
            contains_eager(Figure.source).load_only(*SOURCE_SHOWN, raiseload=True),
            contains_eager(Figure.relations)
            .contains_eager(FigureRelation.target.of_type(_TARGET))
            .load_only(_TARGET.id, _TARGET.value, _TARGET.qualifier, raiseload=True),
        )
        .order_by(*Figure.relations.property.order_by)  # the relationship's own order
    )
