"""Proposed figures: the extractor run on a posted text, for a curator to review."""

from fastapi import APIRouter

from app.auth import WriterDep
from app.dates import parse_partial_date
from app.deps import SessionDep
from app.openapi import problem_responses
from app.schemas.candidates import ExtractionRead
from app.schemas.inputs import ExtractRequest
from app.services import catalog

router = APIRouter(prefix="/v1/extract", tags=["extraction"])


@router.post(
    "",
    response_model=ExtractionRead,
    responses=problem_responses(400, 401, 413, 415, 422, 429),
)
def propose_figures(item: ExtractRequest, token: WriterDep, session: SessionDep) -> ExtractionRead:
    """Propose candidate figures from a posted text (scope `write`; the body limit applies,
    and each call counts against the write rate limit).

    Nothing is stored: each candidate is in the shape of `data/figures/*.toml`, with the
    reasons it was kept, and every number not proposed (a year, an age, money...) is listed
    with the reason why. A person reviews them; `POST /v1/figures` adds those they keep."""
    from app.extract import extract  # imported when first used: see catalog.known_measures

    measures = catalog.known_measures(session)
    # Reading a long text takes seconds: end the read transaction before it.
    session.commit()
    found = extract(
        item.text, parse_partial_date(item.published), publisher=item.publisher, measures=measures
    )
    return ExtractionRead.model_validate(
        {
            "candidates": [c.as_dict() for c in found.candidates],
            "skipped": [s.as_dict() for s in found.skipped],
        }
    )
