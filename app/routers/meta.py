"""The API's front door, and the liveness and readiness probes."""

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, migrate
from app.deps import SessionDep, SettingsDep
from app.errors import Unavailable
from app.openapi import problem_responses
from app.schemas import Counts, DatasetInfo, Health, License, Readiness
from app.services import catalog

router = APIRouter(tags=["meta"])

LICENSE = License(
    name="CC-BY-4.0",
    url="https://creativecommons.org/licenses/by/4.0/",
    note="The curated dataset (figures, measures, derived figures) is published under CC BY "
    "4.0. Source texts remain the copyright of their publishers and are stored and served "
    "only so that every quote can be verified.",
)


@router.get("/v1", response_model=DatasetInfo)
def read_dataset(session: SessionDep) -> DatasetInfo:
    """What the dataset holds, its version and last change, its licence, and where to go."""
    summary = catalog.dataset_summary(session)
    return DatasetInfo(
        name="deportation-stats",
        api_version=__version__,
        dataset_version=summary.version,
        last_change=summary.last_change,
        counts=Counts(
            sources=summary.sources,
            measures=summary.measures,
            figures=summary.figures,
            retracted_figures=summary.retracted_figures,
            derived=summary.derived,
        ),
        license=LICENSE,
        links={
            "figures": "/v1/figures",
            "measures": "/v1/measures",
            "sources": "/v1/sources",
            "derived": "/v1/derived",
            "openapi": "/openapi.json",
            "docs": "/docs",
        },
    )


@router.get("/healthz", response_model=Health)
def health() -> Health:
    """Liveness: the process answers. It touches no database."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
def ready(request: Request, settings: SettingsDep) -> Readiness:
    """Readiness: the database answers and its schema is at the newest migration."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        raise Unavailable(f"database not reachable: {type(exc).__name__}") from None
    head = migrate.head_revision(settings)
    if current != head:
        raise Unavailable(f"database not ready: schema is at {current}, head is {head}")
    return Readiness(status="ready", database=engine.dialect.name, schema_revision=current)
