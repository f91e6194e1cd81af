"""The words a figure's sentence keeps from its quote (what narrows who is counted, the source's
own words for a time, who acted in an event) and how it says its time (a running total, an
event); a measure's words for the event that makes its count.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURE_COLUMNS = [
    sa.Column("wording_restriction", sa.Text(), nullable=True),
    sa.Column("wording_time_words", sa.Text(), nullable=True),
    sa.Column("wording_timing", sa.String(length=10), nullable=True),
    sa.Column("wording_agent", sa.Text(), nullable=True),
]


def upgrade() -> None:
    # All nullable and empty: a figure loaded before says its sentence as it did, until a
    # load or a PATCH gives it words (and so a revision).
    for column in _FIGURE_COLUMNS:
        op.add_column("figures", column)
    op.add_column("measures", sa.Column("event", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("measures", "event")
    for column in reversed(_FIGURE_COLUMNS):
        op.drop_column("figures", column.name)
