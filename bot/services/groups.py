"""Mentoring groups: create, find, change membership, archive — with rights checked here.

Changes that touch Discord (a home channel's access) follow one pattern so that nothing is
left half-done: check the rules in one transaction, act on Discord through the GroupHomes
port (without holding a database lock), then check again and record in a second transaction;
if that last step fails, the Discord change is undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import Group, GroupMember, MemberProfile
from bot.db.upsert import locked_row
from bot.domain.discussions import CONFIDENTIALITY_REMINDER
from bot.domain.groups import (
    DESCRIPTION_MAX,
    Kind,
    Role,
    Seat,
    check_can_add,
    check_kind,
    check_name,
    default_role,
)
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.messaging import Button, Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.scheduling.engine import SchedulingEngine
from bot.services.actors import Actor
from bot.services.ground_rules import rules_of
from bot.services.homes import GroupHomes, Home
from bot.services.settings import ProgramSettings, SettingsService

_UNSET = object()


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


class GroupService:
    """Every use case of mentoring groups."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SettingsService,
        scheduler: SchedulingEngine,
        homes: GroupHomes | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._scheduler = scheduler
        self.homes = homes  # set by the runtime once the Discord client exists

    # -- reading ----------------------------------------------------------------------------

    async def get(self, guild_id: int, viewer: Actor, ref: str | int) -> GroupView:
        """Return a group the viewer may see: coordinators see all, others their own and open ones."""
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref)
            view = await _view(session, group)
        if not (
            view.is_open
            or view.role_of(viewer.user_id)
            or await self._settings.is_coordinator(guild_id, viewer)
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
        coordinator = await self._settings.is_coordinator(guild_id, viewer)
        # Counted per listed group (at most ``limit``), not over every membership of the server.
        members = (
            select(func.count())
            .where(GroupMember.group_id == Group.id, GroupMember.left_at.is_(None))
            .correlate(Group)
            .scalar_subquery()
        )
        query_ = select(Group, members).where(Group.guild_id == guild_id).order_by(Group.name_key)
        if query.strip():
            query_ = query_.where(Group.name_key.contains(query.strip().casefold(), autoescape=True))
        if not include_archived:
            query_ = query_.where(Group.archived_at.is_(None))
        if not coordinator:
            mine = select(GroupMember.group_id).where(
                GroupMember.guild_id == guild_id,
                GroupMember.user_id == viewer.user_id,
                GroupMember.left_at.is_(None),
            )
            query_ = query_.where(Group.is_open.is_(True) | Group.id.in_(mine))
        async with self._db.reading() as session:
            rows = (await session.execute(query_.limit(limit))).all()
        return [
            GroupSummary(g.id, g.name, g.kind, g.is_open, n, g.archived_at is not None)  # type: ignore[arg-type]
            for g, n in rows
        ]

    # -- creating ---------------------------------------------------------------------------

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
        async with self._db.transaction() as session:
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

    # -- membership -------------------------------------------------------------------------

    async def add_member(
        self, guild_id: int, actor: Actor, ref: str | int, user_id: int, role: str, *, is_bot: bool = False
    ) -> GroupView:
        """Add someone to a group in a role (coordinators and the group's facilitators)."""
        if is_bot:
            raise Invalid("Bots can't be members of a mentoring group.")
        group = await self._manageable(guild_id, actor, ref, "add members to")
        return await self._seat(guild_id, group, user_id, role)

    async def join(self, guild_id: int, actor: Actor, ref: str | int, role: str | None = None) -> GroupView:
        """Join an open group yourself."""
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref)
        if not group.is_open or group.archived_at is not None:
            if not await self._can_see(guild_id, actor, group):
                raise NotFound(_not_found(ref))
            raise NotAllowed(
                f"“{group.name}” is not open to join; ask its facilitator or a coordinator to add you."
            )
        role = role or default_role(group.kind)  # type: ignore[arg-type]
        if role == "facilitator":
            raise NotAllowed("Facilitators are appointed by coordinators; join as a member instead.")
        return await self._seat(guild_id, group, actor.user_id, role)

    async def remove_member(self, guild_id: int, actor: Actor, ref: str | int, user_id: int) -> GroupView:
        """Remove someone from a group (coordinators and the group's facilitators)."""
        group = await self._manageable(guild_id, actor, ref, "remove members from")
        view = await self._unseat(guild_id, group, user_id)
        return view

    async def leave(self, guild_id: int, actor: Actor, ref: str | int) -> GroupView:
        """Leave a group yourself."""
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref)
            if await _membership(session, group.id, actor.user_id) is None:
                raise NotFound(
                    f"You are not in a group called “{str(ref)[:60]}”. See `/group list` for yours."
                )
        return await self._unseat(guild_id, group, actor.user_id)

    async def _seat(self, guild_id: int, group: Group, user_id: int, role: str) -> GroupView:
        """Record the membership and send the ground rules; access comes with the member's agreement."""
        if group.archived_at is not None:
            raise Invalid(f"“{group.name}” is archived; nobody can be added.")
        if role not in ("mentor", "mentee", "peer", "facilitator"):
            raise Invalid(f"Unknown role “{role[:20]}”: choose mentor, mentee, peer or facilitator.")
        settings = await self._settings.get(guild_id)
        async with self._db.transaction() as session:
            # Seats are counted, then taken: one change of seats per group at a time. (On
            # PostgreSQL two units of work would both count the same free seat; SQLite lets only
            # one writer in anyway.)
            await session.get(Group, group.id, with_for_update=True)
            await _check_seat(session, settings, group, user_id, role)
            now = self._clock.now()
            session.add(
                GroupMember(group_id=group.id, guild_id=guild_id, user_id=user_id, role=role, joined_at=now)
            )
            rules, version = await rules_of(session, group.id)
            await _ask_consent(session, group, user_id, rules, version, now)
            await _prompt_for_timezone(session, group, user_id, now, settings.default_timezone)
            view = await _view(session, group)
        self._scheduler.run_soon("outbox")
        return view

    async def agree(self, guild_id: int | None, user_id: int, ref: str | int) -> GroupView:
        """Record the member's agreement to the ground rules and open the group's home to them.

        ``guild_id`` is None for the button in a DM, which names the group by id.
        """
        async with self._db.transaction() as session:
            if guild_id is None:
                found = await session.get(Group, int(ref))
                if found is None:
                    raise NotFound("That group no longer exists.")
                guild_id = found.guild_id
            group = await _find(session, guild_id, ref)
            membership = await _membership(session, group.id, user_id)
            if membership is None:
                raise NotFound(f"You are not in a group called “{str(ref)[:60]}”.")
            _, version = await rules_of(session, group.id)
            if membership.agreed_version is not None and membership.agreed_version >= version:
                raise Conflict(f"You already agreed to the ground rules of “{group.name}”.")
            first_time = membership.agreed_at is None
            paused = membership.paused_at is not None
        home = _home(group)
        if home is not None and first_time and not paused and group.archived_at is None:
            await self._require_homes().grant(guild_id, home, user_id)
        async with self._db.transaction() as session:
            membership = await _membership(session, group.id, user_id)
            assert membership is not None
            now = self._clock.now()
            membership.agreed_at, membership.agreed_version = now, version
            if first_time and group.home_channel_id is not None:
                await enqueue(
                    session,
                    key=f"welcome:{group.id}:{user_id}:{now.isoformat()}",
                    target=Target("channel", group.home_channel_id),
                    message=_welcome_message(group, user_id, membership.role),
                    now=now,
                    guild_id=guild_id,
                )
            view = await _view(session, group)
        self._scheduler.run_soon("outbox")
        return view

    async def ask_consent_again(self, guild_id: int, group_id: int) -> None:
        """After the ground rules changed, ask every member to agree to the new version."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, group_id)
            rules, version = await rules_of(session, group.id)
            for member in await _members(session, group.id):
                if (member.agreed_version or 0) < version:
                    await _ask_consent(session, group, member.user_id, rules, version, now)
        self._scheduler.run_soon("outbox")

    async def _unseat(self, guild_id: int, group: Group, user_id: int) -> GroupView:
        async with self._db.transaction() as session:
            membership = await _membership(session, group.id, user_id)
            if membership is None:
                raise NotFound(f"<@{user_id}> is not a member of “{group.name}”.")
            membership.left_at = self._clock.now()
            view = await _view(session, group)
        home = _home(group)
        if home is not None and group.archived_at is None:
            await self._require_homes().revoke(guild_id, home, user_id)
        return view

    # -- changing ---------------------------------------------------------------------------

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
            group.archived_at = self._clock.now()
            view = await _view(session, group)
        home = _home(group)
        if home is not None:
            for member in view.members:
                await self._require_homes().revoke(guild_id, home, member.user_id)
        await self._scheduler.reload_all()
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

    async def view_of(self, guild_id: int, group_id: int) -> GroupView:
        """Return a group without a rights check (for services that already checked)."""
        async with self._db.transaction() as session:
            return await _view(session, await _find(session, guild_id, group_id))

    async def require_manager(self, guild_id: int, actor: Actor, ref: str | int, action: str) -> GroupView:
        """Return the group if ``actor`` coordinates the server or facilitates it, else raise."""
        group = await self._manageable(guild_id, actor, ref, action)
        async with self._db.transaction() as session:
            return await _view(session, group)

    # -- helpers ----------------------------------------------------------------------------

    async def _manageable(self, guild_id: int, actor: Actor, ref: str | int, action: str) -> Group:
        """Return the group if ``actor`` coordinates the server or facilitates this group."""
        async with self._db.transaction() as session:
            group = await _find(session, guild_id, ref)
            membership = await _membership(session, group.id, actor.user_id)
        if membership is not None and membership.role == "facilitator":
            return group
        if await self._settings.is_coordinator(guild_id, actor):
            return group
        if membership is None and not group.is_open:
            raise NotFound(_not_found(ref))  # a private group's existence is not revealed
        raise NotAllowed(f"Only coordinators and the facilitators of “{group.name}” can {action} it.")

    async def _can_see(self, guild_id: int, actor: Actor, group: Group) -> bool:
        async with self._db.transaction() as session:
            member = await _membership(session, group.id, actor.user_id)
        return group.is_open or member is not None or await self._settings.is_coordinator(guild_id, actor)

    def _require_homes(self) -> GroupHomes:
        if self.homes is None:
            raise RuntimeError("GroupService.homes is not wired")
        return self.homes


async def _check_seat(
    session: AsyncSession, settings: ProgramSettings, group: Group, user_id: int, role: str
) -> None:
    """Raise if ``user_id`` cannot take ``role`` in ``group`` under its kind's rules."""
    seats = await _seats(session, group, settings)
    if any(seat.user_id == user_id for seat in seats):
        raise Conflict(f"<@{user_id}> is already in “{group.name}”.")
    profile = await session.get(MemberProfile, (group.guild_id, user_id))
    newcomer = Seat(user_id, role, settings.stage_index(profile.career_stage if profile else None))  # type: ignore[arg-type]
    check_can_add(group.kind, seats, newcomer, stage_names=settings.career_stages)  # type: ignore[arg-type]


