"""closing surveys of cycle matches, and when each cycle's ending ran

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would copy program_cycles and cascade its drop to the applications.
    op.add_column('program_cycles', sa.Column('ended_at', bot.db.types.UTCDateTime(), nullable=True))
    op.create_table('closing_surveys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('asked_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.Column('next_step', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('answered_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['program_cycles.id'], name=op.f('fk_closing_surveys_cycle_id_program_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_closing_surveys_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closing_surveys')),
    sa.UniqueConstraint('cycle_id', 'group_id', 'user_id', name=op.f('uq_closing_surveys_cycle_id_group_id_user_id'))
    )
    with op.batch_alter_table('closing_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closing_surveys_cycle_id'), ['cycle_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('closing_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closing_surveys_cycle_id'))
    op.drop_table('closing_surveys')
    op.execute('ALTER TABLE program_cycles DROP COLUMN ended_at')  # no copy of the table
