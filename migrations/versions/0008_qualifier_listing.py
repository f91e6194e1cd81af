"""Filtered pages that name a qualifier: a measure's figures of one qualifier, in id order,
with the period's columns. Migration 0004's listing index puts id before qualifier, so a page
of `?measure=...&qualifier=...` walked a measure's figures of every qualifier (5,000 at
scale) to keep the one in seven that matched, and its count read them all; on this index
both read only the qualifier's. Measured on a million figures (bench/RESULTS.md, 2026-12-03):
the count of 1,000 filter mixes 1.11 to 0.75 ms on average.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_figures_qualifier_listing",
        "figures",
        ["measure_id", "status", "qualifier", "id", "time_start", "time_end"],
    )


def downgrade() -> None:
    op.drop_index("ix_figures_qualifier_listing", table_name="figures")
