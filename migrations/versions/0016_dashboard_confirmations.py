"""a dashboard running without the bot asks the bot to confirm a matching proposal

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_requested_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('confirm_requested_at', bot.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirm_problem', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.drop_column('confirm_problem')
        batch_op.drop_column('confirm_requested_at')
        batch_op.drop_column('confirm_requested_by')
