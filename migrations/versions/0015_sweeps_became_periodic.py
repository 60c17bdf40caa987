"""the check-in planner, goals sweep and rescue sweep became periodic jobs: forget their job states

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RETIRED = ('checkin:planner', 'goals:sweep', 'rescue:sweep')


def upgrade() -> None:
    job_states = sa.table('job_states', sa.column('job_id', sa.String))
    op.execute(job_states.delete().where(job_states.c.job_id.in_(_RETIRED)))


def downgrade() -> None:
    pass  # the old jobs recreate their state when they load
