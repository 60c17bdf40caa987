"""channels the bot could not post in, told to coordinators once

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:09:03.957441
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'delivery_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guild_id', sa.BigInteger(), nullable=False),
        sa.Column('channel_id', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('what', sa.String(length=64), nullable=False),
        sa.Column('first_seen_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_problems')),
        sa.UniqueConstraint(
            'guild_id', 'channel_id', 'reason', name=op.f('uq_delivery_problems_guild_id_channel_id_reason')
        ),
    )
    with op.batch_alter_table('delivery_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_problems_guild_id'), ['guild_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_problems_guild_id'))
    op.drop_table('delivery_problems')
