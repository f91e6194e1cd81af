"""Fast reads: each figure's representation stored ready to send, a dataset version that grows
with every change (for caches to check), and indexes for filtered lists at scale.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every change to the data records a revision, so counting revisions in a one-row table is a
# version every worker can read for the price of one tiny query. An UPDATE takes the row's
# lock until commit, so the number grows in commit order on PostgreSQL too.
_SQLITE_TRIGGER = (
    "CREATE TRIGGER revisions_bump_version AFTER INSERT ON revisions "
    "BEGIN UPDATE dataset_state SET version = version + 1 WHERE id = 1; END"
)
_POSTGRES_TRIGGER = [
    "CREATE FUNCTION bump_dataset_version() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE dataset_state SET version = version + 1 WHERE id = 1; RETURN NULL; END $$",
    "CREATE TRIGGER revisions_bump_version AFTER INSERT ON revisions "
    "FOR EACH ROW EXECUTE FUNCTION bump_dataset_version()",
]


def upgrade() -> None:
    state = op.create_table(
        "dataset_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("render_fingerprint", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_dataset_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_state")),
    )
    # Start the version at the revisions already made, so it never repeats an earlier value.
    op.execute(
        state.insert().from_select(
            ["id", "version", "render_fingerprint"],
            sa.select(
                sa.literal(1),
                sa.func.count(),
                sa.literal(""),
            ).select_from(sa.table("revisions")),
        )
    )
    op.create_table(
        "figure_renders",
        sa.Column("figure_id", sa.String(length=80), nullable=False),
        # Bytes, as they are sent: no decoding and encoding again on the way out.
        sa.Column("json", sa.LargeBinary(), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["figure_id"], ["figures.id"], name=op.f("fk_figure_renders_figure_id_figures")
        ),
        sa.PrimaryKeyConstraint("figure_id", name=op.f("pk_figure_renders")),
    )
    # A measure's figures in id order, with what the other filters test: a filtered page
    # walks this index alone and stops after `limit` rows; counting them reads it alone too.
    op.create_index(
        "ix_figures_measure_listing",
        "figures",
        ["measure_id", "status", "id", "qualifier", "time_start", "time_end"],
    )
    # The whole list in id order (the default sort), for walks that filter on no measure.
    op.create_index("ix_figures_status_id", "figures", ["status", "id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    else:
        for statement in _POSTGRES_TRIGGER:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER revisions_bump_version")
    else:
        op.execute("DROP TRIGGER revisions_bump_version ON revisions")
        op.execute("DROP FUNCTION bump_dataset_version()")
    op.drop_index("ix_figures_status_id", table_name="figures")
    op.drop_index("ix_figures_measure_listing", table_name="figures")
    op.drop_table("figure_renders")
    op.drop_table("dataset_state")
