"""Figures: the list with its filters, one figure, and its history."""

from fastapi import APIRouter, Request, Response

from app.deps import FigureDep, FigureListDep, SessionDep
from app.openapi import problem_responses
from app.routers import page_of
from app.schemas import FigureRead, Page, RevisionRead
from app.services import figures
from app.services.figures import FigureList

router = APIRouter(prefix="/v1/figures", tags=["figures"])


def figure_page(
    request: Request, response: Response, result: FigureList, limit: int
) -> Page[FigureRead]:
    items = [FigureRead.of(f, result.incoming.get(f.id, [])) for f in result.items]
    return page_of(
        request, response, items, total=result.total, limit=limit, next_cursor=result.next_cursor
    )


@router.get("", response_model=Page[FigureRead], responses=problem_responses(422))
def list_figures(
    request: Request, response: Response, query: FigureListDep, session: SessionDep
) -> Page[FigureRead]:
    """Figures matching the filters, a page at a time (follow `next`)."""
    result = figures.list_figures(
        session, filters=query.filters, sort=query.sort, limit=query.limit, cursor=query.cursor
    )
    return figure_page(request, response, result, query.limit)


@router.get("/{figure_id}", response_model=FigureRead, responses=problem_responses(404))
def read_figure(figure: FigureDep, session: SessionDep) -> FigureRead:
    """One figure: its value and qualifier, the exact quote and its spans, who said it, when."""
    incoming = figures.incoming_relations(session, [figure.id])
    return FigureRead.of(figure, incoming.get(figure.id, []))


@router.get(
    "/{figure_id}/history", response_model=list[RevisionRead], responses=problem_responses(404)
)
def read_figure_history(figure: FigureDep, session: SessionDep) -> list[RevisionRead]:
    """Every revision of the figure, oldest first, each with the full state it produced."""
    return [
        RevisionRead(
            number=r.number, actor=r.actor, reason=r.reason, created_at=r.created_at, state=r.state
        )
        for r in figures.figure_history(session, figure.id)
    ]
