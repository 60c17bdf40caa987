"""when each process last watched its servers: the time it was away is known at its next start

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watch",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("seen_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_watch")),
    )


def downgrade() -> None:
    op.drop_table("watch")
