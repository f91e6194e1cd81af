"""The best few figures of a search on SQLite, found without scoring every match: the same
figures in the same order as `search.hits` ranks them all, for a small part of the cost
when many figures match.

A figure's score is its terms' weights times what each counts in it (by the fields holding
it: `ranking.LEVELS`), added, times a factor that falls as its document grows. So for one
term, the figures where it counts most, shortest first, score most; figure_search_impacts
lists exactly those, one token per term and fields (`deportx4`), its rows numbered shortest
document first (migration 0009). Each list is read in that order, a few rows at a time,
term by term in turn; each figure met is scored whole (what every term of the query counts
in it, from its own entry); and the reading stops when the last of the best scores more
than any figure not met yet could: the sum, over the terms, of what the next row of each
term's lists gives (Fagin's threshold algorithm). A figure in ten thousand matches of one
word is found after reading about a hundred of them.

What it gives up to `search.hits` (which the caller then uses): a page far down the ranking,
whose figures would be met only after more than `BUDGET` others.
"""

import heapq
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from app.models import Figure
from app.services.ranking import LEVELS, length_factor, score

BUDGET = 4000  # figures met before giving up to the full ranking
FIRST = 16  # rows read from each term's lists in the first round, at least; doubled each round
_DOC = (1 << 32) - 1  # a row's doc, below its document's length
_SLACK = 1e-9  # the bound is raised by this share, so that rounding can never stop too soon
_CODES = sorted(LEVELS, key=lambda code: -LEVELS[code])  # a term's lists, best first
_ROWS = "SELECT rowid FROM figure_search_impacts WHERE figure_search_impacts MATCH ?"
# What is read of the figures met: their ids, and for a query of several terms their entries.
_IDS = "SELECT doc, figure_id, '' FROM figure_search WHERE doc IN ({})"
_ENTRIES = (
    "SELECT figure_search.doc, figure_search.figure_id, figure_search_impacts.impacts "
    "FROM figure_search_impacts JOIN figure_search ON figure_search.doc = "
    "(figure_search_impacts.rowid & 4294967295) WHERE figure_search_impacts.rowid IN ({})"
)


@dataclass
class _Term:
    """One query term's lists, merged: the rows of each, best first by what the term gives."""

    weight: float
    lengthy: float
    heads: list[tuple[float, int, int]]  # (minus the term's share, row, list), a heap
    lists: list[Generator[int, None, None]]

    def share(self, code: int, row: int) -> float:
        return self.weight * LEVELS[code] * length_factor(self.lengthy, row >> 32)

    def bound(self) -> float:
        """The most the term gives a figure none of its lists has given yet."""
        return -self.heads[0][0] if self.heads else 0.0

    def take(self, count: int) -> list[tuple[int, int]]:
        """The next `count` rows, best first, each with its code."""
        taken: list[tuple[int, int]] = []
        while self.heads and len(taken) < count:
            _, row, index = self.heads[0]
            taken.append((row, _CODES[index]))
            following = next(self.lists[index], None)
            if following is None:
                heapq.heappop(self.heads)
            else:
                share = self.share(_CODES[index], following)
                heapq.heapreplace(self.heads, (-share, following, index))
        return taken


def _rows(driver: Any, token: str) -> Generator[int, None, None]:
    """One token's rows, in order, read from a cursor of the driver's as they are needed."""
    cursor = driver.cursor()
    cursor.execute(_ROWS, (f'"{token}"',))
    try:
        while batch := cursor.fetchmany(64):
            for (row,) in batch:
                yield row
    finally:
        cursor.close()


def _term(driver: Any, term: str, weight: float, lengthy: float) -> _Term:
    lists = [_rows(driver, f"{term}x{code}") for code in _CODES]
    found = _Term(weight, lengthy, [], lists)
    for index, rows in enumerate(lists):
        first = next(rows, None)
        if first is not None:
            found.heads.append((-found.share(_CODES[index], first), first, index))
    heapq.heapify(found.heads)
    return found


def _codes(entry: str, terms: Sequence[str]) -> dict[str, int]:
    """The codes of these terms in a document's entry (`<term>x<code>`, spaced): a whole
    token each, not a longer term's ("ma" is not in `max2x4`, whose term is "max2")."""
    padded = f" {entry} "
    found = {}
    for term in terms:
        needle = f" {term}x"
        at = padded.find(needle)
        while at >= 0:
            code = padded[at + len(needle) : at + len(needle) + 2]
            if code[:1].isdigit() and code[1:] == " ":
                found[term] = int(code[0])
                break
            at = padded.find(needle, at + 1)
    return found


