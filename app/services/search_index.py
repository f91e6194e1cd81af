"""What the search index holds: each figure's document, stored as its renders are made
(services/renders.py calls `document` and `store` in the same transaction), read by
services/search.py and, on SQLite, services/topk.py.

A figure's document has three fields of plain terms (app/search_terms.py): what it says
(quote, ready sentence, measure name, number, person), what is its own among figures that
share a quote (its number and its measure's name), and what explains it (the measure's
definition, the attribution, the curator's note); and its length, how many terms in all.
On SQLite they go to an FTS5 table (figure_search_text) keyed by `figure_search.doc`, and
topk's index; on PostgreSQL, to a `tsvector` whose weight labels name the fields.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, text
from sqlalchemy.orm import Session

from app.schemas.reads import FigureRead
from app.search_terms import terms
from app.services.ranking import FIELDS


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
_DOCS = text("SELECT figure_id, doc FROM figure_search WHERE figure_id IN :ids").bindparams(_IDS)
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
    docs: dict[str, int] = {}
    if dialect == "sqlite":
        docs = {row[0]: row[1] for row in session.execute(_DOCS, {"ids": list(ids)})}
        forget(session, ids)
    for statement in _STORE[dialect]:
        session.execute(text(statement).bindparams(_IDS), {"ids": list(ids)})
    if not documents:
        return
    if dialect == "sqlite":
        # The FTS5 rows are keyed by an integer; figure_search gives each figure one, and
        # keeps it when its document is stored again (a new one each time, the numbers
        # would grow by a million a full re-render, towards the 2**32 a row id leaves them).
        rows = [{"doc": docs.get(d["id"]), "id": d["id"], "length": d["length"]} for d in documents]
        # Those with a number first: a new one is the highest yet plus one, which must not be
        # a number still to be given back.
        rows.sort(key=lambda row: row["doc"] is None)
        session.execute(
            text("INSERT INTO figure_search (doc, figure_id, length) VALUES (:doc, :id, :length)"),
            rows,
        )
    session.execute(text(_INSERT[dialect]), documents)
    if dialect == "sqlite":
        keep(session, documents)


def optimize(session: Session) -> None:
    """After every document was stored again: on SQLite, merge each FTS5 index into one
    segment, as FTS5's documentation advises after a bulk load. Stored in batches, a million
    documents left many segments, and finding one term's rows took 68 microseconds (12
    after: bench/RESULTS.md)."""
    if session.get_bind().dialect.name == "sqlite":
        for table in ("figure_search_text", "figure_search_impacts"):
            session.execute(text(f"INSERT INTO {table} ({table}) VALUES ('optimize')"))  # noqa: S608


# A document's row in figure_search_impacts: its length times 2**32 plus its doc, so that
# the index gives the shortest documents first.
_ROW = "(figure_search.length << 32) | figure_search.doc"
_OLD = text(
    f"SELECT {_ROW}, impacts FROM figure_search JOIN figure_search_impacts ON "  # noqa: S608
    f"figure_search_impacts.rowid = {_ROW} WHERE figure_search.figure_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_DROP = text("DELETE FROM figure_search_impacts WHERE rowid IN :rows").bindparams(
    bindparam("rows", expanding=True)
)
_ADD = text(
    f"INSERT INTO figure_search_impacts (rowid, impacts) SELECT {_ROW}, :impacts "  # noqa: S608
    "FROM figure_search WHERE figure_id = :id"
)
_COUNT = text(
    "INSERT INTO figure_search_terms (term, documents) VALUES (:term, :change) "
    "ON CONFLICT (term) DO UPDATE SET documents = documents + excluded.documents"
)
_GONE = text("DELETE FROM figure_search_terms WHERE documents <= 0")


def impacts(document: dict[str, Any]) -> str:
    """A document's entry in figure_search_impacts: each of its terms once, with the code of
    the fields holding it (`ranking.LEVELS`)."""
    codes: dict[str, int] = {}
    for bit, (name, _, _) in zip((4, 2, 1), FIELDS, strict=True):
        for term in document[name].split():
            codes[term] = codes.get(term, 0) | bit
    return " ".join(f"{term}x{code}" for term, code in codes.items())


def _terms(entry: str) -> list[str]:
    return [token[:-2] for token in entry.split()]


def forget(session: Session, ids: Sequence[str]) -> None:
    """Take these figures' documents out of figure_search_impacts and figure_search_terms;
    before `store` deletes their rows of figure_search, which numbers them."""
    old = session.execute(_OLD, {"ids": list(ids)}).all()
    if not old:
        return
    session.execute(_DROP, {"rows": [row for row, _ in old]})
    gone = Counter(term for _, entry in old for term in _terms(entry))
    if gone:
        session.execute(_COUNT, [{"term": t, "change": -n} for t, n in gone.items()])
        session.execute(_GONE)


def keep(session: Session, documents: list[dict[str, Any]]) -> None:
    """Put these documents in figure_search_impacts and figure_search_terms; after
    `store` gives each its row of figure_search."""
    entries = [{"id": d["id"], "impacts": impacts(d)} for d in documents]
    session.execute(_ADD, entries)
    added = Counter(term for entry in entries for term in _terms(entry["impacts"]))
    if added:
        session.execute(_COUNT, [{"term": t, "change": n} for t, n in added.items()])


def document_counts(connection: Connection, found: Sequence[str]) -> list[int]:
    """How many documents hold each term, as `keep` and `forget` count them: a lookup each,
    where counting a term's matches in FTS5 took a millisecond for ten thousand."""
    statement = text("SELECT term, documents FROM figure_search_terms WHERE term IN :terms")
    counted: dict[str, int] = dict(
        connection.execute(
            statement.bindparams(bindparam("terms", expanding=True)), {"terms": list(found)}
        ).all()
    )
    return [int(counted.get(term, 0)) for term in found]
