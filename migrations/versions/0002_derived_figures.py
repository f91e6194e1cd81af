"""Derived figures, the words a sentence names a measure with, and revisions of derived figures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:02:21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESOURCES_BEFORE = "resource IN ('source', 'measure', 'figure')"
_RESOURCES_AFTER = "resource IN ('source', 'measure', 'figure', 'derived')"


def upgrade() -> None:
    op.create_table(
        "derived_figures",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("predicate", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("operation IN ('sum', 'difference', 'ratio')",
                           name=op.f("ck_derived_figures_operation")),
        sa.CheckConstraint("unit IN ('people', 'percent')", name=op.f("ck_derived_figures_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derived_figures")),
    )
    op.create_table(
        "derived_inputs",
        sa.Column("derived_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("figure_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["derived_id"], ["derived_figures.id"],
                                name=op.f("fk_derived_inputs_derived_id_derived_figures")),
        sa.ForeignKeyConstraint(["figure_id"], ["figures.id"],
                                name=op.f("fk_derived_inputs_figure_id_figures")),
        sa.PrimaryKeyConstraint("derived_id", "position", name=op.f("pk_derived_inputs")),
    )
    op.create_index(op.f("ix_derived_inputs_figure_id"), "derived_inputs", ["figure_id"])
    # Existing measures get empty words; the next `load` fills them from data/measures.toml.
    with op.batch_alter_table("measures") as batch_op:
        batch_op.add_column(sa.Column("subject", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("predicate", sa.Text(), nullable=False,
                                      server_default=""))
    _replace_resource_check(_RESOURCES_AFTER)


def downgrade() -> None:
    _replace_resource_check(_RESOURCES_BEFORE)
    with op.batch_alter_table("measures") as batch_op:
        batch_op.drop_column("predicate")
        batch_op.drop_column("subject")
    op.drop_index(op.f("ix_derived_inputs_figure_id"), table_name="derived_inputs")
    op.drop_table("derived_inputs")
    op.drop_table("derived_figures")


def _replace_resource_check(condition: str) -> None:
    """SQLite changes a CHECK by copying the table, which drops its triggers: lift the
    immutability triggers for the copy and put them back, within this one transaction."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER revisions_no_update")
        op.execute("DROP TRIGGER revisions_no_delete")
    with op.batch_alter_table("revisions") as batch_op:
        batch_op.drop_constraint(op.f("ck_revisions_resource"), type_="check")
        batch_op.create_check_constraint("resource", condition)
    if sqlite:
        op.execute("CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions "
                   "BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END")
        op.execute("CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions "
                   "BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END")
