"""Search: figures ranked by how well their words match what a person typed, on SQLite's FTS5
or PostgreSQL's full-text search, over an index that each render keeps in step.

Both engines are given the same plain terms (app/search_terms.py) and only match them: the
stemming, the synonyms and the stop words are ours, in Python. A figure's document has three
fields: what it says (quote, ready sentence, measure name, number, person), what is its own
among figures that share a quote (its number and its measure's name), and what explains it
(the measure's definition, the attribution, the curator's note).

Terms are joined by OR: a person's words are not a query language, and a word no figure holds
("how many", "figures") should narrow nothing away. The ranking does the rest, the same on
both engines, computed in SQL by arithmetic both do alike: BM25 with each term counted once.
A term weighs its inverse document frequency (a word few figures hold tells more than one
they all hold), times 1 if the figure says it, plus 0.6 if it is its own, plus 0.4 if what
explains the figure holds it; the sum is lowered a little for long documents. So a figure
holding more of the rarer words, in what it says, comes first; ties go by id.

What a search costs: how many documents hold each term (kept in a table on SQLite, counted
in the index on PostgreSQL); the number of documents and their average length, read once per
dataset version in each process (a pass over every document); on PostgreSQL, and for a page
far down the ranking, a score for every match, so a word in ten thousand figures costs about
a thousand times one in ten; on SQLite, for the first pages, about a hundred figures read
whatever the matches (app/services/topk.py; bench/RESULTS.md). The count a page shows is
read from the index, unscored, and stops past the page's cap.
"""

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Select,
    String,
    Subquery,
    bindparam,
    column,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from app.models import Figure, FigureRender
from app.paging import Cursor
from app.search_terms import query_terms
from app.services import search_index, topk
from app.services.ranking import FIELDS, K1, LENGTH

# A term no text yields (a token is letters or digits, never both): what a query of stop
# words alone searches for, so that it finds nothing on both engines without a special case.
NO_TERMS = "0a"

# Where each engine finds the documents holding a bound query: terms are [a-z0-9]+ words and
# reach SQL as bound strings, given to FTS5 double-quoted (a string, never syntax) and to
# to_tsquery as lexemes, with a weight label to look in one field.
_FIND = {
    "sqlite": "figure_search_text MATCH :{name}",
    "postgresql": "figure_search.document @@ to_tsquery('simple', :{name})",
}
# How many documents hold a term, on PostgreSQL: counted in its index.
_DF = (
    "SELECT count(*) FROM figure_search WHERE "
    "figure_search.document @@ to_tsquery('simple', :{name})"
)
# Every number a double on both engines (PostgreSQL reads 1.0 as numeric), so that both do
# the same arithmetic and give the same ranks.
_REAL = "CAST({} AS DOUBLE PRECISION)"


def _sqlite_found(count: int) -> tuple[str, Callable[[str, int], str]]:
    """SQLite's matches: the documents FTS5 finds for any term, each looked up in the set of
    documents holding each term in each field (each set read once, from FTS5 too)."""
    find = _FIND["sqlite"]
    return (
        f"(SELECT rowid AS doc FROM figure_search_text WHERE {find.format(name='search')}) "  # noqa: S608
        "AS found JOIN figure_search ON figure_search.doc = found.doc",
        lambda field, i: (
            "found.doc IN (SELECT rowid FROM figure_search_text WHERE "  # noqa: S608
            f"{find.format(name=f'{field}_{i}')})"
        ),
    )


def _postgresql_found(count: int) -> tuple[str, Callable[[str, int], str]]:
    """PostgreSQL's matches: the documents the GIN index finds for any term, each tested
    for each term in each field."""
    find = _FIND["postgresql"]
    return (
        f"figure_search WHERE {find.format(name='search')}",
        lambda field, i: find.format(name=f"{field}_{i}"),
    )


@lru_cache(maxsize=128)
def hits(dialect: str, count: int) -> Subquery:
    """The figures matching the bound `search` of `count` terms (see `search_binds`), each
    with its rank: minus its score, so lower is better."""
    found, holds = (_sqlite_found if dialect == "sqlite" else _postgresql_found)(count)
    score = " + ".join(
        f"{_REAL.format(f':weight_{i}')} * ("
        + " + ".join(
            f"CASE WHEN {holds(field, i)} THEN {_REAL.format(counts)} ELSE {_REAL.format(0)} END"
            for field, _, counts in FIELDS
        )
        + ")"
        for i in range(count)
    )
    # BM25's length factor, as `ranking.length_factor` computes it.
    length = (
        f"({_REAL.format(K1 + 1)} / ({_REAL.format(1)} + {_REAL.format(K1)} * "
        f"({_REAL.format(1 - LENGTH)} + {_REAL.format(':lengthy')} * figure_search.length)))"
    )
    # Built of our own constants and bound parameters only: no text from outside.
    statement = text(
        f"SELECT figure_search.figure_id AS figure_id, -(({score}) * {length}) AS rank "  # noqa: S608
        f"FROM {found}" + (" LIMIT -1" if dialect == "sqlite" else "")
        # On SQLite, a LIMIT keeps the planner from flattening the hits into the query that
        # joins them: flattened, it looped over every match for every figure.
    )
    return statement.columns(column("figure_id", String), column("rank", Float)).subquery("hits")


