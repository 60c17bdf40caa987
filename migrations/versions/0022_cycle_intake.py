"""cycle intake: members' applications, and the cycle of each group and matching proposal

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINKED = ('groups', 'match_proposals')


def upgrade() -> None:
    op.create_table('cycle_applications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('hopes', sa.Text(), nullable=False),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('career_stage', sa.String(length=64), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours_per_month', sa.SmallInteger(), nullable=True),
    sa.Column('capacity', sa.SmallInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.BigInteger(), nullable=True),
    sa.Column('reviewed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('waitlisted_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('matched_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['program_cycles.id'], name=op.f('fk_cycle_applications_cycle_id_program_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_applications')),
    sa.UniqueConstraint('cycle_id', 'user_id', name=op.f('uq_cycle_applications_cycle_id_user_id'))
    )
    with op.batch_alter_table('cycle_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_applications_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index('ix_cycle_applications_guild_user', ['guild_id', 'user_id'], unique=False)
    # Plain ALTER TABLE, not batch mode: on SQLite a batch copies the table and drops the old
    # one, and dropping `groups` would cascade to its members, goals and meetings.
    for table in _LINKED:
        op.add_column(table, sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.create_index('ix_groups_cycle_id', 'groups', ['cycle_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_groups_cycle_id', table_name='groups')
    for table in _LINKED:
        op.execute(f'ALTER TABLE {table} DROP COLUMN cycle_id')  # no copy of the table (see above)
    with op.batch_alter_table('cycle_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_cycle_applications_guild_user')
        batch_op.drop_index(batch_op.f('ix_cycle_applications_cycle_id'))
    op.drop_table('cycle_applications')
