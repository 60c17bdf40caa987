"""the outbox sends what is due now before a catch-up backlog: outbox.priority

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), server_default='0', nullable=False))
        batch_op.drop_index('ix_outbox_status_not_before')
        batch_op.create_index(
            'ix_outbox_status_priority_not_before', ['status', 'priority', 'not_before'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_priority_not_before')
        batch_op.create_index('ix_outbox_status_not_before', ['status', 'not_before'], unique=False)
        batch_op.drop_column('priority')
