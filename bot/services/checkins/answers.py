"""Answering check-ins: the member's answers, who sees them, snooze, skip, holidays, history, summaries.

Privacy rule: an answer is private unless its author shares it. Private answers are shown to
nobody else — facilitators included — in summaries, digests and history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import CheckinAnswer, CheckinDelivery, CheckinSchedule, Group, MemberProfile, QuestionSet
from bot.db.upsert import locked_row
from bot.domain.checkin_questions import (
    Question,
    Visibility,
    check_answers,
    check_visibility,
    questions_from_json,
)
from bot.domain.recurrence import shift_out_of_quiet
from bot.errors import Invalid, NotFound
from bot.messaging import Notifier, Target
from bot.messaging.outbox import Outcome, cancel, enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.activity import record_group_activity
from bot.services.actors import Actor
from bot.services.checkin_plans import cancel_waiting_checkins, plan_again
from bot.services.checkins import messages
from bot.services.checkins.rounds import latest_round, round_stats
from bot.services.groups import GroupService
from bot.services.profiles import member_clock
from bot.services.settings import SettingsService

OPEN_STATUSES = ("scheduled", "sent", "undeliverable")
ANSWERABLE_FOR = timedelta(days=7)
HISTORY_PAGE = 5
PAUSE_MAX = timedelta(days=366)


@dataclass(frozen=True)
class OpenCheckin:
    """A check-in waiting for its member's answer."""

    delivery_id: int
    group_name: str
    round_date: date
    questions: tuple[Question, ...]
    default_visibility: Visibility


@dataclass(frozen=True)
class AnswerView:
    """A stored answer, for its author."""

    id: int
    group_name: str
    round_date: date
    answers: list[dict[str, Any]]
    visibility: Visibility


@dataclass(frozen=True)
class SummaryView:
    """What a facilitator sees of a group's latest round: counts, who is waiting, shared answers."""

    group_name: str
    round_date: date | None
    total: int
    answered: int
    waiting: list[int]
    shared: list[tuple[int, list[dict[str, Any]], str]]  # (author, answers, visibility)


