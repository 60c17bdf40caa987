"""members' opt-in to research use of their de-identified counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:05:55.005462
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('research_opt_in', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('member_profiles', schema=None) as batch_op:
        batch_op.drop_column('research_opt_in')
