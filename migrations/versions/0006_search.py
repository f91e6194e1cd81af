"""Search: each figure's document of pre-stemmed terms, indexed for ranked full-text search
(an FTS5 table on SQLite; a tsvector with a GIN index on PostgreSQL). See
app/services/search.py.

The terms are made in Python (app/search_terms.py), which SQL cannot do; so this migration
marks the stored renders stale, and the render step that follows every upgrade
(`migrate.upgrade`, then `renders.ensure_current`) renders every figure again and fills the
index in the same pass. `depstats db render` does the same on demand.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # FTS5 rows are keyed by an integer: `doc` gives each figure one (an INTEGER PRIMARY
        # KEY, which VACUUM keeps, unlike a table's hidden rowid). The terms are already
        # plain words, so FTS5's unicode61 tokenizer only splits them on spaces.
        op.create_table(
            "figure_search",
            sa.Column("doc", sa.Integer(), primary_key=True),
            sa.Column("figure_id", sa.String(length=80), nullable=False, unique=True),
            sa.Column("length", sa.Integer(), nullable=False),
        )
        op.execute(
            "CREATE VIRTUAL TABLE figure_search_text USING fts5(says, own, explains, tokenize='unicode61')"
        )
    else:
        # The 'simple' configuration only lowercases and splits: the terms stay ours.
        op.create_table(
            "figure_search",
            sa.Column("figure_id", sa.String(length=80), primary_key=True),
            # How many terms the document holds: search scores a long one a little lower.
            sa.Column("length", sa.Integer(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        )
        op.create_index(
            "ix_figure_search_document", "figure_search", ["document"], postgresql_using="gin"
        )
    op.execute("UPDATE dataset_state SET render_fingerprint = ''")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE figure_search_text")
    op.drop_table("figure_search")
