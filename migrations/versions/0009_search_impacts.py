"""Search's best few without scoring every match (SQLite): a second FTS5 index, of each
figure's terms with how much each counts in it, whose rows are numbered shortest document
first, and how many documents hold each term. See app/services/topk.py.

Each entry says, for one term of one document, the fields it is in ("deport" in what the
figure says and what explains it is the token `deportx4`), so the documents in which a term
counts most can be read first, and in the order of their length, without reading the rest.
The tokens are made in Python, which SQL cannot do; so, as migration 0006 did, this marks
the stored renders stale, and the render step that follows every upgrade fills the index.
PostgreSQL keeps scoring every match (its GIN index gives matches in no order to stop in).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # detail=none: the index keeps which documents hold a token, not where; a row's id is
        # its document's length times 2**32 plus its `figure_search.doc`.
        op.execute(
            "CREATE VIRTUAL TABLE figure_search_impacts USING fts5("
            "impacts, detail=none, tokenize='unicode61')"
        )
        # How many documents hold each term, kept as documents come and go: counting a
        # term's matches in FTS5 takes a millisecond for ten thousand.
        op.execute(
            "CREATE TABLE figure_search_terms (term VARCHAR PRIMARY KEY, "
            "documents INTEGER NOT NULL) WITHOUT ROWID"
        )
        op.execute("UPDATE dataset_state SET render_fingerprint = ''")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE figure_search_terms")
        op.execute("DROP TABLE figure_search_impacts")
