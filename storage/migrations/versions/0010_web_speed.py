"""web dashboard speed: done pledges counted from an index alone; pledges by creation and by
end, for impact per month

Revision ID: 0010_web_speed
Revises: 0009_web
Create Date: 2026-12-02
"""
from alembic import op


revision = '0010_web_speed'
down_revision = '0009_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index('ix_pledges_network_status_done')
        batch_op.create_index(
            'ix_pledges_network_status_done',
            ['network_id', 'status', 'done_at', 'member_id', 'call_id', 'hours'],
            unique=False,
        )
        batch_op.create_index(
            'ix_pledges_network_created', ['network_id', 'created_at', 'member_id'], unique=False
        )
        batch_op.create_index(
            'ix_pledges_network_status_ended', ['network_id', 'status', 'ended_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index('ix_pledges_network_status_ended')
        batch_op.drop_index('ix_pledges_network_created')
        batch_op.drop_index('ix_pledges_network_status_done')
        batch_op.create_index(
            'ix_pledges_network_status_done', ['network_id', 'status', 'done_at'], unique=False
        )
