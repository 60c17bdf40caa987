"""mentoring agreements of cycle groups, and each member's agreement to a version of it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mentoring_agreements',
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('meeting_mode', sa.String(length=16), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('version', sa.SmallInteger(), nullable=False),
    sa.Column('updated_by', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('midpoint_asked_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_mentoring_agreements_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_mentoring_agreements'))
    )
    with op.batch_alter_table('mentoring_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_agreements_guild_id'), ['guild_id'], unique=False)
    op.create_table('agreement_signatures',
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.SmallInteger(), nullable=False),
    sa.Column('agreed_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['mentoring_agreements.group_id'], name=op.f('fk_agreement_signatures_group_id_mentoring_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_agreement_signatures'))
    )


def downgrade() -> None:
    op.drop_table('agreement_signatures')
    with op.batch_alter_table('mentoring_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_agreements_guild_id'))
    op.drop_table('mentoring_agreements')
