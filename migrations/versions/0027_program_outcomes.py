"""a program's own closing-survey outcomes

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('guild_settings', sa.Column('cycle_outcomes', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE guild_settings DROP COLUMN cycle_outcomes')  # no copy of the table
