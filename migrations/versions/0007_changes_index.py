"""The corrections and retractions of figures, newest first, for the Atom feeds: an index of
the revisions after the first (a partial index, small however many figures there are, since
most are never corrected), by kind and date, so that the feed's newest 50 are read from it
alone. `resource` leads so that SQLite, with no statistics, prefers it to the unique index
that also starts with `resource` (and would sort every figure's revisions).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHANGES = sa.text("number > 1")


def upgrade() -> None:
    op.create_index(
        "ix_revisions_figure_changes",
        "revisions",
        ["resource", "created_at", "id"],
        sqlite_where=_CHANGES,
        postgresql_where=_CHANGES,
    )


def downgrade() -> None:
    op.drop_index("ix_revisions_figure_changes", table_name="revisions")
