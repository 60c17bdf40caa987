"""a role given to every member who completes a cycle

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 03:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would copy program_cycles and cascade its drop to the applications.
    op.add_column('program_cycles', sa.Column('recognition_role_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE program_cycles DROP COLUMN recognition_role_id')  # no copy of the table
