"""Check-in question sets and schedules, as facilitators make, change, pause and send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckinDelivery, CheckinSchedule, Group, GroupMember, QuestionSet
from bot.db.upsert import insert_ignore
from bot.domain.checkin_questions import Question, check_visibility, parse_question_lines
from bot.domain.recurrence import describe, make_cadence, next_occurrence
from bot.errors import Conflict, Invalid, NotFound
from bot.services.actors import Actor
from bot.services.checkin_plans import cancel_waiting_checkins, forget_schedule_messages, plan_again
from bot.services.checkins import fan_out
from bot.services.checkins.fan_out import CHECKIN_ROLES
from bot.services.checkins.planner import CheckinPlanner, cadence_of
from bot.services.checkins.windows import occurrence_now
from bot.services.profiles import profiles_of
from bot.services.verbatim import verbatim

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # facilitators get the summary instead


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as shown to a facilitator."""

    id: int
    group_id: int
    group_name: str
    cadence: str
    question_set: str
    default_visibility: str
    reminder_hours: int | None
    paused: bool
    next_run: datetime | None  # in UTC, at the viewer's own local time


@dataclass(frozen=True)
class SendNowReport:
    """What ``/checkin now`` did."""

    queued: int
    already_had_one: int
    on_break: int = 0


class CheckinService(CheckinPlanner):
    """Question sets, schedules, the planner and round digests."""

    async def create_question_set(
        self, guild_id: int, actor: Actor, name: str, lines: str
    ) -> tuple[Question, ...]:
        """Save a server's own question set (coordinators)."""
        await self._settings.require_coordinator(guild_id, actor, "create question sets")
        name = " ".join(name.split())
        if not 1 <= len(name) <= 60:
            raise Invalid("A question set needs a name of at most 60 characters.")
        if len(name.casefold()) > 60:  # the stored case-folded name; PostgreSQL refuses a longer one
            raise Invalid(
                "That name is too long once letters like “ß” are spelled out (“ss”); shorten it a little."
            )
        questions = parse_question_lines(lines)
        async with self._db.transaction() as session:
            inserted = await insert_ignore(
                session,
                QuestionSet.__table__,
                {
                    "guild_id": guild_id,
                    "name": name,
                    "name_key": name.casefold(),
                    "questions": [q.to_json() for q in questions],
                    "created_by": actor.user_id,
                    "created_at": self._clock.now(),
                },
            )
        if not inserted:
            raise Conflict(f"A question set called “{name}” already exists.")
        return questions

    async def question_sets(self, guild_id: int, query: str = "") -> list[tuple[int, str]]:
        """Return (id, name) of the server's question sets matching ``query``."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(QuestionSet.id, QuestionSet.name)
                .where(
                    QuestionSet.guild_id == guild_id,
                    QuestionSet.name_key.contains(query.casefold(), autoescape=True),
                )
                .order_by(QuestionSet.name_key)
                .limit(24)
            )
            return [(r.id, r.name) for r in rows]

    async def create_schedule(
        self,
        guild_id: int,
        actor: Actor,
        group_ref: str | int,
        *,
        kind: str,
        time: str | None,
        weekdays: str | None = None,
        every_weeks: int | None = None,
        cron: str | None = None,
        question_set: str | None = None,
        visibility: str = "private",
        reminder_hours: int | None = None,
    ) -> ScheduleView:
        """Schedule a group's check-ins (its facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "schedule check-ins for")
        if group.archived:
            raise Invalid(f"“{group.name}” is archived.")
        now = self._clock.now()
        cadence = make_cadence(
            kind, time=time, weekdays=weekdays, every_weeks=every_weeks, cron=cron, anchor=now.date()
        )
        first = next_occurrence(cadence, "UTC", now)
        if next_occurrence(cadence, "UTC", first.scheduled_for).round_date == first.round_date:
            raise Invalid("A check-in schedule can run at most once a day: give the cron one time per day.")
        visibility = check_visibility(visibility)
        if reminder_hours is not None and not 1 <= reminder_hours <= 72:
            raise Invalid("A reminder can come 1 to 72 hours after the check-in.")
        async with self._db.transaction() as session:
            set_id = await self._question_set_id(session, guild_id, question_set)
            row = CheckinSchedule(
                guild_id=guild_id,
                group_id=group.id,
                cadence_kind=cadence.kind,
                minute_of_day=cadence.minute_of_day,
                weekdays=sorted(cadence.weekdays),
                every_weeks=cadence.every_weeks,
                anchor_date=cadence.anchor,
                cron=cadence.cron,
                question_set_id=set_id,
                default_visibility=visibility,
                reminder_hours=reminder_hours,
                paused=False,
                planned_until=now,
                created_by=actor.user_id,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            await self.plan(session, now, schedule_ids=[row.id])
            view = await self._view(session, row, actor.user_id)
        self._scheduler.run_soon("outbox")
        return view

    async def list_schedules(self, guild_id: int, viewer: Actor, group_ref: str | int) -> list[ScheduleView]:
        """Return a group's schedules with the next run at the viewer's own local time."""
        group = await self._groups.get(guild_id, viewer, group_ref)
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(CheckinSchedule)
                    .where(CheckinSchedule.group_id == group.id)
                    .order_by(CheckinSchedule.id)
                )
            ).all()
            return [await self._view(session, row, viewer.user_id) for row in rows]

    async def schedules_for_autocomplete(
        self, guild_id: int, viewer: Actor, query: str
    ) -> list[ScheduleView]:
        """Return the schedules of the groups the viewer may see whose group name matches."""
        groups = await self._groups.list_visible(guild_id, viewer, query)
        found: list[ScheduleView] = []
        async with self._db.reading() as session:
            for group in groups:
                rows = await session.scalars(
                    select(CheckinSchedule).where(CheckinSchedule.group_id == group.id)
                )
                found += [await self._view(session, row, viewer.user_id) for row in rows]
        return found[:25]

    async def update_schedule(
        self,
        guild_id: int,
        actor: Actor,
        schedule_id: int,
        *,
        time: str | None = None,
        weekdays: str | None = None,
        visibility: str | None = None,
        reminder_hours: int | None = None,
        question_set: str | None = None,
    ) -> ScheduleView:
        """Change a schedule's time, days, default visibility, reminder or questions."""
        await self.require_schedule_manager(guild_id, actor, schedule_id)
        async with self._db.transaction() as session:
            row = await self._managed_schedule(session, guild_id, actor, schedule_id)
            if time is not None or weekdays is not None:
                old = cadence_of(row)
                cadence = make_cadence(
                    old.kind,
                    time=time or _hhmm(old.minute_of_day),
                    weekdays=weekdays or ",".join(_DAY_NAMES[d] for d in sorted(old.weekdays)) or None,
                    every_weeks=old.every_weeks if old.kind == "every_n_weeks" else None,
                    cron=old.cron,
                    anchor=old.anchor,
                )
                row.minute_of_day, row.weekdays = cadence.minute_of_day, sorted(cadence.weekdays)
                await session.flush()
                await plan_again(session, self._clock.now(), guild_id=guild_id, schedule_id=row.id)
            if visibility is not None:
                row.default_visibility = check_visibility(visibility)
            if reminder_hours is not None:
                if not 0 <= reminder_hours <= 72:
                    raise Invalid("A reminder can come 1 to 72 hours after the check-in (0 turns it off).")
                row.reminder_hours = reminder_hours or None
            if question_set is not None:
                row.question_set_id = await self._question_set_id(session, guild_id, question_set)
            return await self._view(session, row, actor.user_id)

    async def set_paused(self, guild_id: int, actor: Actor, schedule_id: int, paused: bool) -> ScheduleView:
        """Pause or resume a schedule; pausing takes back what is planned, resuming plans from now on."""
        await self.require_schedule_manager(guild_id, actor, schedule_id)
        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await self._managed_schedule(session, guild_id, actor, schedule_id)
            row.paused = paused
            if paused:
                await cancel_waiting_checkins(session, now, guild_id=guild_id, schedule_id=row.id)
            else:
                row.planned_until = now  # nothing missed meanwhile is sent; what pausing took back is
                row.next_due_at = None
                await self.plan(session, now, schedule_ids=[row.id])
            view = await self._view(session, row, actor.user_id)
        self._scheduler.run_soon("outbox")
        return view

    async def delete_schedule(self, guild_id: int, actor: Actor, schedule_id: int) -> None:
        """Delete a schedule and cancel its deliveries that were not sent yet."""
        await self.require_schedule_manager(guild_id, actor, schedule_id)
        async with self._db.transaction() as session:
            row = await self._managed_schedule(session, guild_id, actor, schedule_id)
            # Its check-ins not sent yet, and the reminders of those already sent, are not to come.
            await cancel_waiting_checkins(session, self._clock.now(), guild_id=guild_id, schedule_id=row.id)
            await forget_schedule_messages(session, row.id)
            await session.delete(row)

    async def _managed_schedule(
        self, session: AsyncSession, guild_id: int, actor: Actor, schedule_id: int
    ) -> CheckinSchedule:
        row = await session.get(CheckinSchedule, schedule_id, with_for_update=True)
        if row is None or row.guild_id != guild_id:
            raise NotFound("No such check-in schedule here; pick one from the list as you type.")
        return row

    async def require_schedule_manager(self, guild_id: int, actor: Actor, schedule_id: int) -> None:
        """Raise unless ``actor`` may change this schedule (its group's facilitators, coordinators)."""
        async with self._db.reading() as session:
            row = await session.get(CheckinSchedule, schedule_id)
        if row is None or row.guild_id != guild_id:
            raise NotFound("No such check-in schedule here; pick one from the list as you type.")
        await self._groups.require_manager(guild_id, actor, row.group_id, "change check-ins of")

    async def send_now(self, guild_id: int, actor: Actor, schedule_id: int) -> SendNowReport:
        """Send today's check-in of a schedule to every member right away (facilitators)."""
        await self.require_schedule_manager(guild_id, actor, schedule_id)
        now = self._clock.now()
        async with self._db.transaction() as session:
            schedule = await session.get(CheckinSchedule, schedule_id)
            assert schedule is not None
            group = await session.get(Group, schedule.group_id)
            assert group is not None
            members = await _members(session, group.id)
            zones = await self._zones(session, guild_id, members)
            rows, on_break = [], 0
            for user_id in members:
                zone, _, paused_until = zones[user_id]
                today = now.astimezone(ZoneInfo(zone)).date()
                if paused_until is not None and today <= paused_until:
                    on_break += 1
                    continue
                rows.append(_delivery_row(schedule, user_id, today, now))
            recorded_after = await fan_out.last_delivery_id(session)
            inserted = await insert_ignore(session, CheckinDelivery.__table__, rows) if rows else 0
            clocks = (await fan_out.clocks_of(session, {schedule.id: group.id}))[schedule.id]
            await fan_out.queue_dms(
                session,
                [
                    occurrence_now(schedule.id, group.id, clock, now, schedule.reminder_hours)
                    for clock in clocks
                ],
                now,
                self._late_grace,
                recorded_after=recorded_after,
            )
        self._scheduler.run_soon("outbox")
        return SendNowReport(queued=inserted, already_had_one=len(rows) - inserted, on_break=on_break)

    async def _zones(
        self, session: AsyncSession, guild_id: int, user_ids: list[int]
    ) -> dict[int, tuple[str, tuple[int, int] | None, date | None]]:
        default = (await self._settings.get_in(session, guild_id)).default_timezone
        profiles = await profiles_of(session, guild_id, user_ids)
        zones = {}
        for user_id in user_ids:
            p = profiles.get(user_id)
            quiet = None
            if p is not None and p.quiet_start_minute is not None and p.quiet_end_minute is not None:
                quiet = (p.quiet_start_minute, p.quiet_end_minute)
            zones[user_id] = (
                (p.timezone if p and p.timezone else default),
                quiet,
                p.checkins_paused_until if p else None,
            )
        return zones

    async def _question_set_id(self, session: AsyncSession, guild_id: int, ref: str | None) -> int | None:
        if ref is None or not ref.strip() or ref.strip().lower() == "default":
            return None
        text = ref.strip()
        query = select(QuestionSet.id).where(QuestionSet.guild_id == guild_id)
        query = (
            query.where(QuestionSet.id == int(text))
            if text.isdecimal() and len(text) <= 18
            else query.where(QuestionSet.name_key == text.casefold())
        )
        found = await session.scalar(query)
        if found is None:
            raise NotFound(
                f"No question set “{verbatim(text[:60])}” here; "
                "pick one from the list, or leave it for the default."
            )
        return found

    async def _view(self, session: AsyncSession, row: CheckinSchedule, viewer_id: int) -> ScheduleView:
        group = await session.get(Group, row.group_id)
        assert group is not None
        set_name = "default"
        if row.question_set_id is not None:
            found = await session.get(QuestionSet, row.question_set_id)
            set_name = found.name if found else "default"
        zone = (await self._zones(session, row.guild_id, [viewer_id]))[viewer_id][0]
        next_run = (
            None if row.paused else next_occurrence(cadence_of(row), zone, self._clock.now()).scheduled_for
        )
        return ScheduleView(
            id=row.id,
            group_id=group.id,
            group_name=group.name,
            cadence=describe(cadence_of(row)),
            question_set=set_name,
            default_visibility=row.default_visibility,
            reminder_hours=row.reminder_hours,
            paused=row.paused,
            next_run=next_run,
        )


async def _members(session: AsyncSession, group_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group_id,
                GroupMember.left_at.is_(None),
                GroupMember.paused_at.is_(None),  # a facilitator paused them: no schedules
                GroupMember.role.in_(CHECKIN_ROLES),
            )
        )
    )


def _hhmm(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


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
