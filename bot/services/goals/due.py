"""A goal's due date, reminded twice: "coming up" some days before, and on the day.

The owner hears of it, and so do the goal's partners when the goal is not private. Each reads it
in their own daytime, outside quiet hours, and not while on a break or paused in the goal's
group. The goal row remembers which of the two went (in the unit of work that enqueues them),
and each message has a key naming the goal, the due date, the occasion and the reader, so a
sweep run twice — or after a restart — sends it once. Just before sending, the bot checks again:
a goal done, dropped, paused, erased or given another date meanwhile gets no stale reminder.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Goal, GoalPartner, MemberProfile
from bot.domain.goals import Clock, due_reminder_day, local_day, nudge_moment, start_of_day
from bot.messaging import Button, Card, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.services.groups.queries import still_taking_part
from bot.services.profiles import member_clocks
from bot.services.settings import SettingsService
from bot.services.verbatim import verbatim

SOON, ON_THE_DAY = "soon", "day"


def due_goals(query: Select[Any], now: datetime, days_before: int) -> Select[Any]:
    """Narrow ``query`` (over goals) to active goals with a reminder of their due date still to send."""
    today = now.date()  # in UTC; a day either side covers every time zone
    return query.where(
        Goal.status == "active",
        Goal.due_date.is_not(None),
        or_(Goal.due_reminded_at.is_(None), Goal.due_day_reminded_at.is_(None)),
        Goal.due_date >= today - timedelta(days=1),
        Goal.due_date <= today + timedelta(days=days_before + 1),
    )


async def remind_due(
    session: AsyncSession, settings: SettingsService, goal: Goal, now: datetime, days_before: int
) -> None:
    """Enqueue the goal's reminders whose day has come on its owner's calendar, and remember them."""
    due = goal.due_date
    assert due is not None
    owner, readers = await _readers(session, settings, goal, now)
    today = local_day(now, owner.zone)
    occasions: list[tuple[str, date]] = []
    if goal.due_reminded_at is None and today >= due_reminder_day(due, days_before):
        goal.due_reminded_at = now
        if days_before > 0 and today < due:  # set on the day (or late): only the day's reminder
            occasions.append((SOON, due_reminder_day(due, days_before)))
    if goal.due_day_reminded_at is None and today >= due:
        goal.due_day_reminded_at = now
        if today == due:  # a due date that passed while the bot was away gets no late reminder
            occasions.append((ON_THE_DAY, due))
    for occasion, day in occasions:
        for user_id, clock in readers.items():
            # Each reads it on their own calendar's day (not before it starts), in their daytime.
            moment = nudge_moment(max(now, start_of_day(day, clock.zone)), clock)
            await enqueue(
                session,
                key=f"goal-due:{goal.id}:{due.isoformat()}:{occasion}:{user_id}",
                target=Target("dm", user_id),
                message=_reminder(goal, occasion, for_owner=user_id == goal.owner_id),
                now=now,
                not_before=moment,
                guild_id=goal.guild_id,
            )


async def due_reminders_still_wanted(
    session: AsyncSession, settings: SettingsService, keys: list[str], now: datetime
) -> set[str]:
    """Return which due-date reminders (outbox keys) are still true and welcome right now."""
    parsed = {key: key.split(":")[1:] for key in keys}  # goal id, due date, occasion, reader
    goal_ids = {int(goal_id) for goal_id, *_ in parsed.values()}
    goals = {g.id: g for g in await session.scalars(select(Goal).where(Goal.id.in_(goal_ids)))}
    wanted: set[str] = set()
    for key, (goal_id, due, occasion, reader) in parsed.items():
        goal = goals.get(int(goal_id))
        if (
            goal is None
            or goal.status != "active"
            or goal.due_date is None
            or goal.due_date.isoformat() != due
        ):
            continue
        _, readers = await _readers(session, settings, goal, now)
        clock = readers.get(int(reader))
        if clock is None:
            continue  # no longer a partner who may see it, paused, gone or on a break
        today = local_day(now, clock.zone)
        # "Coming up" only before the day (else the day's own says it); the day's only on the day.
        on_time = today < goal.due_date if occasion == SOON else today == goal.due_date
        if on_time:
            wanted.add(key)
    return wanted


async def _readers(
    session: AsyncSession, settings: SettingsService, goal: Goal, now: datetime
) -> tuple[Clock, dict[int, Clock]]:
    """Return the owner's clock, and who hears of the goal's due date now, with their clocks.

    That is the owner, and the goal's partners unless it is private; not someone paused in (or
    gone from) the goal's group, nor anyone while the owner is; not someone on a break.
    """
    user_ids = [goal.owner_id]
    if goal.visibility != "private":
        user_ids += list(
            await session.scalars(select(GoalPartner.user_id).where(GoalPartner.goal_id == goal.id))
        )
    clocks = await member_clocks(session, settings, goal.guild_id, user_ids)
    hearing = set(user_ids)
    if goal.group_id is not None:
        taking_part = await still_taking_part(session, {(goal.group_id, u) for u in user_ids})
        hearing = {u for u in hearing if (goal.group_id, u) in taking_part}
        if goal.owner_id not in hearing:
            hearing = set()  # the owner paused in (or gone from) the goal's group: as for nudges
    breaks = await session.execute(
        select(MemberProfile.user_id, MemberProfile.checkins_paused_until).where(
            MemberProfile.guild_id == goal.guild_id,
            MemberProfile.user_id.in_(user_ids),
            MemberProfile.checkins_paused_until.is_not(None),
        )
    )
    for user_id, last_day in breaks.all():
        if last_day >= local_day(now, clocks[user_id].zone):
            hearing.discard(user_id)
    return clocks[goal.owner_id], {u: clocks[u] for u in user_ids if u in hearing}


def _reminder(goal: Goal, occasion: str, *, for_owner: bool) -> OutgoingMessage:
    title = verbatim(goal.title)
    assert goal.due_date is not None
    when = "today" if occasion == ON_THE_DAY else f"on {goal.due_date:%A %d %B}"
    if for_owner:
        text = f"**{title}** is due {when}. You're at {goal.progress}%."
        return OutgoingMessage(
            cards=(Card(title=_heading(occasion), description=text),), buttons=_buttons(goal.id)
        )
    text = f"<@{goal.owner_id}>'s goal **{title}** is due {when}; they're at {goal.progress}%."
    return OutgoingMessage(
        cards=(Card(title=_heading(occasion), description=text),),
        buttons=(Button(f"goal:cheer:{goal.id}", "Cheer 👏", "success"),),
    )


def _heading(occasion: str) -> str:
    return "Due today" if occasion == ON_THE_DAY else "Coming up"


def _buttons(goal_id: int) -> tuple[Button, ...]:
    return (
        Button(f"goal:touch:{goal_id}:update", "Update now", "primary"),
        Button(f"goal:touch:{goal_id}:still", "Still on it"),
        Button(f"goal:touch:{goal_id}:pause", "Pause"),
    )
