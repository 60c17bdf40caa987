"""Joining and leaving groups: seats checked against the group's kind, consent to its ground rules.

Opening or closing the home for a member follows the package's pattern: check in one unit of
work, change Discord's access without holding a lock, then check again and record (undoing the
Discord change if that fails).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Group, GroupMember, MemberProfile
from bot.db.upsert import locked_row
from bot.domain.discussions import CONFIDENTIALITY_REMINDER
from bot.domain.groups import Seat, check_can_add, default_role
from bot.errors import Conflict, Invalid, NotAllowed, NotFound
from bot.messaging import Button, Card, Field, OutgoingMessage, Target
from bot.messaging.outbox import enqueue
from bot.services.actors import Actor, Audit
from bot.services.checkin_plans import cancel_waiting_checkins, plan_again
from bot.services.groups.access import GroupAccess
from bot.services.groups.ground_rules import rules_of
from bot.services.groups.queries import _find, _membership, _not_found
from bot.services.groups.views import GroupView, _home, _members, _view
from bot.services.settings import ProgramSettings
from bot.services.verbatim import verbatim


class GroupMembership(GroupAccess):
    """Add, join, remove, leave, agree to the ground rules (a part of :class:`GroupService`)."""

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
                f"“{verbatim(group.name)}” is not open to join; "
                "ask its facilitator or a coordinator to add you."
            )
        role = role or default_role(group.kind)  # type: ignore[arg-type]
        if role == "facilitator":
            raise NotAllowed("Facilitators are appointed by coordinators; join as a member instead.")
        return await self._seat(guild_id, group, actor.user_id, role)

    async def remove_member(
        self, guild_id: int, actor: Actor, ref: str | int, user_id: int, audit: Audit | None = None
    ) -> GroupView:
        """Remove someone from a group (coordinators and the group's facilitators)."""
        group = await self._manageable(guild_id, actor, ref, "remove members from")
        audit = audit or Audit(actor, "removed {target} from the group", None, group.name, Actor(user_id))
        return await self._unseat(guild_id, group, user_id, audit)

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
            await plan_again(session, now, guild_id=guild_id, group_id=group.id)  # a check-in due soon
            view = await _view(session, group)
        self._scheduler.run_soon("checkin-planner")
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

    async def _unseat(
        self, guild_id: int, group: Group, user_id: int, audit: Audit | None = None
    ) -> GroupView:
        async with self._db.transaction() as session:
            membership = await _membership(session, group.id, user_id)
            if membership is None:
                raise NotFound(f"<@{user_id}> is not a member of “{group.name}”.")
            membership.left_at = now = self._clock.now()
            await cancel_waiting_checkins(session, now, guild_id=guild_id, user_id=user_id, group_id=group.id)
            view = await _view(session, group)
        home = _home(group)
        if home is not None and group.archived_at is None:
            await self._require_homes().revoke(guild_id, home, user_id, audit)
        return view


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


async def _ask_consent(
    session: AsyncSession, group: Group, user_id: int, rules: tuple[str, ...], version: int, now: datetime
) -> None:
    """Send the ground rules with an "I agree" button (the consent gate before the home opens)."""
    listed = "\n".join(f"{n}. {verbatim(rule)}" for n, rule in enumerate(rules, start=1))
    text = (
        f"Before you join the conversation in **{verbatim(group.name)}**, please read its ground rules:"
        f"\n\n{listed}\n\n"
        "What is said in the group stays in the group. Press **I agree** to get access. "
        "(DMs closed? Run `/group agree` in the server instead.)"
    )
    await enqueue(
        session,
        key=f"consent:{group.id}:{user_id}:{version}",
        target=Target("dm", user_id),
        message=OutgoingMessage(
            cards=(Card(title=f"Ground rules · {verbatim(group.name)}", description=text[:4000]),),
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


def _welcome_message(group: Group, user_id: int, role: str) -> OutgoingMessage:
    about = verbatim(group.description) or "Say hello and share what you hope to get from this group."
    return OutgoingMessage(
        content=f"Welcome <@{user_id}>, who joins **{verbatim(group.name)}** as {_article(role)} {role}!",
        cards=(
            Card(
                title=verbatim(group.name),
                description=about,
                fields=(Field("🔒 Confidential", CONFIDENTIALITY_REMINDER),),
            ),
        ),
        mention_user_ids=(user_id,),
    )


def _timezone_prompt(group_name: str, default_zone: str) -> OutgoingMessage:
    text = (
        f"You joined **{verbatim(group_name)}**. Check-ins and prompts reach you at your local time; until "
        f"you set yours I use the server's default, {default_zone}. "
        "Run `/profile timezone` in the server to set it."
    )
    return OutgoingMessage(cards=(Card(title="What time is it where you are?", description=text),))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
