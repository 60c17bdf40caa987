"""The database part of planning check-ins: one statement fans an occurrence out to its members.

Each occurrence worked out for a clock (``windows.py``) becomes a delivery for every member of
the group on that clock, and each delivery a DM in the outbox, with INSERT … SELECT: the rows
never travel through Python, so a round for 100,000 members is planned in a second or two. The
DMs are queued to be rendered when sent (``RENDER_WHEN_SENT``): at 50 a second there is time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    FromClause,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.among import among
from bot.db.models import (
    CheckinDelivery,
    CheckinRound,
    CheckinSchedule,
    GroupMember,
    GuildSettings,
    MemberProfile,
    OutboxMessage,
)
from bot.db.types import UTCDateTime
from bot.messaging.outbox import DUE_NOW, RENDER_WHEN_SENT
from bot.services.checkins.windows import NO_QUIET, Clock, ClockOccurrence

CHECKIN_ROLES = ("mentor", "mentee", "peer")

_schedules = CheckinSchedule.__table__
_members = GroupMember.__table__
_profiles = MemberProfile.__table__
_settings = GuildSettings.__table__
_deliveries = CheckinDelivery.__table__
_outbox = OutboxMessage.__table__
_rounds = CheckinRound.__table__


def _zone() -> ColumnElement[str]:
    """Return the member's zone: their own, else their server's default, else UTC."""
    return func.coalesce(func.nullif(_profiles.c.timezone, ""), _settings.c.default_timezone, "UTC")


def _quiet_start() -> ColumnElement[int]:
    return func.coalesce(_profiles.c.quiet_start_minute, NO_QUIET)


def _quiet_end() -> ColumnElement[int]:
    return func.coalesce(_profiles.c.quiet_end_minute, NO_QUIET)


def _with_clock(table: FromClause, guild_id: Any, user_id: Any) -> FromClause:
    """Join to ``table`` the profile and server settings that make a member's clock."""
    return table.outerjoin(
        _profiles, and_(_profiles.c.guild_id == guild_id, _profiles.c.user_id == user_id)
    ).outerjoin(_settings, _settings.c.guild_id == guild_id)


_GETS_CHECKINS = and_(
    _members.c.left_at.is_(None),
    _members.c.paused_at.is_(None),  # a facilitator paused them: no schedules
    _members.c.role.in_(CHECKIN_ROLES),
)


def _on_clock(clock: Clock) -> ColumnElement[bool]:
    return and_(
        _zone() == clock.zone,
        _quiet_start() == clock.quiet_start,
        _quiet_end() == clock.quiet_end,
    )


async def clocks_of(session: AsyncSession, group_of: dict[int, int]) -> dict[int, list[Clock]]:
    """Return the clocks of the members who get each schedule's check-ins (those on a break included).

    ``group_of`` maps each schedule to its group.
    """
    query = (
        select(_schedules.c.id, _zone(), _quiet_start(), _quiet_end())
        .select_from(_schedule_members())
        .where(*_of_schedules(session, group_of), _GETS_CHECKINS)
        .distinct()
    )
    clocks: dict[int, list[Clock]] = {schedule_id: [] for schedule_id in group_of}
    for schedule_id, zone, quiet_start, quiet_end in (await session.execute(query)).all():
        clocks[schedule_id].append(Clock(zone, quiet_start, quiet_end))
    return clocks


async def record_deliveries(session: AsyncSession, occurrences: list[ClockOccurrence]) -> None:
    """Record each occurrence's delivery for every member on its clock (not on a break that day)."""
    group_of = {o.schedule_id: o.group_id for o in occurrences}
    shared = _by(occurrences, lambda o: (o.clock, o.round_date, o.due_at, o.missed))
    for (clock, round_date, due_at, missed), schedule_ids in shared.items():
        members = (
            select(
                _members.c.guild_id,
                _members.c.group_id,
                _schedules.c.id,
                _members.c.user_id,
                literal(round_date, Date()),
                literal(due_at, UTCDateTime()),
                literal("missed" if missed else "scheduled"),
                literal("bot_offline" if missed else None, String()),
            )
            .select_from(_schedule_members())
            .where(
                *_of_schedules(session, {schedule_id: group_of[schedule_id] for schedule_id in schedule_ids}),
                _GETS_CHECKINS,
                _on_clock(clock),
                or_(
                    _profiles.c.checkins_paused_until.is_(None),
                    _profiles.c.checkins_paused_until < literal(round_date, Date()),
                ),
            )
        )
        columns = [
            "guild_id",
            "group_id",
            "schedule_id",
            "user_id",
            "round_date",
            "due_at",
            "status",
            "failure",
        ]
        await _insert_from(session, _deliveries, columns, members)


async def last_delivery_id(session: AsyncSession) -> int:
    """Return the newest delivery's id: those recorded next in this unit of work come after it."""
    return await session.scalar(select(func.max(_deliveries.c.id))) or 0


