"""each check-in schedule's next due moment

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would copy checkin_schedules and cascade its drop to the deliveries.
    column = sa.Column('next_due_at', bot.db.types.UTCDateTime(timezone=True), nullable=True)
    op.add_column('checkin_schedules', column)
    # Unknown (NULL) is planned at the planner's next run, as every schedule was before.
    op.create_index('ix_checkin_schedules_next_due_at', 'checkin_schedules', ['next_due_at'])


def downgrade() -> None:
    op.drop_index('ix_checkin_schedules_next_due_at', table_name='checkin_schedules')
    op.execute('ALTER TABLE checkin_schedules DROP COLUMN next_due_at')  # no copy of the table
