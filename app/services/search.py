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
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Float,
    String,
    Subquery,
    bindparam,
    column,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.models import Figure
from app.schemas.reads import FigureRead
from app.search_terms import query_terms, terms

# A term no text yields (a token is letters or digits, never both): what a query of stop
# words alone searches for, so that it finds nothing on both engines without a special case.
NO_TERMS = "0a"
# The fields of a document: FTS5 column, PostgreSQL weight label, and what a term found there
# counts.
FIELDS = (("says", "A", 1.0), ("own", "B", 0.6), ("explains", "C", 0.4))
LENGTH = 0.25  # how much a long document's score is lowered (BM25's b, gentler than 0.75)

# Where each engine finds the documents holding a bound query: terms are [a-z0-9]+ words and
# reach SQL as bound strings, given to FTS5 double-quoted (a string, never syntax) and to
# to_tsquery as lexemes, with a weight label to look in one field.
_FIND = {
    "sqlite": "figure_search.doc IN (SELECT rowid FROM figure_search_text "
    "WHERE figure_search_text MATCH :{name})",
    "postgresql": "figure_search.document @@ to_tsquery('simple', :{name})",
}
# Every number a double on both engines (PostgreSQL reads 1.0 as numeric), so that both do
# the same arithmetic and give the same ranks.
_REAL = "CAST({} AS DOUBLE PRECISION)"


@lru_cache(maxsize=128)
def hits(dialect: str, count: int) -> Subquery:
    """The figures matching the bound `search` of `count` terms (see `search_binds`), each
    with its rank: minus its score, so lower is better."""
    find = _FIND[dialect]
    score = " + ".join(
        f"{_REAL.format(f':weight_{i}')} * ("
        + " + ".join(
            f"CASE WHEN {find.format(name=f'{field}_{i}')} THEN {_REAL.format(counts)} "
            f"ELSE {_REAL.format(0)} END"
            for field, _, counts in FIELDS
        )
        + ")"
        for i in range(count)
    )
    # BM25's length factor with k1 = 1.2: (k1 + 1) / (1 + k1 (1 - b + b length / average)).
    length = (
        f"({_REAL.format(2.2)} / ({_REAL.format(1)} + {_REAL.format(1.2)} * "
        f"({_REAL.format(1 - LENGTH)} + {_REAL.format(':lengthy')} * figure_search.length)))"
    )
    # Built of our own constants and bound parameters only: no text from outside.
    statement = text(
        f"SELECT figure_search.figure_id AS figure_id, -(({score}) * {length}) AS rank "  # noqa: S608
        f"FROM figure_search WHERE {find.format(name='search')}"
        # On SQLite, a LIMIT keeps the planner from flattening the hits into the query that
        # joins them: flattened, it looped over every match for every figure.
        + (" LIMIT -1" if dialect == "sqlite" else "")
    )
    return statement.columns(column("figure_id", String), column("rank", Float)).subquery("hits")


def term_count(text: str) -> int:
    """How many terms `hits` is built for, for a person's text (at least one: NO_TERMS)."""
    return len(query_terms(text)) or 1


Run = Callable[[Any, dict[str, Any]], Sequence[Any]]


def search_binds(run: Run, dialect: str, words: str) -> dict[str, Any]:
    """What `hits` binds for a person's words; the terms' weights (BM25's inverse document
    frequency) from counts read with `run` (a statement and its values in, its row out)."""
    found = query_terms(words) or [NO_TERMS]
    binds: dict[str, Any] = {}
    for i, term in enumerate(found):
        for field, label, _ in FIELDS:
            binds[f"{field}_{i}"] = (
                f'{field} : "{term}"' if dialect == "sqlite" else f"{term}:{label}"
            )
        binds[f"df_{i}"] = f'"{term}"' if dialect == "sqlite" else term
    binds["search"] = " OR ".join(binds[f"df_{i}"] for i in range(len(found)))
    if dialect != "sqlite":
        binds["search"] = " | ".join(found)
    counting = ", ".join(
        f"(SELECT count(*) FROM figure_search WHERE {_FIND[dialect].format(name=f'df_{i}')})"  # noqa: S608
        for i in range(len(found))
    )
    row = run(
        text(f"SELECT count(*), avg(length), {counting} FROM figure_search"),  # noqa: S608
        {k: v for k, v in binds.items() if k.startswith("df_")},
    )
    everyone, average = row[0], float(row[1] or 1)
    binds["lengthy"] = LENGTH / max(average, 1.0)
    for i, df in enumerate(row[2:]):
        binds[f"weight_{i}"] = math.log(1 + (everyone - df + 0.5) / (df + 0.5))
    return {k: v for k, v in binds.items() if not k.startswith("df_")}


