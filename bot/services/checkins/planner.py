"""The check-in planner: each member's delivery planned at their local time, sent once; rounds closed.

The planner is one scheduled job. Each schedule keeps its next due moment; a run looks at the
schedules due before the next run (one indexed query) and extends their plan: the occurrences of
each clock its members are on (zone and quiet hours; ``windows.py``, off the event loop), then
one delivery per (schedule, member, round) — the unique key — and its DM in the outbox with the
delivery's time as ``not_before`` (``fan_out.py``, in the database). The outbox renders and sends
each DM once, with a nonce derived from the delivery. Deliveries whose time passed more than the
late grace ago (the bot was down) are recorded as missed and never sent. When a round closes, the
group's home gets a digest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.among import among
from bot.db.engine import Database
from bot.db.models import CheckinDelivery, CheckinRound, CheckinSchedule, Group, QuestionSet
from bot.domain.checkin_questions import DEFAULT_QUESTIONS, Question, questions_from_json
from bot.domain.recurrence import Cadence
from bot.messaging import OutgoingMessage, Target
from bot.messaging.outbox import CATCH_UP, DUE_NOW, Outcome, enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.checkin_plans import checkins_still_wanted
from bot.services.checkins import fan_out, messages
from bot.services.checkins.rounds import EarlierRounds, earlier_rounds, round_stats
from bot.services.checkins.windows import ScheduleWindow, plan_windows
from bot.services.groups import GroupService
from bot.services.settings import SettingsService

PLAN_EVERY = timedelta(minutes=5)
# Plan a little further than the next planner run, so a delivery is in the outbox before its time.
PLAN_AHEAD = timedelta(minutes=15)
# Schedules planned in one unit of work: each statement fans out to all their members at once.
SCHEDULE_SLICE = 500
# Slices planned at once. PostgreSQL works on each connection's statements in its own process, so
# two slices keep two of its cores busy; SQLite has one writer, so its slices go one after another.
CONCURRENT_SLICES = {"postgresql": 2}
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
        """Plan the schedules of this process's servers now due, a slice per unit of work; return how many."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            due = await self._due_schedules(session, now)
        await self._plan_slices(due, now)
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
        return len(due)

    async def _plan_slices(self, due: list[int], now: datetime) -> None:
        """Plan ``due`` a slice per unit of work, ``CONCURRENT_SLICES`` at once.

        After a failure no further slice starts; those under way finish (a statement is never
        cancelled halfway) and the first failure is raised. Slices committed stay planned.
        """
        turns = asyncio.Semaphore(CONCURRENT_SLICES.get(self._db.dialect, 1))
        failures: list[Exception] = []

        async def plan_in_turn(schedule_ids: list[int]) -> None:
            async with turns:
                if failures:
                    return
                try:
                    async with self._db.transaction() as session:
                        await self._plan_slice(session, schedule_ids, now)
                except Exception as failed:
                    failures.append(failed)

        slices = [due[first : first + SCHEDULE_SLICE] for first in range(0, len(due), SCHEDULE_SLICE)]
        await asyncio.gather(*(plan_in_turn(schedule_ids) for schedule_ids in slices))
        if failures:
            raise failures[0]

    async def plan(self, session: AsyncSession, now: datetime, *, schedule_ids: list[int]) -> int:
        """Plan the given schedules in ``session`` (a schedule just made or changed); return how many."""
        return await self._plan_slice(session, await self._due_schedules(session, now, schedule_ids), now)

    async def _due_schedules(
        self, session: AsyncSession, now: datetime, schedule_ids: list[int] | None = None
    ) -> list[int]:
        """Return the ids of active schedules of this process's servers with a check-in due soon.

        One indexed look at each schedule's next due moment: members' clocks are read only for
        the schedules that have something to plan (or whose members or clocks changed).
        """
        end = now + PLAN_AHEAD
        query = (
            select(CheckinSchedule.id)
            .join(Group, Group.id == CheckinSchedule.group_id)
            .where(
                or_(CheckinSchedule.next_due_at.is_(None), CheckinSchedule.next_due_at <= end),
                CheckinSchedule.planned_until < end,
                CheckinSchedule.paused.is_(False),
                Group.archived_at.is_(None),
                self._scheduler.scope.clause(CheckinSchedule.guild_id),
            )
            .order_by(CheckinSchedule.id)
        )
        if schedule_ids is not None:
            query = query.where(CheckinSchedule.id.in_(schedule_ids))
        return list(await session.scalars(query))

    async def _plan_slice(self, session: AsyncSession, schedule_ids: list[int], now: datetime) -> int:
        """Record and queue these schedules' deliveries due before the next run; return how many were planned.

        The schedules are locked and their ``planned_until`` read again, so two processes (or
        a command and the planner) never plan the same stretch twice; on PostgreSQL a process
        skips schedules another is planning right now.
        """
        if not schedule_ids:
            return 0
        end = now + PLAN_AHEAD
        schedules = CheckinSchedule.__table__
        query = (
            select(schedules)
            .where(among(session, schedules.c.id, schedule_ids), schedules.c.planned_until < end)
            .order_by(schedules.c.id)
            .with_for_update(skip_locked=True)
        )
        batch = (await session.execute(query)).all()
        if not batch:
            return 0
        clocks = await fan_out.clocks_of(session, {row.id: row.group_id for row in batch})
        windows = [
            ScheduleWindow(
                row.id,
                row.group_id,
                cadence_of(row),
                row.planned_until,
                row.reminder_hours,
                tuple(sorted(clocks[row.id])),
            )
            for row in batch
        ]
        # Pure computation, off the event loop: members' commands are answered meanwhile.
        plan = await asyncio.to_thread(
            plan_windows, windows, end, now, late_grace=self._late_grace, round_length=self._round_length
        )
        recorded_after = await fan_out.last_delivery_id(session)
        await fan_out.record_deliveries(session, plan.occurrences)
        await fan_out.queue_dms(
            session, plan.occurrences, now, self._late_grace, recorded_after=recorded_after
        )
        await fan_out.extend_rounds(session, plan.round_closes)
        next_due: dict[datetime, list[int]] = defaultdict(list)
        for schedule_id, at in plan.next_due.items():
            next_due[at].append(schedule_id)
        for at, ids in next_due.items():
            await session.execute(
                update(schedules)
                .where(among(session, schedules.c.id, ids))
                .values(planned_until=end, next_due_at=at)
            )
        return len(batch)

    async def render_dms(self, session: AsyncSession, keys: list[str]) -> dict[str, OutgoingMessage]:
        """Build the check-in DMs and reminders (outbox keys) the outbox is about to send."""
        delivery_of = {key: int(key.split(":")[1]) for key in keys}
        rows = await session.execute(
            select(
                CheckinDelivery.id,
                CheckinDelivery.round_date,
                Group.name,
                CheckinSchedule.question_set_id,
                CheckinSchedule.default_visibility,
            )
            .join(CheckinSchedule, CheckinSchedule.id == CheckinDelivery.schedule_id)
            .join(Group, Group.id == CheckinDelivery.group_id)
            .where(CheckinDelivery.id.in_(set(delivery_of.values())))
        )
        found = {row.id: row for row in rows.all()}
        questions: dict[int | None, tuple[Question, ...]] = {}
        rendered: dict[str, OutgoingMessage] = {}
        for key, delivery_id in delivery_of.items():
            row = found.get(delivery_id)
            if row is None:
                continue
            if key.startswith("checkin-reminder:"):
                rendered[key] = messages.reminder_dm(row.id, row.name)
                continue
            if row.question_set_id not in questions:
                questions[row.question_set_id] = await _questions(session, row.question_set_id)
            rendered[key] = messages.checkin_dm(
                row.id,
                row.name,
                row.round_date,
                questions[row.question_set_id],
                row.default_visibility,  # type: ignore[arg-type]
            )
        return rendered

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

    async def record_outcome(self, session: AsyncSession, outcome: Outcome) -> None:
        """Record how a check-in DM ended; tell a member with closed DMs once, in the group's home."""
        delivery = await session.get(CheckinDelivery, int(outcome.key.split(":")[1]), with_for_update=True)
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


async def _questions(session: AsyncSession, question_set_id: int | None) -> tuple[Question, ...]:
    if question_set_id is None:
        return DEFAULT_QUESTIONS
    found = await session.get(QuestionSet, question_set_id)
    return questions_from_json(found.questions if found else None)


def cadence_of(row: Row[Any]) -> Cadence:
    """Return the recurrence of a check-in schedule (a row, or a row's columns)."""
    return Cadence(
        kind=row.cadence_kind,  # type: ignore[arg-type]
        minute_of_day=row.minute_of_day,
        weekdays=frozenset(row.weekdays or ()),
        every_weeks=row.every_weeks,
        anchor=row.anchor_date,
        cron=row.cron,
    )
