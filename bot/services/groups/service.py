"""The group service: create, find, list, change and archive groups, on top of membership and access."""

from __future__ import annotations

from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError

from bot.db.models import Group, GroupMember
from bot.domain.groups import DESCRIPTION_MAX, check_kind, check_name
from bot.errors import Conflict, Invalid, NotFound
from bot.services.actors import Actor
from bot.services.checkin_plans import cancel_waiting_checkins
from bot.services.groups.membership import GroupMembership
from bot.services.groups.queries import _find, _not_found, _require_free_name
from bot.services.groups.views import GroupSummary, GroupView, _home, _members, _view

_UNSET = object()


class GroupService(GroupMembership):
    """Every use case of mentoring groups."""

    async def get(self, guild_id: int, viewer: Actor, ref: str | int) -> GroupView:
        """Return a group the viewer may see: coordinators see all, others their own and open ones."""
        async with self._db.reading() as session:
            group = await _find(session, guild_id, ref)
            view = await _view(session, group)
            if not (
                view.is_open
                or view.role_of(viewer.user_id)
                or await self._settings.is_coordinator_in(session, guild_id, viewer)
            ):
                raise NotFound(_not_found(ref))
        return view

    async def list_visible(
        self,
        guild_id: int,
        viewer: Actor,
        query: str = "",
        *,
        include_archived: bool = False,
        limit: int = 25,
    ) -> list[GroupSummary]:
        """Return the groups the viewer may see whose name contains ``query``."""
        # Counted per listed group (at most ``limit``), not over every membership of the server.
        members = (
            select(func.count())
            .where(GroupMember.group_id == Group.id, GroupMember.left_at.is_(None))
            .correlate(Group)
            .scalar_subquery()
        )
        async with self._db.reading() as session:
            if await self._settings.is_coordinator_in(session, guild_id, viewer):
                query_ = select(Group, members).where(Group.guild_id == guild_id)
            else:
                # The viewer's groups plus the open ones, found through indexes: as a condition on
                # every group of the server ("open or mine") it read them all, 5 ms in 10,000.
                visible = union(
                    select(GroupMember.group_id).where(
                        GroupMember.guild_id == guild_id,
                        GroupMember.user_id == viewer.user_id,
                        GroupMember.left_at.is_(None),
                    ),
                    select(Group.id).where(Group.guild_id == guild_id, Group.is_open.is_(True)),
                )
                query_ = select(Group, members).where(Group.id.in_(visible))
            if query.strip():
                query_ = query_.where(Group.name_key.contains(query.strip().casefold(), autoescape=True))
            if not include_archived:
                query_ = query_.where(Group.archived_at.is_(None))
            rows = (await session.execute(query_.order_by(Group.name_key).limit(limit))).all()
        return [
            GroupSummary(g.id, g.name, g.kind, g.is_open, n, g.archived_at is not None)  # type: ignore[arg-type]
            for g, n in rows
        ]

    async def create(
        self,
        guild_id: int,
        actor: Actor,
        *,
        name: str,
        kind: str,
        description: str | None = None,
        is_open: bool = False,
        meeting_every_weeks: int | None = None,
        link_channel_id: int | None = None,
    ) -> GroupView:
        """Create a group with a home: a new private channel, or a linked channel or thread."""
        await self._settings.require_coordinator(guild_id, actor, "create groups")
        name, kind_ = check_name(name), check_kind(kind)
        description = _check_description(description)
        if meeting_every_weeks is not None and not 1 <= meeting_every_weeks <= 12:
            raise Invalid("Meetings can be every 1 to 12 weeks.")
        async with self._db.reading() as session:
            await _require_free_name(session, guild_id, name)
        settings = await self._settings.get(guild_id)
        homes = self._require_homes()
        if link_channel_id is not None:
            home = await homes.link_home(guild_id, link_channel_id)
        else:
            home = await homes.create_home(guild_id, name, settings.home_category_id, [])
        try:
            async with self._db.transaction() as session:
                group = Group(
                    guild_id=guild_id,
                    name=name,
                    name_key=name.casefold(),
                    kind=kind_,
                    description=description,
                    is_open=is_open,
                    meeting_every_weeks=meeting_every_weeks,
                    home_kind=home.kind,
                    home_channel_id=home.channel_id,
                    created_by=actor.user_id,
                    created_at=self._clock.now(),
                )
                session.add(group)
                await session.flush()
                return await _view(session, group)
        except IntegrityError:
            if home.kind == "channel":
                await homes.delete_home(guild_id, home)
            raise Conflict(f"A group called “{name}” already exists in this server.") from None

    async def update(
        self,
        guild_id: int,
        actor: Actor,
        ref: str | int,
        *,
        name: str | None = None,
        description: str | object | None = _UNSET,
        is_open: bool | None = None,
        meeting_every_weeks: int | object | None = _UNSET,
    ) -> GroupView:
        """Rename, describe, open/close or re-cadence a group (coordinators and its facilitators)."""
        group = await self._manageable(guild_id, actor, ref, "change")
        new_name = check_name(name) if name is not None else None
        if isinstance(meeting_every_weeks, int) and not 1 <= meeting_every_weeks <= 12:
            raise Invalid("Meetings can be every 1 to 12 weeks.")
        async with self._db.transaction() as session:
            row = await session.get(Group, group.id, with_for_update=True)
            assert row is not None
            if new_name is not None and new_name.casefold() != row.name_key:
                await _require_free_name(session, guild_id, new_name)
            if new_name is not None:
                row.name, row.name_key = new_name, new_name.casefold()
            if description is not _UNSET:
                row.description = _check_description(description)  # type: ignore[arg-type]
            if is_open is not None:
                row.is_open = is_open
            if meeting_every_weeks is not _UNSET:
                row.meeting_every_weeks = meeting_every_weeks  # type: ignore[assignment]
            return await _view(session, row)

    async def set_home(
        self, guild_id: int, actor: Actor, ref: str | int, *, link_channel_id: int | None = None
    ) -> GroupView:
        """Give a group a new home (a new private channel, or a linked one) and let its members in."""
        await self._settings.require_coordinator(guild_id, actor, "change a group's home")
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref)
            member_ids = [
                m.user_id
                for m in await _members(session, group.id)
                if m.agreed_at is not None and m.paused_at is None
            ]
        if group.archived_at is not None:
            raise Invalid(f"“{group.name}” is archived.")
        homes = self._require_homes()
        if link_channel_id is not None:
            home = await homes.link_home(guild_id, link_channel_id)
            for user_id in member_ids:
                await homes.grant(guild_id, home, user_id)
        else:
            category_id = (await self._settings.get(guild_id)).home_category_id
            home = await homes.create_home(guild_id, group.name, category_id, member_ids)
        async with self._db.transaction() as session:
            row = await session.get(Group, group.id, with_for_update=True)
            assert row is not None
            row.home_kind, row.home_channel_id = home.kind, home.channel_id
            return await _view(session, row)

    async def archive(self, guild_id: int, actor: Actor, ref: str | int) -> GroupView:
        """Archive a group: history kept, access removed, every schedule of the group stopped."""
        await self._settings.require_coordinator(guild_id, actor, "archive groups")
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref, for_update=True)
            if group.archived_at is not None:
                raise Conflict(f"“{group.name}” is already archived.")
            group.archived_at = now = self._clock.now()
            await cancel_waiting_checkins(session, now, guild_id=guild_id, group_id=group.id)
            view = await _view(session, group)
        home = _home(group)
        if home is not None:
            for member in view.members:
                await self._require_homes().revoke(guild_id, home, member.user_id)
        return view

    async def set_wins_day(
        self, guild_id: int, actor: Actor, ref: str | int, weekday: int | None
    ) -> GroupView:
        """Choose the weekly wins digest's weekday (0 = Monday) or None to turn it off."""
        group = await self._manageable(guild_id, actor, ref, "change the weekly wins of")
        if weekday is not None and not 0 <= weekday <= 6:
            raise Invalid("Choose a day from Monday to Sunday.")
        async with self._db.transaction() as session:
            row = await session.get(Group, group.id, with_for_update=True)
            assert row is not None
            row.wins_weekday = weekday
            return await _view(session, row)


def _check_description(description: str | None) -> str | None:
    if description is None:
        return None
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise Invalid(
            f"A description can be at most {DESCRIPTION_MAX} characters (this one has {len(cleaned)})."
        )
    return cleaned or None
