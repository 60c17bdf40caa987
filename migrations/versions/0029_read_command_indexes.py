"""indexes for members' read commands: /group list, /goal list, /checkin history

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 06:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX: a batch would copy each table.
    op.create_index("ix_groups_guild_open", "groups", ["guild_id", "is_open"])
    op.create_index("ix_goal_partners_user_id", "goal_partners", ["user_id"])
    op.create_index(
        "ix_checkin_answers_guild_user_created", "checkin_answers", ["guild_id", "user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_checkin_answers_guild_user_created", table_name="checkin_answers")
    op.drop_index("ix_goal_partners_user_id", table_name="goal_partners")
    op.drop_index("ix_groups_guild_open", table_name="groups")
