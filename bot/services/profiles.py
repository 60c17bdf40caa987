"""Member profiles: time zone, quiet hours and a short bio, per server."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.models import MemberProfile
from bot.domain.timezones import parse_quiet_hours, resolve_zone
from bot.errors import Invalid

BIO_MAX = 500


@dataclass(frozen=True)
class Profile:
    """What a member told the bot about themselves in one server."""

    guild_id: int
    user_id: int
    timezone: str | None
    quiet_hours: tuple[int, int] | None
    bio: str | None


class _Unset:
    pass


UNSET = _Unset()


class ProfileService:
    """Reads and changes member profiles."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, guild_id: int, user_id: int) -> Profile:
        """Return a member's profile (empty if they never set one)."""
        async with self._db.transaction() as session:
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
    ) -> Profile:
        """Validate and save the given fields; untouched fields keep their values."""
        zone = resolve_zone(timezone).key if isinstance(timezone, str) else None
        quiet = parse_quiet_hours(quiet_hours) if isinstance(quiet_hours, str) else None
        if isinstance(bio, str) and len(bio.strip()) > BIO_MAX:
            raise Invalid(f"A bio can be at most {BIO_MAX} characters (yours has {len(bio.strip())}).")
        now = self._clock.now()
        async with self._db.transaction() as session:
            row = await session.get(MemberProfile, (guild_id, user_id), with_for_update=True)
            if row is None:
                row = MemberProfile(guild_id=guild_id, user_id=user_id, created_at=now, updated_at=now)
                session.add(row)
            if zone is not None:
                row.timezone = zone
            if not isinstance(quiet_hours, _Unset):
                row.quiet_start_minute, row.quiet_end_minute = quiet or (None, None)
            if not isinstance(bio, _Unset):
                row.bio = (bio or "").strip() or None
            row.updated_at = now
            return _to_profile(guild_id, user_id, row)


def _to_profile(guild_id: int, user_id: int, row: MemberProfile | None) -> Profile:
    if row is None:
        return Profile(guild_id, user_id, None, None, None)
    quiet = None
    if row.quiet_start_minute is not None and row.quiet_end_minute is not None:
        quiet = (row.quiet_start_minute, row.quiet_end_minute)
    return Profile(guild_id, user_id, row.timezone, quiet, row.bio)
