"""Member profiles: time zone, career stage, interests, quiet hours, DMs and a short bio, per server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import GroupMember, MemberProfile
from bot.db.upsert import locked_row
from bot.domain.goals import Clock as MemberClock
from bot.domain.timezones import parse_quiet_hours, resolve_zone
from bot.errors import Invalid
from bot.services.checkin_plans import plan_again
from bot.services.settings import SettingsService

BIO_MAX = 500
INTERESTS_MAX = 10
INTEREST_MAX = 30


@dataclass(frozen=True)
class Profile:
    """What a member told the bot about themselves in one server."""

    guild_id: int
    user_id: int
    timezone: str | None
    quiet_hours: tuple[int, int] | None
    bio: str | None
    career_stage: str | None = None
    interests: tuple[str, ...] = ()
    dm_allowed: bool = True
    research_opt_in: bool = False  # de-identified counts may go to program research


class _Unset:
    pass


UNSET = _Unset()


async def member_clock(
    session: AsyncSession, settings: SettingsService, guild_id: int, user_id: int
) -> tuple[str, tuple[int, int] | None]:
    """Return a member's zone (the server's default if unset) and quiet hours, in an open unit of work."""
    profile = await session.get(MemberProfile, (guild_id, user_id))
    zone = profile.timezone if profile and profile.timezone else None
    zone = zone or (await settings.get_in(session, guild_id)).default_timezone
    quiet = None
    if profile and profile.quiet_start_minute is not None and profile.quiet_end_minute is not None:
        quiet = (profile.quiet_start_minute, profile.quiet_end_minute)
    return zone, quiet


async def member_clocks(
    session: AsyncSession, settings: SettingsService, guild_id: int, user_ids: Sequence[int]
) -> dict[int, MemberClock]:
    """Return many members' clocks with one query (the server's default zone where unset)."""
    default = (await settings.get_in(session, guild_id)).default_timezone
    clocks = {user_id: MemberClock(default) for user_id in user_ids}
    known: dict[tuple[str, int | None, int | None], MemberClock] = {}  # most members share a clock
    # Only the clock's columns, in slices (asyncpg takes at most 32,767 bound parameters): whole
    # profiles cost a sweep of thousands of members far more time on the event loop.
    for start in range(0, len(user_ids), 500):
        rows = await session.execute(
            select(
                MemberProfile.user_id,
                MemberProfile.timezone,
                MemberProfile.quiet_start_minute,
                MemberProfile.quiet_end_minute,
            ).where(
                MemberProfile.guild_id == guild_id, MemberProfile.user_id.in_(user_ids[start : start + 500])
            )
        )
        for user_id, zone, quiet_start, quiet_end in rows:
            if quiet_start is None or quiet_end is None:
                quiet_start = quiet_end = None
            key = (zone or default, quiet_start, quiet_end)
            if (clock := known.get(key)) is None:
                quiet = None if quiet_start is None or quiet_end is None else (quiet_start, quiet_end)
                clock = known[key] = MemberClock(key[0], quiet)
            clocks[user_id] = clock
    return clocks


async def profiles_of(
    session: AsyncSession, guild_id: int, user_ids: Sequence[int]
) -> dict[int, MemberProfile]:
    """Return the profiles these members have, by user id (members without one are left out)."""
    found: dict[int, MemberProfile] = {}
    # In slices: asyncpg takes at most 32,767 bound parameters, and a big group has more members.
    for start in range(0, len(user_ids), 500):
        profiles = await session.scalars(
            select(MemberProfile).where(
                MemberProfile.guild_id == guild_id, MemberProfile.user_id.in_(user_ids[start : start + 500])
            )
        )
        found.update((profile.user_id, profile) for profile in profiles)
    return found


async def group_clocks(
    session: AsyncSession, settings: SettingsService, guild_id: int, group_id: int
) -> list[MemberClock]:
    """Return the zone and quiet hours of every current member of a group, in an open unit of work."""
    members = await session.scalars(
        select(GroupMember.user_id).where(GroupMember.group_id == group_id, GroupMember.left_at.is_(None))
    )
    return list((await member_clocks(session, settings, guild_id, list(members.all()))).values())


def parse_interests(text: str) -> tuple[str, ...]:
    """Turn "Grant writing, teaching; Leadership" into lower-case tags, without repeats."""
    tags: list[str] = []
    for raw in text.replace(";", ",").replace("\n", ",").split(","):
        tag = " ".join(raw.split()).lower().lstrip("#")
        if not tag or tag in tags:
            continue
        if len(tag) > INTEREST_MAX:
            raise Invalid(
                f"Each interest can be at most {INTEREST_MAX} characters (“{tag[:40]}…” is longer)."
            )
        tags.append(tag)
    if len(tags) > INTERESTS_MAX:
        raise Invalid(f"List at most {INTERESTS_MAX} interests (you listed {len(tags)}).")
    return tuple(tags)


class ProfileService:
    """Reads and changes member profiles."""

    def __init__(self, db: Database, clock: Clock, settings: SettingsService | None = None) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings or SettingsService(db)

    async def get(self, guild_id: int, user_id: int) -> Profile:
        """Return a member's profile (empty if they never set one)."""
        async with self._db.reading() as session:
            row = await session.get(MemberProfile, (guild_id, user_id))
            return _to_profile(guild_id, user_id, row)

    async def update(
        self,
        guild_id: int,
        user_id: int,
        *,
        timezone: str | _Unset = UNSET,
        quiet_hours: str | _Unset = UNSET,
        bio: str | _Unset | None = UNSET,
        career_stage: str | _Unset | None = UNSET,
        interests: str | _Unset = UNSET,
        dm_allowed: bool | _Unset = UNSET,
        research_opt_in: bool | _Unset = UNSET,
    ) -> Profile:
        """Validate and save the given fields; untouched fields keep their values."""
        changes: dict[str, object] = {}
        if isinstance(timezone, str):
            changes["timezone"] = resolve_zone(timezone).key
        if isinstance(quiet_hours, str):
            changes["quiet_start_minute"], changes["quiet_end_minute"] = parse_quiet_hours(quiet_hours) or (
                None,
                None,
            )
        if not isinstance(bio, _Unset):
            cleaned = (bio or "").strip()
            if len(cleaned) > BIO_MAX:
                raise Invalid(f"A bio can be at most {BIO_MAX} characters (yours has {len(cleaned)}).")
            changes["bio"] = cleaned or None
        if not isinstance(career_stage, _Unset):
            changes["career_stage"] = await self._stage_label(guild_id, career_stage)
        if isinstance(interests, str):
            changes["interests"] = list(parse_interests(interests))
        if isinstance(dm_allowed, bool):
            changes["dm_allowed"] = dm_allowed
            if dm_allowed:
                changes["dm_blocked_at"] = None  # the member acted: try their DMs again
        if isinstance(research_opt_in, bool):
            changes["research_opt_in"] = research_opt_in

        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await locked_row(
                session, MemberProfile, (guild_id, user_id), created_at=now, updated_at=now
            )
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = now
            if {"timezone", "quiet_start_minute"} & changes.keys():  # their check-ins move with their clock
                await plan_again(session, now, guild_id=guild_id, user_id=user_id)
            return _to_profile(guild_id, user_id, row)

    async def dms_work_again(self, guild_id: int, user_id: int) -> None:
        """Forget a DM block: a DM just reached the member, so scheduled DMs may try again."""
        async with self._db.transaction() as session:
            row = await session.get(MemberProfile, (guild_id, user_id), with_for_update=True)
            if row is not None:
                row.dm_blocked_at = None

    async def _stage_label(self, guild_id: int, stage: str | None) -> str | None:
        if stage is None or not stage.strip():
            return None
        ladder = (await self._settings.get(guild_id)).career_stages
        for label in ladder:
            if label.lower() == " ".join(stage.split()).lower():
                return label
        raise Invalid(f"“{stage[:40]}” is not a career stage here. Choose one of: {', '.join(ladder)}.")


def _to_profile(guild_id: int, user_id: int, row: MemberProfile | None) -> Profile:
    if row is None:
        return Profile(guild_id, user_id, None, None, None)
    quiet = None
    if row.quiet_start_minute is not None and row.quiet_end_minute is not None:
        quiet = (row.quiet_start_minute, row.quiet_end_minute)
    return Profile(
        guild_id,
        user_id,
        row.timezone,
        quiet,
        row.bio,
        career_stage=row.career_stage,
        interests=tuple(row.interests or ()),
        dm_allowed=row.dm_allowed if row.dm_allowed is not None else True,
        research_opt_in=bool(row.research_opt_in),
    )
