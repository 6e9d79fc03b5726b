"""recurring calls: a series (rule and template) and its occurrences, one call per day

Revision ID: 0012_series
Revises: 0011_platforms
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa



revision = "0012_series"
down_revision = "0011_platforms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('initiator_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=True),
    sa.Column('people_needed', sa.Integer(), nullable=True),
    sa.Column('everyone', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['initiator_id'], ['members.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cell_id'], ['cells.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_series_network_id'), ['network_id'], unique=False)

    op.create_table('series_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['call_series.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_id', 'day')
    )
    with op.batch_alter_table('series_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_occurrences_call_id'), ['call_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('series_occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_occurrences_call_id'))
    op.drop_table('series_occurrences')
    with op.batch_alter_table('call_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_series_network_id'))
    op.drop_table('call_series')
