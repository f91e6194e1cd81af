"""The best few of a search, found on SQLite without scoring every match (app/services/topk.py),
are the first of the full ranking (`search.hits`), to the last bit of each rank, on any index
and any query, after any cursor. Run on a SQLite database of its own in both engines' passes:
PostgreSQL scores every match."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from app import migrate
from app.db import create_db_engine
from app.search_terms import query_terms
from app.services import search, search_index, topk
from conftest import make_settings

# Terms as a document holds them: words that are their own stems, and "ma" beside "max2"
# (what "max²" folds to), whose tokens begin alike. A query typed as "max2" searches "max"
# and "2", which no document holds.
WORDS = ["alpha", "gamma", "delta", "kappa", "sigma", "ma", "max2"]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty SQLite database at head, whose search index each example fills."""
    settings_ = make_settings(tmp_path_factory.mktemp("topk") / "topk.db")
    engine = create_db_engine(settings_)
    migrate.upgrade(engine, settings_)
    yield engine
    engine.dispose()


fields = st.lists(st.sampled_from(WORDS), max_size=4, unique=True)
documents = st.lists(
    # Few lengths, far apart: many ties, and length factors that differ a lot.
    st.tuples(fields, fields, fields, st.sampled_from([3, 4, 5, 30, 31, 300])),
    min_size=1,
    max_size=120,
)


def fill(session: Session, drawn: list[tuple[list[str], list[str], list[str], int]]) -> None:
    """The index holds these documents (says, own, explains, length), ids f-000, f-001...,
    stored over whatever it held: `store` replaces a figure's document and forgets the rest."""
    held = session.scalars(text("SELECT figure_id FROM figure_search")).all()
    made = [
        {"id": f"f-{n:03d}", "says": " ".join(a), "own": " ".join(b),
         "explains": " ".join(c), "length": length}
        for n, (a, b, c, length) in enumerate(drawn)
    ]  # fmt: skip
    # One call, as a render makes it: the figures held before are forgotten, or stored again
    # with another document (and length, so another row of figure_search_impacts).
    search_index.store(session, sorted({*held, *(d["id"] for d in made)}), made)
    # A new version, as every write makes: the corpus's size is read again.
    session.execute(text("UPDATE dataset_state SET version = version + 1"))
    session.commit()


def full_ranking(connection: Connection, words: str, values: dict[str, Any]) -> list[Any]:
    """Every match as (id, rank), by the SQL that scores them all."""
    found = search.hits("sqlite", search.term_count(words))
    statement = select(found.c.figure_id, found.c.rank).order_by(found.c.rank, found.c.figure_id)
    return [(row[0], row[1]) for row in connection.execute(statement, values)]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drawn=documents,
    query=st.lists(st.sampled_from([*WORDS, "zeta"]), min_size=1, max_size=4, unique=True),
    limit=st.integers(min_value=1, max_value=12),
    start=st.integers(min_value=-1, max_value=70),
    first=st.sampled_from([1, 2, 16]),
    gone=st.sets(st.integers(min_value=0, max_value=119), max_size=6),
)
def test_the_best_few_are_the_first_of_the_full_ranking(
    index: Engine, monkeypatch: pytest.MonkeyPatch, drawn: list[Any], query: list[str],
    limit: int, start: int, first: int, gone: set[int],
) -> None:  # fmt: skip
    monkeypatch.setattr(topk, "FIRST", first)  # one row a round makes many rounds
    words = " ".join(query)
    with Session(index) as session:
        fill(session, drawn)
        connection = session.connection()
        values = search.search_binds(connection, words)
        ranking = full_ranking(connection, words, values)
        after = None
        if 0 <= start < len(ranking):
            after = (ranking[start][1], ranking[start][0])
        expected = ranking[start + 1 :][:limit] if after else ranking[:limit]
        found = topk.best_figures(connection, query_terms(words), values, limit, True, after)
        # Leaving out figures (as the retracted are): the rest of the ranking, in order.
        retracted = frozenset(f"f-{n:03d}" for n in gone)
        weights = [values[f"weight_{i}"] for i in range(len(query_terms(words)))]
        kept = [row for row in ranking if row[0] not in retracted]
        without = topk.best(connection, query_terms(words), weights, values["lengthy"], limit,
                            retracted=retracted)  # fmt: skip
    assert found == expected
    assert without == kept[:limit]


