"""Erasing a member's data: by the member, or by a coordinator once the member has left."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock
from bot.db.engine import Database
from bot.errors import NotAllowed
from bot.services.actors import Actor
from bot.services.checkins import CheckinAnswerService
from bot.services.groups import GroupService
from bot.services.privacy.rules import Erasure, erase, new_tombstone, scan_outbox
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did: rows deleted and rows pseudonymised, by table."""

    deleted: int
    pseudonymised: int
    by_table: dict[str, int]


class MemberErasure:
    """Erase one member's data in one server (a part of :class:`PrivacyService`)."""

    _clock: Clock
    _db: Database
    _settings: SettingsService
    _groups: GroupService
    _answers: CheckinAnswerService
    _secret: str

    async def erase(self, guild_id: int, user_id: int) -> ErasureReport:
        """Erase the member's personal data in this server; counts and audit records keep a pseudonym."""
        erasure = Erasure(guild_id, user_id, new_tombstone(), self._clock.now(), self._secret)
        async with self._db.reading() as session:  # the slow search, beside the writer
            await scan_outbox(session, erasure)
        async with self._db.transaction() as session:
            await erase(session, erasure)
        # What was deleted or rewritten must not stay readable in the files (an older WAL frame).
        await self._db.scrub({key.split(":")[0] for key, n in erasure.counts.items() if n})
        await self._tidy_discord(erasure)
        deleted = sum(n for k, n in erasure.counts.items() if k.endswith("deleted"))
        pseudonymised = sum(n for k, n in erasure.counts.items() if k.endswith("pseudonymised"))
        log.info(
            "erased a member's data in guild %s: %d rows deleted, %d pseudonymised",
            guild_id,
            deleted,
            pseudonymised,
        )
        return ErasureReport(deleted, pseudonymised, {k: n for k, n in erasure.counts.items() if n})

    async def check_erase_member(
        self, guild_id: int, actor: Actor, user_id: int, *, still_in_server: bool
    ) -> None:
        """Raise unless ``actor`` may erase the data of ``user_id`` (a coordinator; someone who left)."""
        await self._settings.require_coordinator(guild_id, actor, "erase a member's data")
        if user_id == actor.user_id:
            raise NotAllowed("Use `/privacy erase` for your own data.")
        if still_in_server:
            raise NotAllowed(
                f"<@{user_id}> is still a member of this server: members erase their own data with "
                "`/privacy erase`. Coordinators can erase the data of people who have left."
            )

    async def erase_member(
        self, guild_id: int, actor: Actor, user_id: int, *, still_in_server: bool
    ) -> ErasureReport:
        """Erase the data of someone who left the server (coordinators)."""
        await self.check_erase_member(guild_id, actor, user_id, still_in_server=still_in_server)
        report = await self.erase(guild_id, user_id)
        log.info("coordinator %s erased a former member's data in guild %s", actor.user_id, guild_id)
        return report

    async def _tidy_discord(self, erasure: Erasure) -> None:
        """Take down the member's shared answers and close the homes they could see (best effort)."""
        notifier, homes = self._answers.notifier, self._groups.homes
        for channel_id, message_id in erasure.take_down:
            if notifier is None:
                break
            try:
                await notifier.delete(channel_id, message_id)
            except Exception:
                log.warning(
                    "could not take down message %s in channel %s after an erasure", message_id, channel_id
                )
        for home in erasure.revoke:
            if homes is None:
                break
            try:
                await homes.revoke(erasure.guild_id, home, erasure.user_id)
            except Exception:
                log.warning(
                    "could not close home %s after an erasure in guild %s", home.channel_id, erasure.guild_id
                )
