"""The check-in planner: each member's delivery planned at their local time, sent once; rounds closed.

The planner is one scheduled job. Each run extends every active schedule's plan a little into
the future: for each member it computes the occurrences at their own local time (quiet hours
and holidays respected), records one delivery per (schedule, member, round) — the unique key —
and puts the DM in the outbox with the delivery's time as ``not_before``. The outbox sends it
once, with a nonce derived from the delivery. Deliveries whose time passed more than the late
grace ago (the bot was down) are recorded as missed and never sent. When a round closes, the
group's home gets a digest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import (
    CheckinDelivery,
    CheckinRound,
    CheckinSchedule,
    Group,
    GroupMember,
    MemberProfile,
    OutboxMessage,
    QuestionSet,
)
from bot.db.upsert import insert_ignore
from bot.domain.checkin_questions import DEFAULT_QUESTIONS, Question, questions_from_json
from bot.domain.recurrence import Cadence, MemberOccurrence, occurrences_between, shift_out_of_quiet
from bot.messaging import OutgoingMessage, Target
from bot.messaging.outbox import CATCH_UP, DUE_NOW, Outcome, enqueue, outbox_row
from bot.scheduling.engine import SchedulingEngine
from bot.services.checkin_plans import checkins_still_wanted
from bot.services.checkins import messages
from bot.services.checkins.rounds import EarlierRounds, earlier_rounds, round_stats
from bot.services.groups import GroupService
from bot.services.settings import SettingsService

PLAN_EVERY = timedelta(minutes=5)
# Plan a little further than the next planner run, so a delivery is in the outbox before its time.
PLAN_AHEAD = timedelta(minutes=15)
OUTBOX_SLICE = 2_000
SCHEDULE_SLICE = 50  # schedules planned in one unit of work: short, so commands wait little
CHECKIN_ROLES = ("mentor", "mentee", "peer")
# A round closed longer ago than this when its summary is due (the bot was away) is old news: its
# schedule's summaries are folded into one, sent after what is due now.
STALE_SUMMARY = timedelta(hours=12)

log = logging.getLogger(__name__)


class CheckinPlanner:
    """Plans and sends check-in deliveries, closes rounds with a digest, records how each DM ended."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        *,
        late_grace: timedelta = timedelta(hours=2),
        round_hours: int = 24,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self._late_grace = late_grace
        self._round_length = timedelta(hours=round_hours)
        # Idempotent, so running it again is harmless (it extends each
        # schedule's plan from ``planned_until``), and committing slice by slice keeps SQLite's
        # write lock free for members' commands during a big program's planning.
        scheduler.add_periodic("checkin-planner", PLAN_EVERY.total_seconds(), self.run_planner)

    async def run_planner(self) -> int:
        """Plan every schedule of this process's servers, a slice per unit of work; return how many."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            due = await self._due_schedules(session, now)
        planned = 0
        for first in range(0, len(due), SCHEDULE_SLICE):
            async with self._db.transaction() as session:
                planned += await self._plan_slice(session, due[first : first + SCHEDULE_SLICE], now)
        async with self._db.transaction() as session:
            query = self._closed_rounds(now, select(CheckinRound.schedule_id).distinct())
            closed = sorted(await session.scalars(query))
        folded = Counter[str]()
        for first in range(0, len(closed), SCHEDULE_SLICE):
            async with self._db.transaction() as session:
                folded += await self._close_rounds(session, now, closed[first : first + SCHEDULE_SLICE])
        if folded:
            log.info(
                "check-ins: %d rounds closed while the bot was away: %d summaries skipped, "
                "folded into one for each of %d schedules",
                folded["rounds"],
                folded["rounds"] - folded["schedules"],
                folded["schedules"],
            )
        self._scheduler.run_soon("outbox")
        return planned

    async def plan(self, session: AsyncSession, now: datetime, *, schedule_ids: list[int]) -> int:
        """Plan the given schedules in ``session`` (a schedule just made or changed)."""
        return await self._plan_slice(session, await self._due_schedules(session, now, schedule_ids), now)

    async def _due_schedules(
        self, session: AsyncSession, now: datetime, schedule_ids: list[int] | None = None
    ) -> list[int]:
        """Return the ids of active schedules of this process's servers not planned far enough."""
        query = (
            select(CheckinSchedule.id)
            .join(Group, Group.id == CheckinSchedule.group_id)
            .where(
                CheckinSchedule.paused.is_(False),
                Group.archived_at.is_(None),
                CheckinSchedule.planned_until < now + PLAN_AHEAD,
                self._scheduler.scope.clause(CheckinSchedule.guild_id),
            )
            .order_by(CheckinSchedule.id)
        )
        if schedule_ids is not None:
            query = query.where(CheckinSchedule.id.in_(schedule_ids))
        return list(await session.scalars(query))

    async def _plan_slice(self, session: AsyncSession, schedule_ids: list[int], now: datetime) -> int:
        """Record and enqueue the deliveries of these schedules due before the next planner run.

        The schedules are locked and their ``planned_until`` read again, so two processes (or
        a command and the planner) never plan the same stretch twice; on PostgreSQL a process
        skips schedules another is planning right now.
        """
        if not schedule_ids:
            return 0
        query = (
            select(CheckinSchedule, Group)
            .join(Group, Group.id == CheckinSchedule.group_id)
            .where(CheckinSchedule.id.in_(schedule_ids), CheckinSchedule.planned_until < now + PLAN_AHEAD)
            .order_by(CheckinSchedule.id)
            .with_for_update(of=CheckinSchedule, skip_locked=True)
        )
        batch = list((await session.execute(query)).all())
        return await self._plan_schedules(session, batch, now) if batch else 0

    async def _plan_schedules(
        self, session: AsyncSession, batch: list[tuple[CheckinSchedule, Group]], now: datetime
    ) -> int:
        end = now + PLAN_AHEAD
        schedules_of: dict[int, list[CheckinSchedule]] = {}
        for schedule, group in batch:
            schedules_of.setdefault(group.id, []).append(schedule)
        cadences = {schedule.id: _cadence(schedule) for schedule, _ in batch}
        default_zones = {
            guild_id: (await self._settings.get_in(session, guild_id)).default_timezone
            for guild_id in {schedule.guild_id for schedule, _ in batch}
        }
        rows: list[dict[str, Any]] = []
        inserted = 0
        round_closes: dict[tuple[int, date], datetime] = {}
        # Members who share a zone and quiet hours share their occurrences: compute each once.
        by_clock: dict[tuple[int, str, tuple[int, int] | None], list[MemberOccurrence]] = {}
        async for member in _member_clocks(session, list(schedules_of)):
            zone = member.timezone or default_zones[member.guild_id]
            quiet = _quiet(member)
            for schedule in schedules_of[member.group_id]:
                clock = (schedule.id, zone, quiet)
                if clock not in by_clock:
                    by_clock[clock] = occurrences_between(
                        cadences[schedule.id], zone, schedule.planned_until, end, quiet
                    )
                for occurrence in by_clock[clock]:
                    paused_until = member.checkins_paused_until
                    if paused_until is not None and occurrence.round_date <= paused_until:
                        continue
                    row = _delivery_row(schedule, member.user_id, occurrence.round_date, occurrence.due_at)
                    if occurrence.due_at + self._late_grace < now:
                        row["status"], row["failure"] = "missed", "bot_offline"
                    rows.append(row)
                    closes = occurrence.due_at + self._round_length
                    key = (schedule.id, occurrence.round_date)
                    round_closes[key] = max(closes, round_closes.get(key, closes))
            if len(rows) >= OUTBOX_SLICE:
                inserted += await insert_ignore(session, CheckinDelivery.__table__, rows)
                rows = []
        inserted += await insert_ignore(session, CheckinDelivery.__table__, rows)
        guild_of = {schedule.id: schedule.guild_id for schedule, _ in batch}
        await self._extend_rounds(session, guild_of, round_closes)
        for schedule, _ in batch:
            schedule.planned_until = end
        await self._enqueue_deliveries(session, batch, now)
        return inserted

    async def _enqueue_deliveries(
        self, session: AsyncSession, batch: list[tuple[CheckinSchedule, Group]], now: datetime
    ) -> None:
        """Put each scheduled delivery (and its reminder) in the outbox; keys make this idempotent."""
        schedules = {schedule.id: (schedule, group) for schedule, group in batch}
        questions = {
            set_id: await _questions(session, set_id)
            for set_id in {schedule.question_set_id for schedule, _ in batch}
        }
        with_reminders = any(schedule.reminder_hours for schedule, _ in batch)
        default_zones = {
            guild_id: (await self._settings.get_in(session, guild_id)).default_timezone
            for guild_id in {schedule.guild_id for schedule, _ in batch}
        }
        query = (
            select(
                CheckinDelivery.id,
                CheckinDelivery.guild_id,
                CheckinDelivery.user_id,
                CheckinDelivery.schedule_id,
                CheckinDelivery.round_date,
                CheckinDelivery.due_at,
            )
            .where(
                CheckinDelivery.schedule_id.in_(list(schedules)),
                CheckinDelivery.status == "scheduled",
                CheckinDelivery.due_at <= now + PLAN_AHEAD,
                CheckinDelivery.due_at > now - self._late_grace,
            )
            .order_by(CheckinDelivery.id)
            .limit(OUTBOX_SLICE)
        )
        if with_reminders:  # the member's clock only matters for a reminder (out of quiet hours)
            query = query.add_columns(*_CLOCK_COLUMNS).outerjoin(
                MemberProfile,
                and_(
                    MemberProfile.guild_id == CheckinDelivery.guild_id,
                    MemberProfile.user_id == CheckinDelivery.user_id,
                ),
            )
        # In slices (by id), so a round for 100,000 members never holds all its messages in memory.
        after = 0
        while deliveries := (await session.execute(query.where(CheckinDelivery.id > after))).all():
            after = deliveries[-1].id
            outbox: list[dict[str, object]] = []
            for d in deliveries:
                schedule, group = schedules[d.schedule_id]
                message = messages.checkin_dm(
                    d.id,
                    group.name,
                    d.round_date,
                    questions[schedule.question_set_id],
                    schedule.default_visibility,  # type: ignore[arg-type]
                )
                outbox.append(_dm_row(f"checkin:{d.id}", d, message, d.due_at, self._late_grace, now))
                if schedule.reminder_hours:
                    zone = d.timezone or default_zones[d.guild_id]
                    remind_at = shift_out_of_quiet(
                        d.due_at + timedelta(hours=schedule.reminder_hours), zone, _quiet(d)
                    )
                    reminder = messages.reminder_dm(d.id, group.name)
                    outbox.append(
                        _dm_row(f"checkin-reminder:{d.id}", d, reminder, remind_at, self._late_grace, now)
                    )
            await insert_ignore(session, OutboxMessage.__table__, outbox)

    async def _extend_rounds(
        self,
        session: AsyncSession,
        guild_of: dict[int, int],
        closes: dict[tuple[int, date], datetime],
    ) -> None:
        """Record each (schedule, round) and move its closing time later if this plan needs it."""
        if not closes:
            return
        await insert_ignore(
            session,
            CheckinRound.__table__,
            [
                {
                    "guild_id": guild_of[schedule_id],
                    "schedule_id": schedule_id,
                    "round_date": day,
                    "closes_at": at,
                }
                for (schedule_id, day), at in closes.items()
            ],
        )
        rounds = CheckinRound.__table__
        await session.execute(
            update(rounds)
            .where(
                rounds.c.schedule_id == bindparam("s_id"),
                rounds.c.round_date == bindparam("day"),
                rounds.c.closes_at < bindparam("closes"),
            )
            .values(closes_at=bindparam("closes")),
            [{"s_id": schedule_id, "day": day, "closes": at} for (schedule_id, day), at in closes.items()],
        )

    def _closed_rounds(self, now: datetime, query: Select[Any]) -> Select[Any]:
        """Narrow ``query`` (over rounds) to this process's rounds that closed without a digest."""
        return (
            query.join(CheckinSchedule, CheckinSchedule.id == CheckinRound.schedule_id)
            .join(Group, Group.id == CheckinSchedule.group_id)
            .where(
                CheckinRound.closes_at <= now,
                CheckinRound.digest_posted_at.is_(None),
                self._scheduler.scope.clause(Group.guild_id),
            )
        )

    async def _close_rounds(
        self, session: AsyncSession, now: datetime, schedule_ids: list[int]
    ) -> Counter[str]:
        """Post a summary of these schedules' rounds that closed without one (locked, read again).

        After an outage a schedule may have a round for every day it missed: those closed longer
        ago than ``STALE_SUMMARY`` are folded into one summary of its latest round, sent after
        whatever is due now. Return how many rounds and schedules were folded that way.
        """
        query = self._closed_rounds(now, select(CheckinRound, CheckinSchedule, Group))
        query = (
            query.where(CheckinRound.schedule_id.in_(schedule_ids))
            .order_by(CheckinRound.schedule_id, CheckinRound.round_date)
            .with_for_update(of=CheckinRound, skip_locked=True)
        )
        rounds_of: dict[int, list[tuple[CheckinRound, CheckinSchedule, Group]]] = {}
        for row in (await session.execute(query)).all():
            rounds_of.setdefault(row[0].schedule_id, []).append(tuple(row))  # type: ignore[arg-type]
        folded = Counter[str]()
        for rows in rounds_of.values():
            for round_, _, _ in rows:
                round_.digest_posted_at = now
            _, schedule, group = rows[-1]
            if group.home_channel_id is None or group.archived_at is not None:
                continue
            if all(round_.closes_at >= now - STALE_SUMMARY for round_, _, _ in rows):
                for round_, _, _ in rows:
                    await self._post_summary(session, now, round_, schedule, group)
                continue
            earlier = [round_.round_date for round_, _, _ in rows[:-1]]
            summary = await earlier_rounds(session, schedule.id, earlier) if earlier else None
            await self._post_summary(session, now, rows[-1][0], schedule, group, earlier=summary)
            folded.update(rounds=len(rows), schedules=1)
            log.debug(
                "check-ins: schedule %s: %d rounds closed while the bot was away, one summary (%s to %s)",
                schedule.id,
                len(rows),
                rows[0][0].round_date,
                rows[-1][0].round_date,
            )
        return folded

    async def _post_summary(
        self,
        session: AsyncSession,
        now: datetime,
        round_: CheckinRound,
        schedule: CheckinSchedule,
        group: Group,
        *,
        earlier: EarlierRounds | None = None,
    ) -> None:
        stats = await round_stats(session, schedule.id, round_.round_date)
        # A summary folding the rounds missed while away is catch-up, even if its latest round just closed.
        late = earlier is not None or round_.closes_at < now - STALE_SUMMARY
        assert group.home_channel_id is not None
        await enqueue(
            session,
            key=f"checkin-digest:{round_.id}",
            target=Target("channel", group.home_channel_id),
            message=messages.digest(
                group.name,
                round_.round_date,
                stats.answered,
                stats.total,
                stats.highlights(),
                unasked=stats.unasked,
                earlier=earlier,
            ),
            now=now,
            guild_id=group.guild_id,
            priority=CATCH_UP if late else DUE_NOW,
        )

    async def still_wanted(self, keys: list[str]) -> set[str]:
        """Return which check-in DMs, reminders and snoozes (outbox keys) are still to be sent."""
        async with self._db.reading() as session:
            return await checkins_still_wanted(session, keys)

    async def on_delivery_outcome(self, outcome: Outcome) -> None:
        """Record how a check-in DM ended; tell a member with closed DMs once, in the group's home."""
        delivery_id = int(outcome.key.split(":")[1])
        async with self._db.transaction() as session:
            delivery = await session.get(CheckinDelivery, delivery_id, with_for_update=True)
            if delivery is None:
                return
            if outcome.status == "sent":
                if delivery.status == "scheduled":
                    delivery.status = "sent"
                delivery.sent_at = self._clock.now()
                delivery.channel_id, delivery.message_id = outcome.channel_id, outcome.message_id
                return
            if delivery.status != "scheduled":
                return
            delivery.status = "missed" if outcome.status == "expired" else "undeliverable"
            delivery.failure = outcome.failure
            if outcome.failure == "dm_closed":
                group = await session.get(Group, delivery.group_id)
                if group is not None and group.home_channel_id is not None:
                    await enqueue(
                        session,
                        key=f"checkin-dm-notice:{delivery.guild_id}:{delivery.user_id}:{self._clock.now():%Y%m%dT%H%M}",
                        target=Target("channel", group.home_channel_id),
                        message=messages.dm_blocked_notice(delivery.user_id, group.name),
                        now=self._clock.now(),
                        guild_id=delivery.guild_id,
                    )
        self._scheduler.run_soon("outbox")


