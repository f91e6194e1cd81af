"""What the sitemap and the Atom feeds cost at 1,000,000 figures: the sitemap index (which
finds where each file starts), one file of 50,000 pages from the middle, and the feeds,
each answered once uncached and once from the response cache. Times are reported, never
asserted.

    python bench/sitemap_feeds.py [--figures 1000000] [--database PATH]

The database is the article's data plus N synthetic figures, each with the revision 1 a
load would have given it (so that the feed reads past a million revisions that are no
correction). These routes read no stored render, so the figures are not rendered: the file
is made in about two minutes, and reused when it holds N synthetic figures already.
"""

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_figures

from app.config import Settings
from app.main import create_app


def make(n: int, database: Path) -> None:
    if database.exists():
        with sqlite3.connect(database) as connection:
            held = connection.execute(
                "SELECT count(*) FROM revisions WHERE resource_id LIKE 'synthetic-%'"
            ).fetchone()[0]
        if held == n:
            return
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()
    database.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DEPSTATS_DATABASE_URL": f"sqlite:///{database}"}
    depstats = Path(sys.executable).parent / "depstats"
    subprocess.run([str(depstats), "load"], env=env, check=True, capture_output=True)
    make_figures.insert_rows(database, n)
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO revisions (resource, resource_id, number, state, actor, reason, "
            "created_at) SELECT 'figure', id, 1, '{}', 'load', 'synthetic', "
            "'2026-11-26 00:00:00.000000' FROM figures WHERE id LIKE 'synthetic-%'"
        )


def timed(client: TestClient, path: str) -> tuple[float, float, int, int]:
    """Milliseconds uncached (the first answer) and cached (median of five), the gzipped
    and the plain size."""
    started = time.perf_counter()
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    uncached = (time.perf_counter() - started) * 1000
    assert first.status_code == 200, path
    assert first.headers["x-cache"] == "miss", path
    cached = []
    for _ in range(5):
        started = time.perf_counter()
        again = client.get(path, headers={"Accept-Encoding": "gzip"})
        cached.append((time.perf_counter() - started) * 1000)
        assert again.headers["x-cache"] == "hit", path
    sent = int(first.headers.get("content-length", len(first.content)))
    return uncached, statistics.median(cached), sent, len(first.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--database", type=Path, default=None)
    options = parser.parse_args()
    database = options.database or make_figures.DEFAULT_DATABASE.with_name(
        f"sitemap-{options.figures}.db"
    )
    make(options.figures, database)
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{database}")))
    index = client.get("/sitemap.xml").text
    files = index.count("<sitemap>")
    middle = f"/sitemaps/figures.xml?from=synthetic-{options.figures // 2 - 7:07d}"
    print(f"{options.figures:,} figures; the sitemap index lists {files} files")
    print("| what | uncached ms | cached ms | gzipped bytes | bytes |")
    print("|---|---|---|---|---|")
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{database}")))
    for path in (
        "/sitemap.xml",
        middle,
        "/feeds/changes.atom",
        "/figures/synthetic-0000001/changes.atom",
    ):
        uncached, cached, sent, size = timed(client, path)
        print(f"| `{path}` | {uncached:.0f} | {cached:.1f} | {sent:,} | {size:,} |")


if __name__ == "__main__":
    main()
