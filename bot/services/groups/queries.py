"""Finding a group by what people type or pick, and a member's place in it."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, GroupMember
from bot.errors import Conflict, NotFound


async def _find(session: AsyncSession, guild_id: int, ref: str | int, *, for_update: bool = False) -> Group:
    """Find a group of this server by id (what autocomplete sends) or by name (what people type)."""
    query = select(Group).where(Group.guild_id == guild_id)
    text = str(ref).strip()
    if text.isdecimal() and len(text) <= 18:
        query = query.where(Group.id == int(text))
    else:
        query = query.where(Group.name_key == " ".join(text.split()).casefold())
    if for_update:
        query = query.with_for_update()
    group = (await session.scalars(query)).first()
    if group is None and text.isdecimal():  # a group whose name is a number
        group = (
            await session.scalars(select(Group).where(Group.guild_id == guild_id, Group.name_key == text))
        ).first()
    if group is None:
        raise NotFound(_not_found(ref))
    return group


def _not_found(ref: str | int) -> str:
    return f"No group “{str(ref)[:60]}” here. Pick one from the list as you type, or see `/group list`."


async def _require_free_name(session: AsyncSession, guild_id: int, name: str) -> None:
    taken = await session.scalar(
        select(Group.id).where(Group.guild_id == guild_id, Group.name_key == name.casefold())
    )
    if taken is not None:
        raise Conflict(f"A group called “{name}” already exists in this server.")


async def _membership(session: AsyncSession, group_id: int, user_id: int) -> GroupMember | None:
    return (
        await session.scalars(
            select(GroupMember).where(
                GroupMember.group_id == group_id,
                GroupMember.user_id == user_id,
                GroupMember.left_at.is_(None),
            )
        )
    ).first()


async def still_taking_part(session: AsyncSession, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return the (group, member) pairs whose member is still in the group and not paused."""
    if not pairs:
        return set()
    rows = await session.execute(
        select(GroupMember.group_id, GroupMember.user_id).where(
            tuple_(GroupMember.group_id, GroupMember.user_id).in_(pairs),
            GroupMember.left_at.is_(None),
            GroupMember.paused_at.is_(None),
        )
    )
    return {(group_id, user_id) for group_id, user_id in rows.all()}