def test_a_page_too_far_down_is_left_to_the_full_ranking(
    index: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past BUDGET figures met, `best_figures` gives up, and the page's search still gives
    the full ranking's first."""
    drawn = [(["alpha"], [], ["gamma"] if n % 3 else [], 5 + n % 7) for n in range(30)]
    with Session(index) as session:
        fill(session, drawn)
        connection = session.connection()
        values = search.search_binds(connection, "alpha gamma")
        ranking = full_ranking(connection, "alpha gamma", values)
        terms = query_terms("alpha gamma")
        assert topk.best_figures(connection, terms, values, 5, True) == ranking[:5]
        monkeypatch.setattr(topk, "BUDGET", 10)
        assert topk.best_figures(connection, terms, values, 5, True) is None
        found = search.search(session, "alpha gamma", limit=5, include_retracted=True)
    assert [(hit.figure_id, -hit.score) for hit in found.hits] == ranking[:5]
    assert len(ranking) == 30


def test_the_index_rows_are_numbered_shortest_document_first(index: Engine) -> None:
    """A row of figure_search_impacts is its document's length times 2**32 plus its doc, and
    holds each term once, with the code of the fields that hold it."""
    with Session(index) as session:
        fill(session, [(["alpha", "gamma"], ["alpha"], ["gamma", "delta"], 9),
                       (["kappa"], [], [], 3)])  # fmt: skip
        rows = session.execute(
            text(
                "SELECT figure_search_impacts.rowid, figure_search.doc, figure_search.figure_id,"
                " impacts FROM figure_search_impacts JOIN figure_search"
                " ON figure_search.doc = figure_search_impacts.rowid & 4294967295"
                " ORDER BY figure_search_impacts.rowid"
            )
        ).all()
    assert [(row[0] >> 32, row[0] & 0xFFFFFFFF == row[1], row[2]) for row in rows] == [
        (3, True, "f-001"), (9, True, "f-000")
    ]  # fmt: skip
    assert sorted(rows[1][3].split()) == ["alphax6", "deltax1", "gammax5"]
    assert rows[0][3] == "kappax4"
    with Session(index) as session:  # f-000 stored again, alone, with another document
        docs = dict(session.execute(text("SELECT figure_id, doc FROM figure_search")).all())
        again = {"id": "f-000", "says": "alpha", "own": "", "explains": "", "length": 12}
        search_index.store(session, ["f-000"], [again])
        now = dict(session.execute(text("SELECT figure_id, doc FROM figure_search")).all())
        rows = "SELECT rowid FROM figure_search_impacts WHERE figure_search_impacts MATCH :t"
        row = session.execute(text(rows), {"t": "alphax4"}).scalar_one()
        session.rollback()
    assert docs["f-000"] < docs["f-001"]
    assert now == docs  # it keeps its number, though a number after f-001's was free
    assert (row >> 32, row & 0xFFFFFFFF) == (12, docs["f-000"])
    with Session(index) as session:  # a new figure first, in one call with every old one
        made = [{"id": i, "says": "kappa", "own": "", "explains": "", "length": 2}
                for i in ("a-new", "f-000", "f-001")]  # fmt: skip
        search_index.store(session, [d["id"] for d in made], made)
        stored = dict(session.execute(text("SELECT figure_id, doc FROM figure_search")).all())
        session.rollback()
    assert {i: stored[i] for i in docs} == docs
    assert stored["a-new"] > max(docs.values())


def test_the_ranking_constants_read_alike_in_python_and_sqlite(tmp_path: Path) -> None:
    """The SQL ranking writes its constants as literals; SQLite must read each as the double
    Python holds, or the two rankings could part at a tie."""
    from app.services.ranking import FIELDS, K1, LENGTH

    constants = [K1 + 1, K1, 1 - LENGTH, *(weight for _, _, weight in FIELDS)]
    engine = create_db_engine(make_settings(tmp_path / "constants.db"))
    with engine.connect() as connection:
        for value in constants:
            read = connection.exec_driver_sql(f"SELECT CAST({value} AS DOUBLE PRECISION)").scalar()
            assert read == value, value
    engine.dispose()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=documents, second=documents)
def test_the_kept_document_counts_are_the_index_counts(
    index: Engine, first: list[Any], second: list[Any]
) -> None:
    """What `store` keeps of how many documents hold each term is what FTS5 counts, after
    documents are stored, replaced and forgotten."""
    with Session(index) as session:
        fill(session, first)
        fill(session, second)
        connection = session.connection()
        kept = search.document_counts(connection, [*WORDS, "zeta"])
        counted = [
            connection.execute(
                text("SELECT count(*) FROM figure_search_text WHERE figure_search_text MATCH :t"),
                {"t": f'"{word}"'},
            ).scalar()
            for word in [*WORDS, "zeta"]
        ]
        left = connection.execute(text("SELECT count(*) FROM figure_search_terms")).scalar()
    assert kept == counted
    assert left == sum(1 for n in counted if n)  # no term kept at 0