async def _ask_consent(
    session: AsyncSession, group: Group, user_id: int, rules: tuple[str, ...], version: int, now: datetime
) -> None:
    """Send the ground rules with an "I agree" button (the consent gate before the home opens)."""
    listed = "\n".join(f"{n}. {rule}" for n, rule in enumerate(rules, start=1))
    text = (
        f"Before you join the conversation in **{group.name}**, please read its ground rules:\n\n{listed}\n\n"
        "What is said in the group stays in the group. Press **I agree** to get access. "
        "(DMs closed? Run `/group agree` in the server instead.)"
    )
    await enqueue(
        session,
        key=f"consent:{group.id}:{user_id}:{version}",
        target=Target("dm", user_id),
        message=OutgoingMessage(
            cards=(Card(title=f"Ground rules · {group.name}", description=text[:4000]),),
            buttons=(Button(f"consent:agree:{group.id}", "I agree", "success"),),
        ),
        now=now,
        guild_id=group.guild_id,
    )


async def _prompt_for_timezone(
    session: AsyncSession, group: Group, user_id: int, now: datetime, default_zone: str
) -> None:
    """Ask a newcomer once for their time zone, unless they set one or turned DMs off."""
    profile = await locked_row(
        session, MemberProfile, (group.guild_id, user_id), created_at=now, updated_at=now
    )
    if profile.timezone is None and profile.timezone_prompted_at is None and profile.dm_allowed is not False:
        profile.timezone_prompted_at = now
        await enqueue(
            session,
            key=f"tz-prompt:{group.guild_id}:{user_id}",
            target=Target("dm", user_id),
            message=_timezone_prompt(group.name, default_zone),
            now=now,
            guild_id=group.guild_id,
        )


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


