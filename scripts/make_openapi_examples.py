"""Regenerate app/openapi_examples.json from real responses on a freshly loaded database.

Run it after changing a response model or the curated data:

    python scripts/make_openapi_examples.py

tests/test_openapi.py fails while the examples differ from what the API answers.
"""

import json
import sys
import tempfile

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import migrate
from app.config import PROJECT_ROOT, Settings
from app.curation import read_dataset
from app.db import create_db_engine
from app.main import create_app
from app.openapi import EXAMPLE_REQUESTS, EXAMPLES_FILE
from app.services.loader import load_dataset


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/examples.db", data_dir=PROJECT_ROOT / "data"
        )
        engine = create_db_engine(settings)
        migrate.upgrade(engine, settings)
        with Session(engine) as session, session.begin():
            load_dataset(session, read_dataset(settings.data_dir))
        engine.dispose()
        examples = {}
        with TestClient(create_app(settings)) as client:
            for operation, path in EXAMPLE_REQUESTS.items():
                response = client.get(path)
                if response.status_code != 200:
                    sys.exit(f"{path} answered {response.status_code}: {response.text}")
                examples[operation] = {"request": path, "body": response.json()}
    EXAMPLES_FILE.write_text(
        json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(examples)} examples to {EXAMPLES_FILE}")


if __name__ == "__main__":
    main()