def unretracted(figure_id: ColumnElement[str]) -> ColumnElement[bool]:
    """Not a retracted figure: a lookup in the few retracted ones, where joining the
    figures to read each match's status cost a search of a million more than its scoring."""
    return figure_id.not_in(select(Figure.id).where(Figure.status == "retracted"))


@lru_cache(maxsize=256)
def ranked_page(
    dialect: str, count: int, column: str, include_retracted: bool, after: bool, descending: bool
) -> Select[tuple[str, float, bytes, str]]:
    """One page of `hits` in rank order with each figure's stored render (`column`: json or
    csv) and ETag (bound: `limit`; with `after`, the cursor's `after_key` and `after_id`). The
    page is chosen from the hits alone, before any render is read: joined first, every
    match's render was read to keep twenty."""
    found = hits(dialect, count)
    page = select(found.c.figure_id, found.c.rank)
    if not include_retracted:
        page = page.where(unretracted(found.c.figure_id))
    order = (found.c.rank, found.c.figure_id)
    if after:
        cursor = tuple_(bindparam("after_key", type_=Float), bindparam("after_id", type_=String))
        page = page.where(tuple_(*order) < cursor if descending else tuple_(*order) > cursor)
    page = page.order_by(*(k.desc() for k in order) if descending else order)
    chosen = page.limit(bindparam("limit")).subquery("page")
    ordered = (chosen.c.rank, chosen.c.figure_id)
    return (
        select(chosen.c.figure_id, chosen.c.rank, getattr(FigureRender, column), FigureRender.etag)
        .join(FigureRender, FigureRender.figure_id == chosen.c.figure_id)
        .order_by(*(c.desc() for c in ordered) if descending else ordered)
    )


@lru_cache(maxsize=4)
def _renders_of(column: str) -> Select[Any]:
    ids: BindParameter[list[str]] = bindparam("ids", expanding=True)
    return select(FigureRender.figure_id, getattr(FigureRender, column), FigureRender.etag).where(
        FigureRender.figure_id.in_(ids)
    )


def best_renders(
    connection: Connection,
    words: str,
    include_retracted: bool,
    limit: int,
    cursor: Cursor | None,
    column: str,
) -> list[tuple[str, float, bytes, str]] | None:
    """`ranked_page`'s rows (id, rank, render, ETag) after `cursor`, best first, when
    `topk.best_figures` finds them without scoring every match; else None (at once on
    PostgreSQL, before the binds are read: the caller reads them for its own query)."""
    if connection.dialect.name != "sqlite":
        return None
    values = search_binds(connection, words)
    after = (cursor.key, cursor.id) if cursor is not None else None
    found = topk.best_figures(connection, query_terms(words), values, limit, include_retracted,
                              after)  # fmt: skip
    if found is None:
        return None
    rows = connection.execute(_renders_of(column), {"ids": [i for i, _ in found]})
    renders = {row[0]: (row[1], row[2]) for row in rows}
    return [(i, rank, *renders[i]) for i, rank in found if i in renders]


# How many figures match, from the index alone, up to `:most` (the cap, plus one, plus as many
# as are retracted): a page says "1,000+" past its cap, and counting ten thousand matches
# cost a millisecond. Less the retracted ones that match: each retracted figure looked up in
# the index (a seek to its row), not every match looked up among the retracted.
_MATCHES = {
    "sqlite": "SELECT count(*) FROM (SELECT rowid FROM figure_search_text "
    "WHERE figure_search_text MATCH :search LIMIT :most) AS found",
    "postgresql": "SELECT count(*) FROM (SELECT figure_id FROM figure_search "
    "WHERE document @@ to_tsquery('simple', :search) LIMIT :most) AS found",
}
_RETRACTED_MATCHES = {
    "sqlite": "SELECT count(*) FROM figures JOIN figure_search ON figure_search.figure_id = "
    "figures.id WHERE figures.status = 'retracted' AND EXISTS (SELECT 1 FROM "
    "figure_search_text WHERE figure_search_text MATCH :search AND "
    "figure_search_text.rowid = figure_search.doc)",
    "postgresql": "SELECT count(*) FROM figures JOIN figure_search ON figure_search.figure_id "
    "= figures.id WHERE figures.status = 'retracted' AND "
    "figure_search.document @@ to_tsquery('simple', :search)",
}
_HOW_MANY_RETRACTED = text("SELECT count(*) FROM figures WHERE status = 'retracted'")
_COUNTING = {dialect: text(sql) for dialect, sql in _MATCHES.items()}
_UNCOUNTING = {dialect: text(sql) for dialect, sql in _RETRACTED_MATCHES.items()}


