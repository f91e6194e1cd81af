"""The first schema: sources, measures, figures, their relations, and immutable revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 19:40:31.929728
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('measures',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('population', sa.Text(), nullable=False),
    sa.Column('from_country', sa.String(length=2), nullable=False),
    sa.Column('to_country', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('flow', 'stock')", name=op.f('ck_measures_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measures'))
    )
    op.create_table('revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('resource', sa.String(length=10), nullable=False),
    sa.Column('resource_id', sa.String(length=80), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("resource IN ('source', 'measure', 'figure')", name=op.f('ck_revisions_resource')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('resource', 'resource_id', 'number', name=op.f('uq_revisions_resource'))
    )
    op.create_table('sources',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('publisher', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('published', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('curator_notes', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    op.create_table('figures',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('measure_id', sa.String(length=80), nullable=False),
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('qualifier', sa.String(length=16), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=False),
    sa.Column('period_start', sa.String(length=10), nullable=True),
    sa.Column('period_end', sa.String(length=10), nullable=True),
    sa.Column('as_of', sa.String(length=10), nullable=True),
    sa.Column('time_start', sa.Date(), nullable=False),
    sa.Column('time_end', sa.Date(), nullable=False),
    sa.Column('stated', sa.String(length=10), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('quote_start', sa.Integer(), nullable=False),
    sa.Column('quote_end', sa.Integer(), nullable=False),
    sa.Column('value_start', sa.Integer(), nullable=False),
    sa.Column('value_end', sa.Integer(), nullable=False),
    sa.Column('attribution_person', sa.Text(), nullable=True),
    sa.Column('attribution_role', sa.Text(), nullable=True),
    sa.Column('attribution_organisation', sa.Text(), nullable=True),
    sa.Column('attribution_text', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('published', 'retracted')", name=op.f('ck_figures_status')),
    sa.CheckConstraint('(period_start IS NULL) = (period_end IS NULL) AND (period_start IS NULL) <> (as_of IS NULL)', name=op.f('ck_figures_period_or_as_of')),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_figures_measure_id_measures')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_figures_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figures'))
    )
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figures_measure_id'), ['measure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figures_qualifier'), ['qualifier'], unique=False)
        batch_op.create_index(batch_op.f('ix_figures_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figures_status'), ['status'], unique=False)
        batch_op.create_index('ix_figures_time', ['time_start', 'time_end'], unique=False)

    op.create_table('figure_relations',
    sa.Column('figure_id', sa.String(length=80), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.String(length=80), nullable=False),
    sa.CheckConstraint("type IN ('part_of', 'restates')", name=op.f('ck_figure_relations_type')),
    sa.ForeignKeyConstraint(['figure_id'], ['figures.id'], name=op.f('fk_figure_relations_figure_id_figures')),
    sa.ForeignKeyConstraint(['target_id'], ['figures.id'], name=op.f('fk_figure_relations_target_id_figures')),
    sa.PrimaryKeyConstraint('figure_id', 'type', 'target_id', name=op.f('pk_figure_relations'))
    )
    with op.batch_alter_table('figure_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_relations_target_id'), ['target_id'], unique=False)

    _protect_revisions()


def downgrade() -> None:
    _unprotect_revisions()
    with op.batch_alter_table('figure_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_relations_target_id'))

    op.drop_table('figure_relations')
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.drop_index('ix_figures_time')
        batch_op.drop_index(batch_op.f('ix_figures_status'))
        batch_op.drop_index(batch_op.f('ix_figures_source_id'))
        batch_op.drop_index(batch_op.f('ix_figures_qualifier'))
        batch_op.drop_index(batch_op.f('ix_figures_measure_id'))

    op.drop_table('figures')
    op.drop_table('sources')
    op.drop_table('revisions')
    op.drop_table('measures')


# A revision is history: no UPDATE or DELETE may touch one, whatever client connects.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions "
    "BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END",
    "CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions "
    "BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END",
]
_POSTGRES_TRIGGERS = [
    "CREATE FUNCTION revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'revisions are immutable'; END $$",
    "CREATE TRIGGER revisions_no_update BEFORE UPDATE OR DELETE ON revisions "
    "FOR EACH ROW EXECUTE FUNCTION revisions_immutable()",
    "CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON revisions "
    "FOR EACH STATEMENT EXECUTE FUNCTION revisions_immutable()",
]


def _protect_revisions() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def _unprotect_revisions() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER revisions_no_update")
        op.execute("DROP TRIGGER revisions_no_delete")
    else:
        op.execute("DROP TRIGGER revisions_no_truncate ON revisions")
        op.execute("DROP TRIGGER revisions_no_update ON revisions")
        op.execute("DROP FUNCTION revisions_immutable()")