class CheckinAnswerService:
    """Everything a member does with a check-in they received."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        groups: GroupService,
        scheduler: SchedulingEngine,
        notifier: Notifier | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._groups = groups
        self._scheduler = scheduler
        self.notifier = notifier  # set by the runtime; takes shared answers down when unshared

    # -- finding the check-in to answer ---------------------------------------------------

    async def open_checkin(self, user_id: int, delivery_id: int) -> OpenCheckin:
        """Return a check-in of ``user_id`` that can still be answered."""
        async with self._db.reading() as session:
            delivery = await _own_delivery(session, user_id, delivery_id)
            _require_open(delivery, self._clock.now())
            return await _open_view(session, delivery)

    async def latest_open(self, guild_id: int, user_id: int) -> OpenCheckin:
        """Return the member's most recent check-in in this server still waiting for an answer."""
        now = self._clock.now()
        async with self._db.reading() as session:
            delivery = await session.scalar(
                select(CheckinDelivery)
                .where(
                    CheckinDelivery.guild_id == guild_id,
                    CheckinDelivery.user_id == user_id,
                    CheckinDelivery.status.in_(OPEN_STATUSES),
                    CheckinDelivery.due_at <= now,
                    CheckinDelivery.due_at > now - ANSWERABLE_FOR,
                )
                .order_by(CheckinDelivery.due_at.desc())
                .limit(1)
            )
            if delivery is None:
                raise NotFound("No check-in is waiting for you right now. 🎉")
            return await _open_view(session, delivery)

    # -- answering ------------------------------------------------------------------------

    async def submit(self, user_id: int, delivery_id: int, values: list[str]) -> AnswerView:
        """Store the member's answers with the group's default visibility, and share if that says so."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            delivery = await _own_delivery(session, user_id, delivery_id, for_update=True)
            _require_open(delivery, now)
            view = await _open_view(session, delivery)
            answers = check_answers(view.questions, values)
            row = CheckinAnswer(
                delivery_id=delivery.id,
                guild_id=delivery.guild_id,
                group_id=delivery.group_id,
                user_id=user_id,
                answers=answers,
                visibility=view.default_visibility,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            delivery.status, delivery.answered_at = "answered", now
            await record_group_activity(session, delivery.group_id, now)
            await cancel(session, _follow_up_keys(delivery))
            await session.flush()
            if row.visibility == "group":
                await self._share(session, row, view.group_name, now)
            result = AnswerView(row.id, view.group_name, delivery.round_date, answers, row.visibility)  # type: ignore[arg-type]
        self._scheduler.run_soon("outbox")
        return result

    async def set_visibility(self, user_id: int, answer_id: int, visibility: str) -> AnswerView:
        """Change who sees an answer; unsharing takes the group post down."""
        wanted = check_visibility(visibility)
        now = self._clock.now()
        take_down: tuple[int, int] | None = None
        async with self._db.transaction() as session:
            row = await session.get(CheckinAnswer, answer_id, with_for_update=True)
            if row is None or row.user_id != user_id:
                raise NotFound("That answer no longer exists.")
            group = await session.get(Group, row.group_id)
            delivery = await session.get(CheckinDelivery, row.delivery_id)
            assert group is not None and delivery is not None
            was = row.visibility
            row.visibility, row.updated_at = wanted, now
            if wanted == "group" and was != "group":
                await self._share(session, row, group.name, now)
            if was == "group" and wanted != "group" and row.shared_message_id and row.shared_channel_id:
                take_down = (row.shared_channel_id, row.shared_message_id)
                row.shared_channel_id = row.shared_message_id = None
            result = AnswerView(row.id, group.name, delivery.round_date, row.answers, wanted)
        if take_down and self.notifier is not None:
            await self.notifier.delete(*take_down)
        self._scheduler.run_soon("outbox")
        return result

    async def _share(self, session: AsyncSession, row: CheckinAnswer, group_name: str, now: datetime) -> None:
        group = await session.get(Group, row.group_id)
        if group is None or group.home_channel_id is None:
            raise Invalid(
                "This group has no home to share answers in; your answer stays visible to you only."
            )
        await enqueue(
            session,
            key=f"checkin-share:{row.id}:{now.isoformat()}",
            target=Target("channel", group.home_channel_id),
            message=messages.shared_answer(row.user_id, group_name, row.answers),
            now=now,
            guild_id=row.guild_id,
        )

    async def on_share_outcome(self, outcome: Outcome) -> None:
        """Remember where a shared answer was posted, so unsharing can take it down."""
        if outcome.status != "sent":
            return
        answer_id = int(outcome.key.split(":")[1])
        async with self._db.transaction() as session:
            row = await session.get(CheckinAnswer, answer_id, with_for_update=True)
            if row is None:
                return
            if row.visibility == "group":
                row.shared_channel_id, row.shared_message_id = outcome.channel_id, outcome.message_id
                return
        # Unshared while the post was on its way: take it down now.
        if self.notifier is not None and outcome.channel_id and outcome.message_id:
            await self.notifier.delete(outcome.channel_id, outcome.message_id)

    # -- snooze, skip, holidays -------------------------------------------------------------

    async def snooze(self, user_id: int, delivery_id: int, how: str) -> datetime:
        """Bring the check-in back in an hour or tomorrow at the same local time; return when."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            delivery = await _own_delivery(session, user_id, delivery_id, for_update=True)
            _require_open(delivery, now)
            zone, quiet = await member_clock(session, self._settings, delivery.guild_id, user_id)
            if how == "hour":
                until = now + timedelta(hours=1)
            elif how == "tomorrow":
                until = now + timedelta(days=1)
            else:
                raise Invalid("Snooze for an hour or until tomorrow.")
            until = shift_out_of_quiet(until, zone, quiet)
            delivery.snoozed_until = until
            await cancel(session, _follow_up_keys(delivery))
            group = await session.get(Group, delivery.group_id)
            await enqueue(
                session,
                key=f"checkin-snooze:{delivery.id}:{until.isoformat()}",
                target=Target("dm", user_id),
                message=messages.reminder_dm(
                    delivery.id, group.name if group else "your group", snoozed=True
                ),
                now=now,
                not_before=until,
                guild_id=delivery.guild_id,
            )
        return until

    async def skip(self, user_id: int, delivery_id: int) -> None:
        """Skip this round's check-in (no reminders follow)."""
        async with self._db.transaction() as session:
            delivery = await _own_delivery(session, user_id, delivery_id, for_update=True)
            _require_open(delivery, self._clock.now())
            delivery.status = "skipped"
            await cancel(session, _follow_up_keys(delivery))

    async def pause(self, guild_id: int, user_id: int, until: str) -> date:
        """Pause the member's check-ins up to and including a local date (YYYY-MM-DD)."""
        try:
            day = date.fromisoformat(until.strip())
        except ValueError:
            raise Invalid("Give the last day of your break as YYYY-MM-DD, e.g. 2026-12-31.") from None
        async with self._db.transaction() as session:
            zone, _ = await member_clock(session, self._settings, guild_id, user_id)
            today = self._clock.now().astimezone(ZoneInfo(zone)).date()
            if day < today:
                raise Invalid(f"{day:%d %B %Y} is in the past; give today or a later date.")
            if day - today > PAUSE_MAX:
                raise Invalid("A break can last at most a year.")
            now = self._clock.now()
            profile = await _profile(session, guild_id, user_id, now)
            profile.checkins_paused_until = day
            # What is already planned for the break goes too; a shorter break than before plans again.
            await cancel_waiting_checkins(session, now, guild_id=guild_id, user_id=user_id, through=day)
            await plan_again(session, now, guild_id=guild_id, user_id=user_id)
        self._scheduler.run_soon("checkin-planner")
        return day

    async def resume(self, guild_id: int, user_id: int) -> None:
        """End the member's break; the check-ins due from now on are planned again."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            profile = await _profile(session, guild_id, user_id, now)
            profile.checkins_paused_until = None
            await plan_again(session, now, guild_id=guild_id, user_id=user_id)  # what is due from now on
        self._scheduler.run_soon("checkin-planner")

    # -- reading ----------------------------------------------------------------------------

    async def history(self, guild_id: int, user_id: int, page: int = 0) -> tuple[list[AnswerView], int]:
        """Return one page of the member's own answers, newest first, and the number of pages."""
        mine = (CheckinAnswer.guild_id == guild_id, CheckinAnswer.user_id == user_id)
        async with self._db.reading() as session:
            # The page and the count of all answers in one statement (one trip to the database).
            rows = (
                await session.execute(
                    select(CheckinAnswer, CheckinDelivery.round_date, Group.name, func.count().over())
                    .join(CheckinDelivery, CheckinDelivery.id == CheckinAnswer.delivery_id)
                    .join(Group, Group.id == CheckinAnswer.group_id)
                    .where(*mine)
                    .order_by(CheckinAnswer.created_at.desc(), CheckinAnswer.id.desc())
                    .offset(page * HISTORY_PAGE)
                    .limit(HISTORY_PAGE)
                )
            ).all()
            if rows:
                total = rows[0][3]
            else:  # no answers, or a page past the last: count them apart
                total = await session.scalar(select(func.count()).where(*mine)) if page else 0
        pages = max(1, -(-(total or 0) // HISTORY_PAGE))
        views = [AnswerView(a.id, name, day, a.answers, a.visibility) for a, day, name, _ in rows]  # type: ignore[arg-type]
        return views, pages

    async def summary(self, guild_id: int, actor: Actor, group_ref: str | int) -> list[SummaryView]:
        """Return, per schedule of the group, its latest round (facilitators and coordinators)."""
        group = await self._groups.require_manager(guild_id, actor, group_ref, "see check-in summaries of")
        summaries = []
        async with self._db.reading() as session:
            schedules = (
                await session.scalars(select(CheckinSchedule.id).where(CheckinSchedule.group_id == group.id))
            ).all()
            for schedule_id in schedules:
                day = await latest_round(session, schedule_id)
                if day is None:
                    summaries.append(SummaryView(group.name, None, 0, 0, [], []))
                    continue
                stats = await round_stats(session, schedule_id, day)
                shared = [(a.user_id, a.answers, a.visibility) for a in stats.shared]
                summaries.append(
                    SummaryView(group.name, day, stats.total, stats.answered, stats.waiting, shared)
                )
        return summaries


def _follow_up_keys(delivery: CheckinDelivery) -> list[str]:
    keys = [f"checkin-reminder:{delivery.id}"]
    if delivery.snoozed_until is not None:
        keys.append(f"checkin-snooze:{delivery.id}:{delivery.snoozed_until.isoformat()}")
    return keys


async def _own_delivery(
    session: AsyncSession, user_id: int, delivery_id: int, *, for_update: bool = False
) -> CheckinDelivery:
    delivery = await session.get(CheckinDelivery, delivery_id, with_for_update=for_update)
    if delivery is None or delivery.user_id != user_id:
        raise NotFound("That check-in no longer exists.")
    return delivery


def _require_open(delivery: CheckinDelivery, now: datetime) -> None:
    if delivery.status == "answered":
        raise Invalid("You already answered this check-in. See `/checkin history` for your answers.")
    if delivery.status == "skipped":
        raise Invalid("You skipped this check-in; the next one will come as usual.")
    if delivery.status == "missed" or now - delivery.due_at > ANSWERABLE_FOR:
        raise Invalid("This check-in has closed; the next one will come as usual.")


async def _open_view(session: AsyncSession, delivery: CheckinDelivery) -> OpenCheckin:
    schedule = await session.get(CheckinSchedule, delivery.schedule_id)
    group = await session.get(Group, delivery.group_id)
    assert schedule is not None and group is not None
    questions_json = None
    if schedule.question_set_id is not None:
        found = await session.get(QuestionSet, schedule.question_set_id)
        questions_json = found.questions if found else None
    return OpenCheckin(
        delivery.id,
        group.name,
        delivery.round_date,
        questions_from_json(questions_json),
        schedule.default_visibility,  # type: ignore[arg-type]
    )


async def _profile(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> MemberProfile:
    return await locked_row(session, MemberProfile, (guild_id, user_id), created_at=now, updated_at=now)
