"""chats the bot left, and where a refused private message came from

``chats.left_at``: the bot was removed from the group (nothing is posted there until it is
added again). ``outbox.via_chat_id`` / ``via_thread_id``: the group (and topic) in which the
event that produced a private message happened, where the member is shown the link that opens
their private chat when the platform refuses the message (Telegram: never started).

Revision ID: 0011_platforms
Revises: 0010_web_speed
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_platforms'
down_revision = '0010_web_speed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via_chat_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('via_thread_id', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('via_thread_id')
        batch_op.drop_column('via_chat_id')

    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.drop_column('left_at')