def best(
    connection: Connection,
    terms: Sequence[str],
    weights: Sequence[float],
    lengthy: float,
    limit: int,
    *,
    retracted: frozenset[str] = frozenset(),
    after: tuple[float, str] | None = None,
) -> list[tuple[str, float]] | None:
    """The `limit` best figures as (id, rank), rank being minus the score as `search.hits`
    gives it, in (rank, id) order; after `after`, a (rank, id) position, if given; leaving
    out the `retracted`. None when more than BUDGET figures were met first."""
    if min(weights, default=0.0) <= 0:
        return None  # the bound needs weights above 0; a corpus size read stale can break it
    # The driver's own cursors (sqlite3's), in the caller's transaction: the rows are read a
    # few at a time from several at once, which SQLAlchemy's results are not made for.
    driver = connection.connection.driver_connection
    lists: list[_Term] = []
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        for word, weight in zip(terms, weights, strict=True):
            lists.append(_term(driver, word, weight, lengthy))
        return _Search(cursor, terms, weights, lengthy).best(lists, limit, retracted, after)
    finally:
        cursor.close()
        for merged in lists:
            for rows in merged.lists:
                rows.close()


_RETRACTED_IDS = select(Figure.id).where(Figure.status == "retracted")


def best_figures(
    connection: Connection,
    found: Sequence[str],
    values: dict[str, Any],
    limit: int,
    include_retracted: bool,
    after: tuple[float, str] | None = None,
) -> list[tuple[str, float]] | None:
    """The first `limit` of `hits` for these terms and their `search_binds` (after the
    (rank, id) `after`), as (id, rank), found without scoring every
    match; None on PostgreSQL, or when they are too far down the ranking to find so."""
    if connection.dialect.name != "sqlite" or not found:
        return None
    retracted = frozenset(() if include_retracted else connection.scalars(_RETRACTED_IDS))
    weights = [values[f"weight_{i}"] for i in range(len(found))]
    return best(connection, found, weights, values["lengthy"], limit,
                retracted=retracted, after=after)  # fmt: skip


@dataclass
class _Search:
    """One search's reading: its query, and the cursor the figures met are read on."""

    cursor: Any
    terms: Sequence[str]
    weights: Sequence[float]
    lengthy: float

    def scored(self, met: list[tuple[int, int]]) -> Iterable[tuple[float, str]]:
        """(rank, id) of each figure met: for a query of one term, from the code its list
        gave; else from its entry, which says what each term counts in it."""
        one = len(self.terms) == 1
        codes = {row & _DOC: code for row, code in met}
        rows = [row & _DOC for row, _ in met] if one else [row for row, _ in met]
        lengths = {row & _DOC: row >> 32 for row, _ in met}
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            statement = (_IDS if one else _ENTRIES).format(", ".join("?" * len(chunk)))
            for doc, figure_id, entry in self.cursor.execute(statement, chunk).fetchall():
                held = {self.terms[0]: codes[doc]} if one else _codes(entry, self.terms)
                points = score(held, self.terms, self.weights)
                yield -(points * length_factor(self.lengthy, lengths[doc])), figure_id

    def best(
        self,
        lists: list[_Term],
        limit: int,
        retracted: frozenset[str],
        after: tuple[float, str] | None,
    ) -> list[tuple[str, float]] | None:
        met: set[int] = set()
        kept: list[tuple[float, str]] = []  # (rank, id) of every figure met that may be given
        step = max(FIRST, limit + limit // 2)
        while True:
            new: dict[int, int] = {}  # row: code
            for term in lists:
                for row, code in term.take(step):
                    if row not in met:
                        new.setdefault(row, code)
            met.update(new)
            if len(met) > BUDGET:
                return None
            for rank, figure_id in self.scored(list(new.items())):
                if figure_id not in retracted and (after is None or (rank, figure_id) > after):
                    kept.append((rank, figure_id))
            kept = heapq.nsmallest(limit, kept)
            if not any(term.heads for term in lists):
                break
            bound = sum(term.bound() for term in lists)
            if len(kept) == limit and -kept[-1][0] > bound * (1 + _SLACK):
                break
            step *= 2
        return [(figure_id, rank) for rank, figure_id in kept]
