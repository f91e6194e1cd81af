"""How search scores a figure, once, for the SQL that ranks every match (services/search.py)
and the Python that finds the best few without it (services/topk.py): the two must give the
same numbers to the last bit, so both take their constants and their order of additions from
here.

A term counts by the fields of the figure's document that hold it: 1 for what the figure
says, 0.6 for what is its own among figures that share a quote, 0.4 for what explains it,
added in that order. A score is the terms' weights (their inverse document frequency) times
what each counts, added in the query's order, times BM25's length factor.
"""

from collections.abc import Mapping, Sequence

# The fields of a document: FTS5 column, PostgreSQL weight label, and what a term found there
# counts.
FIELDS = (("says", "A", 1.0), ("own", "B", 0.6), ("explains", "C", 0.4))
LENGTH = 0.25  # how much a long document's score is lowered (BM25's b, gentler than 0.75)
K1 = 1.2  # BM25's k1: the length factor is (k1 + 1) / (1 + k1 (1 - b + b length / average))


def counts(says: bool, own: bool, explains: bool) -> float:
    """What a term counts in a document whose fields `says`, `own` and `explains` hold it."""
    total = 0.0
    for (_, _, weight), found in zip(FIELDS, (says, own, explains), strict=True):
        total = total + (weight if found else 0.0)
    return total


# The fields holding a term in a document, as a code (4: says, 2: own, 1: explains; added),
# and what the term counts there.
LEVELS = {code: counts(bool(code & 4), bool(code & 2), bool(code & 1)) for code in range(1, 8)}


def length_factor(lengthy: float, length: int) -> float:
    """BM25's length factor for a document of `length` terms; `lengthy` is LENGTH divided by
    the average length."""
    return (K1 + 1) / (1.0 + K1 * ((1 - LENGTH) + lengthy * length))


def score(codes: Mapping[str, int], terms: Sequence[str], weights: Sequence[float]) -> float:
    """A document's score before its length factor, from the codes of the terms it holds."""
    total = 0.0
    for term, weight in zip(terms, weights, strict=True):
        code = codes.get(term)
        if code is not None:
            total = total + weight * LEVELS[code]
    return total
