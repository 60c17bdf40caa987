"""relationship pulses of cycle groups, and each cycle's pulse interval

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: a batch copies program_cycles and drops the old table,
    # which would cascade to the cycle's applications.
    op.add_column('program_cycles', sa.Column('pulse_every_days', sa.SmallInteger(), server_default=sa.text('60'), nullable=False))
    op.create_table('relationship_pulses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('round', sa.SmallInteger(), nullable=False),
    sa.Column('asked_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('note_shared', sa.Boolean(), nullable=False),
    sa.Column('answered_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_relationship_pulses_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relationship_pulses')),
    sa.UniqueConstraint('group_id', 'user_id', 'round', name=op.f('uq_relationship_pulses_group_id_user_id_round'))
    )
    with op.batch_alter_table('relationship_pulses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relationship_pulses_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relationship_pulses_guild_id'), ['guild_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('relationship_pulses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relationship_pulses_guild_id'))
        batch_op.drop_index(batch_op.f('ix_relationship_pulses_group_id'))
    op.drop_table('relationship_pulses')
    op.execute('ALTER TABLE program_cycles DROP COLUMN pulse_every_days')  # no copy of the table
