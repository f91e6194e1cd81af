"""Make a SQLite database holding the article's data plus N synthetic figures (default
1,000,000), for the benchmarks at scale. Never written into data/.

    python bench/make_figures.py [--figures 1000000] [--database PATH]

The synthetic figures spread over 200 synthetic measures (5,000 figures each, so that a
filter on one measure matches at most 5,000), over all seven qualifiers, and over periods
of single years from 1975 to 2025; values run from 1 to 100,000 and are printed with
separators ("12,345"). Each is rendered like any figure (its JSON, CSV line and ETag), in
batches committed as they go. Reuses the file if it already holds N synthetic figures.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
MEASURES = 200
TEMPLATE_MEASURE = "removals-us-to-cambodia"
TEMPLATE_FIGURE = "removals-2017"
QUALIFIERS = ("exact", "more_than", "at_least", "about", "nearly", "fewer_than", "at_most")
DEFAULT_DATABASE = Path(tempfile.gettempdir()) / "depstats-bench" / "figures-1000000.db"


def synthetic_count(database: Path) -> int:
    if not database.exists():
        return -1
    with sqlite3.connect(database) as connection:
        try:
            return connection.execute(
                "SELECT count(*) FROM figure_renders WHERE figure_id LIKE 'synthetic-%'"
            ).fetchone()[0]
        except sqlite3.OperationalError:
            return -1


def insert_rows(database: Path, n: int) -> None:
    connection = sqlite3.connect(database)
    measure_columns = [
        row[1] for row in connection.execute("PRAGMA table_info(measures)") if row[1] != "id"
    ]
    names = ", ".join(measure_columns)
    values = ", ".join(
        "printf('Synthetic measure %d', i)" if name == "name" else name for name in measure_columns
    )
    connection.execute(
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ? - 1) "
        f"INSERT INTO measures (id, {names}) SELECT printf('synthetic-measure-%03d', i), "
        f"{values} FROM measures, k WHERE measures.id = ?",
        (MEASURES, TEMPLATE_MEASURE),
    )
    figure_columns = [
        row[1]
        for row in connection.execute("PRAGMA table_info(figures)")
        if row[1]
        not in (
            "id",
            "measure_id",
            "qualifier",
            "value",
            "value_text",
            "period_start",
            "period_end",
            "time_start",
            "time_end",
        )
    ]
    names = ", ".join(figure_columns)
    qualifier = (
        "CASE i % 7 " + " ".join(f"WHEN {n} THEN '{q}'" for n, q in enumerate(QUALIFIERS)) + " END"
    )
    connection.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?), "
        "v(i, val, yr) AS (SELECT i, (i * 7919) % 100000 + 1, 1975 + (i * 31) % 51 FROM k) "
        "INSERT INTO figures (id, measure_id, qualifier, value, value_text, period_start, "
        f"period_end, time_start, time_end, {names}) "
        "SELECT printf('synthetic-%07d', i), printf('synthetic-measure-%03d', i % ?), "
        f"{qualifier}, val, printf('%,d', val), yr, yr, "
        f"yr || '-01-01', yr || '-12-31', {names} "
        "FROM figures, v WHERE figures.id = ?",
        (n, MEASURES, TEMPLATE_FIGURE),
    )
    connection.commit()
    connection.close()


def render_all(database: Path) -> None:
    from app.config import Settings
    from app.db import create_db_engine
    from app.models import Figure
    from app.services import renders

    engine = create_db_engine(Settings(database_url=f"sqlite:///{database}"))
    last = ""
    done = 0
    started = time.perf_counter()
    while True:
        with Session(engine) as session:
            ids = list(
                session.scalars(
                    select(Figure.id).where(Figure.id > last).order_by(Figure.id).limit(20_000)
                )
            )
            if not ids:
                break
            renders.render(session, ids)
            session.commit()
        last = ids[-1]
        done += len(ids)
        rate = done / (time.perf_counter() - started)
        print(f"  rendered {done:,} ({rate:,.0f}/s)", end="\r", flush=True)
    print()
    engine.dispose()


def make(n: int, database: Path) -> Path:
    if synthetic_count(database) == n:
        # Renders made by older code are made again now, not by the server's first start.
        env = {**os.environ, "DEPSTATS_DATABASE_URL": f"sqlite:///{database}"}
        depstats = Path(sys.executable).parent / "depstats"
        subprocess.run([str(depstats), "db", "upgrade"], env=env, check=True, capture_output=True)
        return database
    database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    env = {**os.environ, "DEPSTATS_DATABASE_URL": f"sqlite:///{database}"}
    depstats = Path(sys.executable).parent / "depstats"
    subprocess.run([str(depstats), "load"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    insert_rows(database, n)
    print(f"inserted {n:,} synthetic figures in {time.perf_counter() - started:.0f} s")
    render_all(database)
    print(f"made {database} in {time.perf_counter() - started:.0f} s")
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--database", type=Path, default=None)
    options = parser.parse_args()
    default = DEFAULT_DATABASE.with_name(f"figures-{options.figures}.db")
    make(options.figures, options.database or default)


if __name__ == "__main__":
    main()
