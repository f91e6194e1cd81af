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
from app.services.tokens import create_token
from conftest import make_settings
from helpers import DATA_DIR, database_url

# Statuses a schema-valid request may still get. Every check stays on; each status here is a
# rule the OpenAPI document cannot state, with its reason:
SCHEMA_VALID_BUT_REFUSED = {
    # 404: an id that matches the slug pattern names no figure, measure, source or derived.
    "404",
    # 409: a new figure or source whose id (a valid slug) is taken, or a retraction of a
    # figure already retracted.
    "409",
    # 412: an If-Match that is a well-formed ETag, but not the figure's current one.
    "412",
    # 422, for rules beyond a schema: a cursor that matches the base64url pattern but was not
    # made by this API (or was made for another sort); a date that matches YYYY-MM-DD but does
    # not exist (2017-02-30); `to` before `from`; a measure or source filter that matches the
    # slug pattern but names nothing; a quote not found in the source text, a value that does
    # not match its value_text, a span off its text, bounds a relation contradicts.
    "422",
    # 428: If-Match is optional in the schema (a retraction may omit it) but a PATCH needs it.
    "428",
}
CONFIG: dict = {
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
    """The app on a database of its own, with an admin token the fuzzer writes with.

    Built at import: Schemathesis's lazy fixture loader needs a pytest internal that pytest 9.2
    no longer has. Rate limits are lifted so that thousands of writes are judged on their
    content, not their pace (the limits have their own tests)."""
    folder = Path(tempfile.mkdtemp(prefix="depstats-contract-"))
    settings_ = make_settings(
        database_url(folder, "contract"),
        write_rate_limit="1000000/minute",
        auth_failure_rate_limit="1000000/minute",
    )
    engine = create_db_engine(settings_)
    migrate.upgrade(engine, settings_)
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(DATA_DIR))
        _, secret = create_token(session, name="fuzzer", scope="admin")
    engine.dispose()
    CONFIG["headers"] = {"Authorization": f"Bearer {secret}"}
    return create_app(settings_)


APP = _app()
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
@settings(max_examples=100, deadline=None)
def test_every_operation_keeps_its_contract(case) -> None:
    case.call_and_validate()
