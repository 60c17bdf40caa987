"""Checks of what people ask of meetings: a title, a duration, a group that can meet, who may answer."""

from __future__ import annotations

from discord.utils import format_dt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, GroupMember, Meeting
from bot.errors import Conflict, Invalid, NotAllowed
from bot.services.groups import GroupView
from bot.services.meetings.queries import invited_ids
from bot.services.meetings.views import CONFIRMED, POLLING
from bot.services.verbatim import verbatim

TITLE_MAX = 100
DURATION_MIN, DURATION_MAX = 15, 240


async def _require_invited(session: AsyncSession, group: Group, user_id: int, action: str) -> None:
    if user_id in await invited_ids(session, group.id):
        return
    member = await session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user_id, GroupMember.left_at.is_(None)
        )
    )
    if member is not None and member.agreed_at is None:
        raise NotAllowed(
            f"Agree to “{verbatim(group.name)}”'s ground rules first (`/group agree`), then {action}."
        )
    if member is not None:
        raise NotAllowed(f"Your place in “{verbatim(group.name)}” is paused; a facilitator can restore it.")
    raise NotAllowed(f"Only the members of “{verbatim(group.name)}” can {action}.")


def _require_polling(meeting: Meeting) -> None:
    if meeting.status == CONFIRMED and meeting.starts_at is not None:
        raise Conflict(f"This poll is closed: the meeting is set for {format_dt(meeting.starts_at, 'F')}.")
    if meeting.status != POLLING:
        raise Conflict("This poll is closed.")


def _invited(group: GroupView) -> list[int]:
    return sorted(m.user_id for m in group.members if m.agreed and not m.paused)


def _usable_home(group: GroupView) -> int:
    if group.archived:
        raise Invalid(f"“{verbatim(group.name)}” is archived.")
    if group.home is None:
        raise Invalid(
            f"“{verbatim(group.name)}” has no home channel for the poll; "
            "a coordinator can set one with `/group home`."
        )
    if not _invited(group):
        raise Invalid(f"“{verbatim(group.name)}” has no members who agreed to its ground rules yet.")
    return group.home.channel_id


def _check_title(title: str | None) -> str | None:
    if title is None:
        return None
    title = " ".join(title.split())
    if not title:
        return None
    if len(title) > TITLE_MAX:
        raise Invalid(f"A meeting title can be at most {TITLE_MAX} characters.")
    return title


def _check_duration(minutes: int) -> None:
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise Invalid(f"A meeting lasts {DURATION_MIN} to {DURATION_MAX} minutes.")
