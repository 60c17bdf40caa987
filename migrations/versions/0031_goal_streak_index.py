"""an index for /goal list's streak: one member's goal updates in a server

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX: a batch would copy the table.
    op.create_index(
        "ix_goal_updates_guild_author_created", "goal_updates", ["guild_id", "author_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_goal_updates_guild_author_created", table_name="goal_updates")
