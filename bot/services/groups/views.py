"""What the group service returns: plain, frozen views of groups and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, GroupMember
from bot.domain.groups import Kind, Role
from bot.services.groups.homes import Home


@dataclass(frozen=True)
class Membership:
    """A current member of a group."""

    user_id: int
    role: Role
    joined_at: datetime
    agreed: bool = True  # to the ground rules (the consent gate)
    paused: bool = False


@dataclass(frozen=True)
class GroupView:
    """A group as the cogs show it."""

    id: int
    guild_id: int
    name: str
    kind: Kind
    description: str | None
    is_open: bool
    meeting_every_weeks: int | None
    home: Home | None
    members: tuple[Membership, ...]
    archived: bool

    @property
    def facilitator_ids(self) -> list[int]:
        """Return the ids of the group's facilitators."""
        return [m.user_id for m in self.members if m.role == "facilitator"]

    def role_of(self, user_id: int) -> Role | None:
        """Return ``user_id``'s role in the group, or None."""
        return next((m.role for m in self.members if m.user_id == user_id), None)


@dataclass(frozen=True)
class GroupSummary:
    """A line in a list of groups."""

    id: int
    name: str
    kind: Kind
    is_open: bool
    member_count: int
    archived: bool


async def _view(session: AsyncSession, group: Group) -> GroupView:
    members = await _members(session, group.id)
    return GroupView(
        id=group.id,
        guild_id=group.guild_id,
        name=group.name,
        kind=group.kind,  # type: ignore[arg-type]
        description=group.description,
        is_open=group.is_open,
        meeting_every_weeks=group.meeting_every_weeks,
        home=_home(group),
        members=tuple(
            Membership(m.user_id, m.role, m.joined_at, m.agreed_at is not None, m.paused_at is not None)  # type: ignore[arg-type]
            for m in members
        ),
        archived=group.archived_at is not None,
    )


def _home(group: Group) -> Home | None:
    if group.home_channel_id is None or group.home_kind is None:
        return None
    return Home(group.home_kind, group.home_channel_id)  # type: ignore[arg-type]


async def _members(session: AsyncSession, group_id: int) -> Sequence[GroupMember]:
    return (
        await session.scalars(
            select(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.left_at.is_(None))
            .order_by(GroupMember.joined_at, GroupMember.id)
        )
    ).all()