_CLOCK_COLUMNS = (
    MemberProfile.timezone,
    MemberProfile.quiet_start_minute,
    MemberProfile.quiet_end_minute,
    MemberProfile.checkins_paused_until,
)


async def _member_clocks(session: AsyncSession, group_ids: list[int]) -> AsyncIterator[Row[Any]]:
    """Yield the members who get check-ins in these groups, with their profile's clock, page by page."""
    query = (
        select(
            GroupMember.id, GroupMember.group_id, GroupMember.guild_id, GroupMember.user_id, *_CLOCK_COLUMNS
        )
        .outerjoin(
            MemberProfile,
            and_(
                MemberProfile.guild_id == GroupMember.guild_id, MemberProfile.user_id == GroupMember.user_id
            ),
        )
        .where(
            GroupMember.group_id.in_(group_ids),
            GroupMember.left_at.is_(None),
            GroupMember.paused_at.is_(None),  # a facilitator paused them: no schedules
            GroupMember.role.in_(CHECKIN_ROLES),
        )
        .order_by(GroupMember.id)
        .limit(OUTBOX_SLICE)
    )
    after = 0
    while page := (await session.execute(query.where(GroupMember.id > after))).all():
        after = page[-1].id
        for member in page:
            yield member


def _quiet(row: Row[Any]) -> tuple[int, int] | None:
    """Return a member's quiet hours from a row with the profile's clock columns (None: none set)."""
    if row.quiet_start_minute is None or row.quiet_end_minute is None:
        return None
    return (row.quiet_start_minute, row.quiet_end_minute)


