"""Program cycles: cohorts with a start and an end, one after another in a server."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, SurrogateKey
from bot.db.encryption import EncryptedText
from bot.db.types import UTCDateTime


class ProgramCycle(Base):
    """A cycle of the program: its calendar days, an optional kick-off, and when it was closed."""

    __tablename__ = "program_cycles"
    __table_args__ = (Index("ix_program_cycles_guild_starts", "guild_id", "starts_on"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(String(60))
    # Calendar days, the same for everyone: each member's "today" is read in their own zone.
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kickoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Closed by a coordinator (early, or cancelled before it began); None while it runs or waits.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # Given to every member who completes the cycle (recognition; optional).
    recognition_role_id: Mapped[int | None] = mapped_column(Snowflake, default=None)
    # When its ending ran: closing surveys sent and homes thanked (groups archived a week later).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The relationship pulse: first at day 30 of a match, then every this many days.
    pulse_every_days: Mapped[int] = mapped_column(SmallInteger, default=60, server_default=text("60"))


class CycleApplication(Base):
    """A member's application to a cycle (the intake form), and the coordinators' decision on it."""

    __tablename__ = "cycle_applications"
    __table_args__ = (
        UniqueConstraint("cycle_id", "user_id"),  # one application per member and cycle
        Index("ix_cycle_applications_guild_user", "guild_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("program_cycles.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    # mentor | mentee | peer
    role: Mapped[str] = mapped_column(String(16))
    # What they want from the cycle, in their own words (encrypted; coordinators read it).
    hopes: Mapped[str] = mapped_column(EncryptedText)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    career_stage: Mapped[str | None] = mapped_column(String(64), default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    hours_per_month: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # Mentors: how many mentees they can take this cycle.
    capacity: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # pending | accepted | waitlisted | declined | matched
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The reason given with a decline: only the applicant is shown it.
    decline_reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    reviewed_by: Mapped[int | None] = mapped_column(Snowflake, default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The waitlist's order: first waitlisted, first offered a place.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentoringAgreement(Base):
    """A cycle group's agreement: goals, how often and how they meet, how to reach each other."""

    __tablename__ = "mentoring_agreements"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    goals: Mapped[str] = mapped_column(EncryptedText)
    cadence: Mapped[str] = mapped_column(String(16))  # a key of bot.domain.cycles.CADENCES
    meeting_mode: Mapped[str] = mapped_column(String(16))  # a key of bot.domain.cycles.MEETING_MODES
    contact: Mapped[str] = mapped_column(EncryptedText)
    # Every change asks everyone again: a signature counts for the version it was given to.
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    updated_by: Mapped[int] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the members were asked at the cycle's midpoint whether it still holds.
    midpoint_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AgreementSignature(Base):
    """A member's agreement to a version of their group's agreement (and its midpoint review)."""

    __tablename__ = "agreement_signatures"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.group_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(SmallInteger)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "Still true" at the midpoint review.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RelationshipPulse(Base):
    """A member's private "How is your mentoring going?" (1–5) for one round of their cycle group."""

    __tablename__ = "relationship_pulses"
    __table_args__ = (UniqueConstraint("group_id", "user_id", "round"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    user_id: Mapped[int] = mapped_column(Snowflake)
    # 0 at day 30 of the match, then one every cycle.pulse_every_days.
    round: Mapped[int] = mapped_column(SmallInteger)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # Only coordinators read it, and only when the member allowed it.
    note: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    note_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ClosingSurvey(Base):
    """A member's closing survey for their match in a cycle (at its end, or when a match ends early)."""

    __tablename__ = "closing_surveys"
    __table_args__ = (UniqueConstraint("cycle_id", "group_id", "user_id"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("program_cycles.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    role: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # The outcome keys (bot.domain.cycles.OUTCOMES) the member said they got out of it.
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # continue (informally) | again (matched next cycle) | stop
    next_step: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str | None] = mapped_column(EncryptedText, default=None)  # coordinators only
    # Ended early by this member: why (coordinators only).
    end_reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
