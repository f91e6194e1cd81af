"""Several figures cited at once, for a reference manager (BibTeX, RIS or CSL-JSON): each
figure's record in this dataset, and each distinct source once."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app import citations, pages
from app.deps import Accessed, SessionDep, checked_id
from app.mapping import cited_figure
from app.openapi import citation_responses
from app.responses import export_response
from app.services import figures

router = APIRouter(prefix="/v1/citations", tags=["figures"])


@router.get("", response_class=Response, responses=citation_responses(exports_only=True))
def cite_figures(
    request: Request,
    session: SessionDep,
    figure: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=1000,
            description="A figure's id; repeat it for each figure: ?figure=a&figure=b.",
        ),
    ],
    style: Annotated[
        Literal["bibtex", "ris", "csl-json"],
        Query(description="bibtex, ris or csl-json."),
    ] = "bibtex",
    accessed: Accessed = None,
) -> Response:
    """The figures' citations in one file for a reference manager: each figure's record in
    this dataset (key `deportation-stats:{id}`), in the order asked, then each distinct
    source once (key: its id). An id that matches no figure is a 422 naming it."""
    found = figures.figures_by_id(session, [checked_id("figure", i) for i in figure])
    cited = [(f.source, cited_figure(f, pages.permalink(request, "figure", f.id))) for f in found]
    return export_response(request, citations.Style(style), cited, accessed)