async def _members(session: AsyncSession, group_id: int) -> Sequence[GroupMember]:
    return (
        await session.scalars(
            select(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.left_at.is_(None))
            .order_by(GroupMember.joined_at, GroupMember.id)
        )
    ).all()


async def _seats(session: AsyncSession, group: Group, settings: ProgramSettings) -> list[Seat]:
    members = await _members(session, group.id)
    if not members:
        return []
    profiles = {
        p.user_id: p
        for p in await session.scalars(
            select(MemberProfile).where(
                MemberProfile.guild_id == group.guild_id,
                MemberProfile.user_id.in_([m.user_id for m in members]),
            )
        )
    }
    return [
        Seat(
            m.user_id,
            m.role,
            settings.stage_index(p.career_stage if (p := profiles.get(m.user_id)) else None),
        )  # type: ignore[arg-type]
        for m in members
    ]


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


def _check_description(description: str | None) -> str | None:
    if description is None:
        return None
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise Invalid(
            f"A description can be at most {DESCRIPTION_MAX} characters (this one has {len(cleaned)})."
        )
    return cleaned or None


def _welcome_message(group: Group, user_id: int, role: str) -> OutgoingMessage:
    about = group.description or "Say hello and share what you hope to get from this group."
    return OutgoingMessage(
        content=f"Welcome <@{user_id}>, who joins **{group.name}** as {_article(role)} {role}!",
        cards=(
            Card(
                title=group.name,
                description=about,
                fields=(Field("🔒 Confidential", CONFIDENTIALITY_REMINDER),),
            ),
        ),
        mention_user_ids=(user_id,),
    )


def _timezone_prompt(group_name: str, default_zone: str) -> OutgoingMessage:
    text = (
        f"You joined **{group_name}**. Check-ins and prompts reach you at your local time; until "
        f"you set yours I use the server's default, {default_zone}. "
        "Run `/profile timezone` in the server to set it."
    )
    return OutgoingMessage(cards=(Card(title="What time is it where you are?", description=text),))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
