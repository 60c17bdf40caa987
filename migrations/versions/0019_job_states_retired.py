"""the purge of servers the bot left and the daily retention became periodic jobs: drop job_states

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('job_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_states_guild_id'))
    op.drop_table('job_states')


def downgrade() -> None:
    op.create_table('job_states',
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('anchor_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_occurrence_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_job_states'))
    )
    with op.batch_alter_table('job_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_states_guild_id'), ['guild_id'], unique=False)