async def queue_dms(
    session: AsyncSession,
    occurrences: list[ClockOccurrence],
    now: datetime,
    late_grace: timedelta,
    *,
    recorded_after: int,
) -> None:
    """Put in the outbox the DM, and reminder, of each scheduled delivery after ``recorded_after``.

    Only deliveries just recorded get a DM (any earlier one already has it): they are found by
    id, in a range that holds just them, however long a schedule's history.
    """
    due = [o for o in occurrences if not o.missed]
    new = _deliveries.c.id > recorded_after
    for (round_date, due_at), schedule_ids in _by(due, lambda o: (o.round_date, o.due_at)).items():
        query = _dms_of(
            session, "checkin:", _deliveries, schedule_ids, round_date, due_at, due_at, late_grace, now
        )
        await _insert_from(session, _outbox, _OUTBOX_COLUMNS, query.where(new))
    reminded = _by(
        [o for o in due if o.remind_at is not None], lambda o: (o.clock, o.round_date, o.due_at, o.remind_at)
    )
    for (clock, round_date, due_at, remind_at), schedule_ids in reminded.items():
        members = _with_clock(_deliveries, _deliveries.c.guild_id, _deliveries.c.user_id)
        query = _dms_of(
            session,
            "checkin-reminder:",
            members,
            schedule_ids,
            round_date,
            due_at,
            remind_at,
            late_grace,
            now,
        ).where(new, _on_clock(clock))
        await _insert_from(session, _outbox, _OUTBOX_COLUMNS, query)


async def extend_rounds(session: AsyncSession, closes: dict[tuple[int, date], datetime]) -> None:
    """Record each (schedule, round), or move its closing time later if this plan needs it."""
    shared: dict[tuple[date, datetime], list[int]] = defaultdict(list)
    for (schedule_id, round_date), at in closes.items():
        shared[(round_date, at)].append(schedule_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    for (round_date, at), schedule_ids in shared.items():
        rounds = select(
            _schedules.c.guild_id, _schedules.c.id, literal(round_date, Date()), literal(at, UTCDateTime())
        ).where(among(session, _schedules.c.id, schedule_ids))
        statement = (postgresql.insert if postgres else sqlite.insert)(_rounds).from_select(
            ["guild_id", "schedule_id", "round_date", "closes_at"], rounds
        )
        later = (func.greatest if postgres else func.max)(_rounds.c.closes_at, statement.excluded.closes_at)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[_rounds.c.schedule_id, _rounds.c.round_date], set_={"closes_at": later}
            )
        )


_OUTBOX_COLUMNS = [
    "dedupe_key",
    "guild_id",
    "target_kind",
    "target_id",
    "payload",
    "not_before",
    "expires_at",
    "status",
    "priority",
    "attempts",
    "created_at",
]


def _of_schedules(session: AsyncSession, group_of: dict[int, int]) -> tuple[ColumnElement[bool], ...]:
    """Narrow a join of schedules and members to these schedules (and their groups' members).

    Naming the groups too lets PostgreSQL start from their members' index, whatever its estimates
    (a table just filled has none): otherwise it may read every member for each slice.
    """
    return (
        among(session, _schedules.c.id, list(group_of)),
        among(session, _members.c.group_id, set(group_of.values())),
    )


def _schedule_members() -> FromClause:
    """Join each schedule to its group's members and their clocks."""
    members = _schedules.join(_members, _members.c.group_id == _schedules.c.group_id)
    return _with_clock(members, _members.c.guild_id, _members.c.user_id)


def _dms_of(
    session: AsyncSession,
    prefix: str,
    source: FromClause,
    schedule_ids: list[int],
    round_date: date,
    due_at: datetime,
    at: datetime,
    late_grace: timedelta,
    now: datetime,
) -> Select[Any]:
    """Select one outbox row, sent at ``at``, per scheduled delivery of these schedules at one moment."""
    return (
        select(
            literal(prefix) + cast(_deliveries.c.id, String()),
            _deliveries.c.guild_id,
            literal("dm"),
            _deliveries.c.user_id,
            literal_column(f"'{json.dumps(RENDER_WHEN_SENT)}'", type_=_outbox.c.payload.type),
            literal(at, UTCDateTime()),
            literal(at + late_grace, UTCDateTime()),
            literal("pending"),
            literal(DUE_NOW),
            literal(0),
            literal(now, UTCDateTime()),
        )
        .select_from(source)
        .where(
            among(session, _deliveries.c.schedule_id, schedule_ids),
            _deliveries.c.round_date == literal(round_date, Date()),
            _deliveries.c.due_at == literal(due_at, UTCDateTime()),
            _deliveries.c.status == "scheduled",
        )
    )


def _by(
    occurrences: list[ClockOccurrence], key: Callable[[ClockOccurrence], Hashable]
) -> dict[Any, list[int]]:
    """Group the schedules of these occurrences by what one statement can share."""
    shared: dict[Any, list[int]] = defaultdict(list)
    for occurrence in occurrences:
        shared[key(occurrence)].append(occurrence.schedule_id)
    return shared


async def _insert_from(session: AsyncSession, table: Any, columns: list[str], query: Select[Any]) -> None:
    """Run INSERT … SELECT, skipping rows whose unique key already exists."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(table).from_select(columns, query).on_conflict_do_nothing())
