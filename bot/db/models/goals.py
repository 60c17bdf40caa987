"""Goals with milestones, their updates, and the partners who keep their owner accountable."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.encryption import EncryptedText
from bot.db.types import UTCDateTime


class Goal(Base):
    """A member's goal, grounded in why it matters, optionally in a group's context."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_guild_owner", "guild_id", "owner_id"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    owner_id: Mapped[int] = mapped_column(Snowflake)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), default=None)
    # Encrypted like every free text a member types about themselves: search it in Python.
    title: Mapped[str] = mapped_column(EncryptedText)
    why: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # short | long: the academic development plan's short- and long-term goals
    horizon: Mapped[str] = mapped_column(String(8), default="short")
    # private (owner only) | partners | group
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    # active | paused | done | dropped
    status: Mapped[str] = mapped_column(String(16), default="active")
    reflection: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The last stale nudge: one per stretch of silence, then quiet until the next period.
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The due date's two reminders (to the owner, and partners who may see the goal): "coming up"
    # ``goals.due_reminder_days`` before, and on the day. Cleared when the due date moves.
    due_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_day_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class GoalMilestone(Base):
    """A step towards a goal."""

    __tablename__ = "goal_milestones"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(EncryptedText)
    position: Mapped[int] = mapped_column(SmallInteger)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class GoalUpdate(Base):
    """Something that happened to a goal: progress, a milestone, completion, a partner's cheer or note."""

    __tablename__ = "goal_updates"
    # /goal list's streak: one member's recent work in a server, without reading everyone's.
    __table_args__ = (Index("ix_goal_updates_guild_author_created", "guild_id", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    author_id: Mapped[int] = mapped_column(Snowflake)
    # progress | milestone | done | dropped | cheer | note
    kind: Mapped[str] = mapped_column(String(16))
    progress_before: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    progress_after: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    note: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GoalPartner(Base):
    """An accountability partner of a goal (a member of the goal's group)."""

    __tablename__ = "goal_partners"
    # /goal list: the goals someone partners on (the key starts with the goal).
    __table_args__ = (Index("ix_goal_partners_user_id", "user_id"),)

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