def document(read: FigureRead, definition: str) -> dict[str, Any]:
    """A figure's document: the terms of each field, and how many there are in all."""
    value = float(read.value)
    number = str(int(value)) if value.is_integer() else read.value_text
    fields = {
        "says": [read.quote, read.statement, read.measure_name, read.value_text, number,
                 read.attribution.person or ""],
        "own": [number, read.value_text, read.measure_name],
        "explains": [definition, read.attribution.organisation or "",
                     read.attribution.role or "", read.attribution.text or "", read.note or ""],
    }  # fmt: skip
    found = {name: terms(" \n".join(parts)) for name, parts in fields.items()}
    return {
        "id": read.id,
        **{name: " ".join(words) for name, words in found.items()},
        "length": sum(len(words) for words in found.values()),
    }


_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_STORE = {
    "sqlite": [
        "DELETE FROM figure_search_text WHERE rowid IN "
        "(SELECT doc FROM figure_search WHERE figure_id IN :ids)",
        "DELETE FROM figure_search WHERE figure_id IN :ids",
    ],
    "postgresql": ["DELETE FROM figure_search WHERE figure_id IN :ids"],
}
_WEIGHED = [f"setweight(to_tsvector('simple', :{f}), '{label}')" for f, label, _ in FIELDS]
_INSERT = {
    "sqlite": "INSERT INTO figure_search_text (rowid, says, own, explains) VALUES "
    "((SELECT doc FROM figure_search WHERE figure_id = :id), :says, :own, :explains)",
    "postgresql": "INSERT INTO figure_search (figure_id, length, document) VALUES (:id, "  # noqa: S608
    f":length, {' || '.join(_WEIGHED)})",
}


def store(session: Session, ids: Sequence[str], documents: list[dict[str, Any]]) -> None:
    """Replace the index entries of these figures by these documents, in the caller's
    transaction (`renders.render` calls it with the renders it makes)."""
    dialect = session.get_bind().dialect.name
    for statement in _STORE[dialect]:
        session.execute(text(statement).bindparams(_IDS), {"ids": list(ids)})
    if not documents:
        return
    if dialect == "sqlite":
        # The FTS5 rows are keyed by an integer; figure_search gives each figure one.
        session.execute(
            text("INSERT INTO figure_search (figure_id, length) VALUES (:id, :length)"),
            [{"id": d["id"], "length": d["length"]} for d in documents],
        )
    session.execute(text(_INSERT[dialect]), documents)


@dataclass(frozen=True)
class Hit:
    figure_id: str
    score: float  # higher is better; comparable within one search only


@dataclass(frozen=True)
class SearchResult:
    terms: list[str]  # the query's terms: `search_terms.mark` marks the words that have one
    hits: list[Hit]  # best first; ties by id
    total: int  # how many figures match, counted up to `cap`
    capped: bool  # more than `total` match

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
    """The figures that best match a person's text, best first, and how many match (counting
    stops past `cap`: a page says "1,000+" rather than make the database count a million)."""
    found = query_terms(words)
    if not found:
        return SearchResult([], [], 0, False)
    dialect = session.get_bind().dialect.name
    matching = hits(dialect, len(found))
    statement = select(matching.c.figure_id, matching.c.rank).join(
        Figure, Figure.id == matching.c.figure_id
    )
    if not include_retracted:
        statement = statement.where(Figure.status == "published")
    values = search_binds(lambda st, v: session.execute(st, v).one(), dialect, words)
    rows = session.execute(
        statement.order_by(matching.c.rank, matching.c.figure_id).limit(limit), values
    ).all()
    counting = statement.with_only_columns(matching.c.figure_id).limit(cap + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counting), values) or 0
    return SearchResult(
        found, [Hit(row[0], -float(row[1])) for row in rows], min(total, cap), total > cap
    )
