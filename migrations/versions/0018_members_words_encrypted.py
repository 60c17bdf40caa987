"""goal titles and milestone names may be stored encrypted (longer than 100 characters): TEXT

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TITLES = ('goals', 'goal_milestones')


def upgrade() -> None:
    for table in _TITLES:
        _retype(table, 'TEXT', sa.String(length=100), sa.Text())


def downgrade() -> None:
    for table in _TITLES:
        _retype(table, 'VARCHAR(100)', sa.Text(), sa.String(length=100))


def _retype(table: str, sqlite_type: str, old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column(table, 'title', existing_type=old, type_=new, existing_nullable=False)
        return
    # Batch mode would copy the table and drop the old one, and with foreign keys on that DROP
    # deletes every milestone and update of the goals: swap the column in place instead.
    op.execute(f"ALTER TABLE {table} ADD COLUMN title_swap {sqlite_type} NOT NULL DEFAULT ''")
    op.execute(f'UPDATE {table} SET title_swap = title')
    op.execute(f'ALTER TABLE {table} DROP COLUMN title')
    op.execute(f'ALTER TABLE {table} RENAME COLUMN title_swap TO title')
