"""program cycles: cohorts with start and end days and an optional kick-off

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('program_cycles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kickoff_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('closed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_cycles'))
    )
    with op.batch_alter_table('program_cycles', schema=None) as batch_op:
        batch_op.create_index('ix_program_cycles_guild_starts', ['guild_id', 'starts_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('program_cycles', schema=None) as batch_op:
        batch_op.drop_index('ix_program_cycles_guild_starts')
    op.drop_table('program_cycles')
