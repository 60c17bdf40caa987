"""Check-ins: schedules, question sets, per-member deliveries, answers and rounds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.encryption import EncryptedJSON
from bot.db.types import UTCDateTime


class QuestionSet(Base):
    """A server's own check-in questions (the built-in set needs no row)."""

    __tablename__ = "checkin_question_sets"
    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    # [{"text": "...", "kind": "short" | "long" | "scale"}], at most five
    questions: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinSchedule(Base):
    """When a group's members are asked to check in, each at their own local time."""

    __tablename__ = "checkin_schedules"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    cadence_kind: Mapped[str] = mapped_column(String(16))
    minute_of_day: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    every_weeks: Mapped[int] = mapped_column(SmallInteger, default=1)
    anchor_date: Mapped[date | None] = mapped_column(Date, default=None)
    cron: Mapped[str | None] = mapped_column(String(100), default=None)
    question_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_question_sets.id", ondelete="SET NULL"), default=None
    )
    # private | facilitators | group: what an answer is shared with unless the member chooses
    default_visibility: Mapped[str] = mapped_column(String(16), default="private")
    reminder_hours: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Deliveries are planned up to this moment; the planner continues from here.
    planned_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # The earliest moment after ``planned_until`` any member's next check-in can be scheduled
    # for: the planner leaves the schedule alone until then. None: to be worked out at its next run.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinDelivery(Base):
    """One member's check-in of one round: recorded before it is sent, exactly once."""

    __tablename__ = "checkin_deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "user_id", "round_date"),
        Index("ix_checkin_deliveries_guild_user", "guild_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("checkin_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    round_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # scheduled -> sent -> answered | skipped; or missed (too late) | undeliverable (DMs closed)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    message_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    failure: Mapped[str | None] = mapped_column(String(40), default=None)


class CheckinAnswer(Base):
    """A member's answers to one delivery, with who may see them."""

    __tablename__ = "checkin_answers"
    # /checkin history: one member's answers in a server, newest first, without reading the server's.
    __table_args__ = (Index("ix_checkin_answers_guild_user_created", "guild_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_deliveries.id", ondelete="CASCADE"), unique=True
    )
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(Snowflake)
    # [{"question": "...", "kind": "...", "value": "..."}]
    answers: Mapped[list[dict[str, Any]]] = mapped_column(EncryptedJSON)
    # private (only the member) | facilitators | group
    visibility: Mapped[str] = mapped_column(String(16))
    # Where the answer was posted when shared with the group (to take it down if unshared).
    shared_channel_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    shared_message_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinRound(Base):
    """One round of a schedule (a local calendar date); closing it posts a digest once."""

    __tablename__ = "checkin_rounds"
    __table_args__ = (UniqueConstraint("schedule_id", "round_date"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("checkin_schedules.id", ondelete="CASCADE"))
    round_date: Mapped[date] = mapped_column(Date)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    digest_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
