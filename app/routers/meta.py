"""The API's front door, and the liveness and readiness probes."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, migrate
from app.deps import SessionDep, SettingsDep
from app.errors import Unavailable
from app.guards import JsonOnly, JsonOrHome
from app.mapping import counts_read
from app.openapi import problem_responses
from app.responses import base_url
from app.schemas.reads import DatasetInfo, Health, License, Readiness
from app.services import catalog
from app.tables import TABLES, datapackage, source_rows
from app.tabular import pandas_options, table_schema

router = APIRouter(tags=["meta"])

TableName = Literal["figures", "measures", "sources", "derived"]

LICENSE = License(
    name="CC-BY-4.0",
    url="https://creativecommons.org/licenses/by/4.0/",
    note="The curated dataset (figures, measures, derived figures) is published under CC BY "
    "4.0. Source texts remain the copyright of their publishers and are stored and served "
    "only so that every quote can be verified.",
)


@router.get(
    "/v1", response_model=DatasetInfo, responses=problem_responses(406), dependencies=[JsonOrHome]
)
def read_dataset(session: SessionDep) -> DatasetInfo:
    """What the dataset holds, its version and last change, its licence, and where to go."""
    summary = catalog.dataset_summary(session)
    return DatasetInfo(
        name="deportation-stats",
        api_version=__version__,
        dataset_version=summary.version,
        last_change=summary.last_change,
        counts=counts_read(summary),
        license=LICENSE,
        links={
            "figures": "/v1/figures",
            "measures": "/v1/measures",
            "sources": "/v1/sources",
            "derived": "/v1/derived",
            "datapackage": "/v1/datapackage.json",
            "openapi": "/openapi.json",
            "docs": "/docs",
        },
    )


@router.get("/v1/datapackage.json", responses=problem_responses(406), dependencies=[JsonOnly])
def read_datapackage(request: Request, session: SessionDep) -> dict[str, Any]:
    """The whole dataset as a Frictionless Data Package: a resource per table with its CSV URL
    and field schema, the sources and the licence. `depstats export DIR` writes the same
    package to disk."""
    base = base_url(request)
    return datapackage(lambda name: f"{base}/v1/{name}?format=csv", list(source_rows(session)))  # type: ignore[arg-type]


@router.get(
    "/v1/pandas/{table}", responses=problem_responses(404, 406, 422), dependencies=[JsonOnly]
)
def read_pandas_options(
    table: Annotated[TableName, Path(description="figures, measures, sources or derived.")],
) -> dict[str, Any]:
    """How pandas reads a table's CSV in the right types: `pd.read_csv(csv_url,
    **httpx.get(this_url).json())`. Built from the Data Package's field types: nullable
    integer, float and boolean dtypes, full dates and timestamps parsed, the rest (partial
    dates such as `2017-12` among it) text, and only an empty cell missing."""
    return pandas_options(table_schema(TABLES[table].model))


# Probes describe this process now: no cache may keep their answer.
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz", response_model=Health)
def health(response: Response) -> Health:
    """Liveness: the process answers. The route reads no table; the response cache in front
    of every GET still reads the dataset's version, and stands aside if it cannot."""
    response.headers.update(NO_STORE)
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
def ready(request: Request, response: Response, settings: SettingsDep) -> Readiness:
    """Readiness: the database answers and its schema is at the newest migration."""
    response.headers.update(NO_STORE)
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
