"""the outbox keeps each claim's first moment and a digest of what was sent, to find a message
made before a long outage instead of sending it twice

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_claimed_at', bot.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sent_digest', sa.Text(), nullable=True))
    outbox = sa.table('outbox', sa.column('claimed_at'), sa.column('first_claimed_at'))
    op.execute(outbox.update().where(outbox.c.claimed_at.is_not(None)).values(first_claimed_at=outbox.c.claimed_at))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('sent_digest')
        batch_op.drop_column('first_claimed_at')
