"""Make a SQLite database holding the article's data plus N synthetic figures (default
1,000,000), for the benchmarks at scale. Never written into data/.

    python bench/make_figures.py [--figures 1000000] [--database PATH]

The synthetic figures spread over 200 synthetic measures (5,000 figures each, so that a
filter on one measure matches at most 5,000), over all seven qualifiers, and over periods
of single years from 1975 to 2025; values run from 1 to 100,000 and are printed with
separators ("12,345"). Each is rendered like any figure (its JSON, CSV line and ETag), in
batches committed as they go. Reuses the file if it already holds N synthetic figures.

Their texts vary, so that search has real work (one quote copied into every row made any
search match all or nothing): each quote, note, person, organisation, measure name and
definition is drawn from a vocabulary of made-up words (two or three syllables, so no
English word's stem and no stop word) with a Zipf-like distribution, as words in text are:
a few are in most figures, most are in few. Planted in them are rarer made-up words (four
syllables, none in the vocabulary), each in exactly 1, 10, 100, 1,000 or 10,000 figures, and
two-word phrases planted the same way: `search_mix` is the query mix made of them, each query
with how many figures it matches, which the build checks through the app's own search. All
of it is drawn from one seeded generator: the same N gives the same database.
"""

import argparse
import itertools
import os
import random
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
SEED = 17
VOCABULARY = 50_000  # made-up words, drawn with weight 1 / rank ** ZIPF
ZIPF = 1.05
CLASSES = (1, 10, 100, 1_000, 10_000)  # how many figures a planted word or phrase is in
PLANTED = 10  # planted words per class, and as many two-word phrases
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


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


def _words(
    count: int, syllables: tuple[int, ...], pick: random.Random, taken: set[str]
) -> list[str]:
    """`count` made-up words of consonant-vowel syllables, each kept only if search makes one
    term of it that no word before it (in `taken`, which it adds to) makes: stems can meet."""
    from app.search_terms import token_terms

    pairs = [c + v for c in _CONSONANTS for v in _VOWELS]
    kept: list[str] = []
    while len(kept) < count:
        word = "".join(pick.choices(pairs, k=pick.choice(syllables)))
        made = token_terms(word)
        if len(made) == 1 and made[0] not in taken:
            taken.add(made[0])
            kept.append(word)
    return kept


class Texts:
    """The made-up texts of N synthetic figures and their 200 measures, and the planted
    words and phrases with the figures each is in; deterministic for a given N."""

    def __init__(self, n: int) -> None:
        pick = random.Random(SEED)
        self.n = n
        taken: set[str] = set()
        self.vocabulary = _words(VOCABULARY, (2, 3, 3), pick, taken)
        self.weights = list(itertools.accumulate(1 / r**ZIPF for r in range(1, VOCABULARY + 1)))
        rare = _words(len(CLASSES) * PLANTED * 3, (4,), pick, taken)
        self.pick = pick
        # Planted where? Word and phrase for class k: k distinct figures (1-based numbers).
        self.planted: dict[int, list[str]] = {}
        self.mix: list[tuple[str, int]] = []
        for c, k in enumerate(CLASSES):
            if k > n // 20:  # a small database holds the rarer classes only
                continue
            words = rare[c * PLANTED * 3 : (c + 1) * PLANTED * 3]
            for j in range(PLANTED):
                single, first, second = words[j], words[PLANTED + j], words[2 * PLANTED + j]
                for text in (single, f"{first} {second}"):
                    for number in pick.sample(range(1, n + 1), k):
                        self.planted.setdefault(number, []).append(text)
                # As typed: a capital, stop words around it; neither changes what matches.
                self.mix.append((single.capitalize(), k))
                self.mix.append((f"the {first} of {second}", k))
        self.people = [
            f"{a.capitalize()} {b.capitalize()}" for a, b in zip(
                self.vocabulary[2000:7000], self.vocabulary[7000:12000], strict=True)
        ]  # fmt: skip
        self.organisations = [
            f"{a.capitalize()} {b.capitalize()} Office" for a, b in zip(
                self.vocabulary[12000:12300], self.vocabulary[12300:12600], strict=True)
        ]  # fmt: skip

    def words(self, low: int, high: int) -> str:
        count = self.pick.randint(low, high)
        return " ".join(self.pick.choices(self.vocabulary, cum_weights=self.weights, k=count))

    def measure(self) -> tuple[str, str, str, str, str]:
        """A measure's name, definition, population, subject and predicate."""
        a, b, c, d = self.pick.sample(self.vocabulary[100:5000], 4)
        definition = self.words(20, 40).capitalize() + "."
        return f"{a} {b} {c}".capitalize(), definition, f"{c} {d}", f"{c} {d}", f"were {a}"

    def figure(self, number: int, value_text: str) -> tuple[str | None, ...]:
        """Figure `number`'s quote, note, person, organisation, attribution text and the
        restriction its statement says."""
        quote = f"{value_text} {self.words(12, 30)}"
        note = self.words(4, 14).capitalize() + "." if self.pick.random() < 0.7 else None
        for j, text in enumerate(self.planted.get(number, ())):
            if (number + j) % 2:
                quote += f" {text}"
            else:
                note = f"{note or ''} {text.capitalize()}.".lstrip()
        person = self.pick.choices(self.people, cum_weights=self.weights[:5000])[0]
        organisation = self.pick.choices(self.organisations, cum_weights=self.weights[:300])[0]
        restriction = self.words(1, 3) if self.pick.random() < 0.3 else None
        return quote + ".", note, person, organisation, f"{person}, {organisation}", restriction


def search_mix(n: int) -> list[tuple[str, int]]:
    """The query mix over N synthetic figures: each query, and how many figures it matches."""
    return Texts(n).mix


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
    texts = Texts(n)
    connection.executemany(
        "UPDATE measures SET name = ?, definition = ?, population = ?, subject = ?, "
        "predicate = ? WHERE id = ?",
        [(*texts.measure(), f"synthetic-measure-{i:03d}") for i in range(MEASURES)],
    )
    values = connection.execute(
        "SELECT value_text FROM figures WHERE id LIKE 'synthetic-%' ORDER BY id"
    ).fetchall()
    connection.executemany(
        "UPDATE figures SET quote = ?, note = ?, attribution_person = ?, "
        "attribution_organisation = ?, attribution_text = ?, wording_restriction = ? "
        "WHERE id = ?",
        (
            (*texts.figure(number, value_text), f"synthetic-{number:07d}")
            for number, (value_text,) in enumerate(values, start=1)
        ),
    )
    connection.commit()
    connection.close()


def render_all(database: Path) -> None:
    from app.config import Settings
    from app.db import create_db_engine
    from app.models import Figure
    from app.services import renders, search_index

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
    with Session(engine) as session:
        search_index.optimize(session)  # as a full re-render does (`renders.ensure_current`)
        session.commit()
    engine.dispose()


def check_mix(database: Path, n: int) -> None:
    """Each query of the mix matches as many figures as it says, through the app's search."""
    from app.config import Settings
    from app.db import create_db_engine
    from app.services.search import search

    engine = create_db_engine(Settings(database_url=f"sqlite:///{database}"))
    with Session(engine) as session:
        for query, expected in search_mix(n):
            found = search(session, query, limit=1, cap=expected)
            if (found.total, found.capped) != (expected, False):
                raise SystemExit(f"{query!r} matches {found.total_text}, not {expected:,}")
    engine.dispose()
    print(f"checked the {len(search_mix(n))} queries of the search mix")


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
    check_mix(database, n)
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