async def _questions(session: AsyncSession, question_set_id: int | None) -> tuple[Question, ...]:
    if question_set_id is None:
        return DEFAULT_QUESTIONS
    found = await session.get(QuestionSet, question_set_id)
    return questions_from_json(found.questions if found else None)


def _cadence(row: CheckinSchedule) -> Cadence:
    return Cadence(
        kind=row.cadence_kind,  # type: ignore[arg-type]
        minute_of_day=row.minute_of_day,
        weekdays=frozenset(row.weekdays or ()),
        every_weeks=row.every_weeks,
        anchor=row.anchor_date,
        cron=row.cron,
    )


def _delivery_row(
    schedule: CheckinSchedule, user_id: int, round_date: date, due_at: datetime
) -> dict[str, Any]:
    return {
        "guild_id": schedule.guild_id,
        "group_id": schedule.group_id,
        "schedule_id": schedule.id,
        "user_id": user_id,
        "round_date": round_date,
        "due_at": due_at,
        "status": "scheduled",
        "failure": None,
    }


def _dm_row(
    key: str, delivery: Row[Any], message: OutgoingMessage, at: datetime, grace: timedelta, now: datetime
) -> dict[str, object]:
    """Return the outbox row of a check-in DM: due at ``at``, too late after ``grace``."""
    return outbox_row(
        key=key,
        target=Target("dm", delivery.user_id),
        message=message,
        now=now,
        not_before=at,
        expires_at=at + grace,
        guild_id=delivery.guild_id,
    )