def _count(connection: Connection, search: str, cap: int, include_retracted: bool) -> int:
    """How many figures match, exactly up to `cap`; more than `cap` if more do."""
    dialect = connection.dialect.name
    retracted = 0 if include_retracted else connection.execute(_HOW_MANY_RETRACTED).scalar_one()
    most = cap + 1 + retracted
    found = connection.execute(_COUNTING[dialect], {"search": search, "most": most}).scalar_one()
    if found == most:
        return cap + 1
    if not retracted:
        return int(found)
    gone = connection.execute(_UNCOUNTING[dialect], {"search": search}).scalar_one()
    return int(found) - int(gone)


def term_count(text: str) -> int:
    """How many terms `hits` is built for, for a person's text (at least one: NO_TERMS)."""
    return len(query_terms(text)) or 1


# Per database, the number of documents and their average length at a dataset version:
# reading them is a pass over every document, a million of them at scale, which each
# search would otherwise pay. A write that changes a document makes a revision, and every
# revision makes a new version (migration 0004). Read inside a write that is then rolled
# back, they stay kept under a version a later write reuses, until the next: they weigh
# the terms, they never decide what matches.
_CORPUS: "WeakKeyDictionary[Engine, tuple[int, int, float]]" = WeakKeyDictionary()
_VERSION = text("SELECT version FROM dataset_state WHERE id = 1")
_SIZE = text("SELECT count(*), avg(length) FROM figure_search")


def _corpus(connection: Connection) -> tuple[int, float]:
    """How many documents there are, and their average length, at this connection's version."""
    version = connection.execute(_VERSION).scalar() or 0
    known = _CORPUS.get(connection.engine)
    if known is not None and known[0] == version:
        return known[1], known[2]
    everyone, average = connection.execute(_SIZE).one()
    _CORPUS[connection.engine] = (version, everyone, float(average or 1))
    return everyone, float(average or 1)


def document_counts(connection: Connection, found: Sequence[str]) -> list[int]:
    """How many documents hold each term: on SQLite, kept as documents are stored
    (`search_index.document_counts`); on PostgreSQL, counted in the index."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return search_index.document_counts(connection, found)
    names = {f"df_{i}": term for i, term in enumerate(found)}
    counting = ", ".join(f"({_DF.format(name=name)})" for name in names)
    return [int(n) for n in connection.execute(text(f"SELECT {counting}"), names).one()]


def search_binds(
    connection: Connection, words: str, counts: Sequence[int] | None = None
) -> dict[str, Any]:
    """What `hits` binds for a person's words; the terms' weights (BM25's inverse document
    frequency) from `counts` (`document_counts` of the words' terms, read on `connection`
    unless given)."""
    dialect = connection.dialect.name
    found = query_terms(words) or [NO_TERMS]
    binds: dict[str, Any] = {}
    for i, term in enumerate(found):
        for field, label, _ in FIELDS:
            binds[f"{field}_{i}"] = (
                f'{field} : "{term}"' if dialect == "sqlite" else f"{term}:{label}"
            )
    if dialect == "sqlite":
        binds["search"] = " OR ".join(f'"{term}"' for term in found)
    else:
        binds["search"] = " | ".join(found)
    everyone, average = _corpus(connection)
    binds["lengthy"] = LENGTH / max(average, 1.0)
    for i, df in enumerate(counts if counts is not None else document_counts(connection, found)):
        binds[f"weight_{i}"] = math.log(1 + (everyone - df + 0.5) / (df + 0.5))
    return binds


@dataclass(frozen=True)
class Hit:
    figure_id: str
    score: float  # higher is better; comparable within one search only


@dataclass(frozen=True)
class SearchResult:
    terms: list[str]  # the query's terms: `search_terms.mark` marks the words that have one
    hits: list[Hit]  # best first; ties by id
    total: int  # how many figures match, up to `cap`
    capped: bool  # more than `total` match
    absent: list[str] = dataclasses.field(default_factory=list)  # terms no figure holds

    @property
    def total_text(self) -> str:
        """The count as a page says it: "1,000+" when capped."""
        return f"{self.total:,}" + ("+" if self.capped else "")


def search(
    session: Session,
    words: str,
    *,
    limit: int = 20,
    include_retracted: bool = False,
    cap: int = 1000,
) -> SearchResult:
    """The figures that best match a person's text, best first, and how many match (said up
    to `cap`: a page says "1,000+")."""
    found = query_terms(words)
    if not found:
        return SearchResult([], [], 0, False)
    counts = document_counts(session.connection(), found)
    values = search_binds(session.connection(), words, counts)
    rows = topk.best_figures(session.connection(), found, values, limit, include_retracted)
    if rows is None:
        matching = hits(session.get_bind().dialect.name, len(found))
        statement = select(matching.c.figure_id, matching.c.rank)
        if not include_retracted:
            statement = statement.where(unretracted(matching.c.figure_id))
        statement = statement.order_by(matching.c.rank, matching.c.figure_id).limit(limit)
        rows = [(row[0], float(row[1])) for row in session.execute(statement, values)]
    total = _count(session.connection(), values["search"], cap, include_retracted)
    return SearchResult(
        found,
        [Hit(figure_id, -rank) for figure_id, rank in rows],
        min(total, cap),
        total > cap,
        [term for term, count in zip(found, counts, strict=True) if count == 0],
    )
