"""The contract, fuzzed: Schemathesis generates valid and invalid requests for every operation
in /openapi.json and runs all its checks against the app in process."""

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy.orm import Session

from app import migrate
from app.curation import read_dataset
from app.db import create_db_engine
from app.main import create_app
from app.services.loader import load_dataset
from conftest import make_settings
from helpers import DATA_DIR

# Statuses a schema-valid request may still get. Every check stays on; each status here is a
# rule the OpenAPI document cannot state, with its reason:
SCHEMA_VALID_BUT_REFUSED = {
    # 404: an id that matches the slug pattern names no figure, measure, source or derived.
    "404",
    # 422, for rules beyond a schema: a cursor that matches the base64url pattern but was not
    # made by this API (or was made for another sort); a date that matches YYYY-MM-DD but does
    # not exist (2017-02-30); `to` before `from`; a measure or source filter that matches the
    # slug pattern but names nothing.
    "422",
}
CONFIG = {
    "seed": 20180209,
    "generation": {"mode": "all", "max-examples": 100},
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", *sorted(SCHEMA_VALID_BUT_REFUSED)],
        },
    },
}


def _app():
    # Built at import: Schemathesis's lazy fixture loader needs a pytest internal that
    # pytest 9.2 no longer has. The database is this module's own, in a temporary folder.
    folder = Path(tempfile.mkdtemp(prefix="depstats-contract-"))
    settings_ = make_settings(folder / "contract.db")
    engine = create_db_engine(settings_)
    migrate.upgrade(engine, settings_)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
    engine.dispose()
    return create_app(settings_)


schema = schemathesis.openapi.from_asgi(
    "/openapi.json", _app(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
@settings(max_examples=100, deadline=None)
def test_every_operation_keeps_its_contract(case) -> None:
    case.call_and_validate()
