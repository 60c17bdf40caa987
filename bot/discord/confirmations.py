"""Confirmations asked on a dashboard that runs without the bot, carried out by the bot.

``mentorbot web`` alone has no gateway connection, so it cannot create the groups' channels: it
records the coordinator's Confirm on the proposal, and this periodic job (in the bot's
process, for its own servers) confirms it as them, checking their rights again with Discord's
current answer, through the same ``MatchingService.confirm`` as the Confirm button.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.discord import lookup
from bot.discord.members import member_actor
from bot.errors import DomainError, Invalid, NotAllowed, Unavailable
from bot.services.matching import ConfirmRequest, MatchingService

log = logging.getLogger(__name__)
SWEEP_SECONDS = 20


class DashboardConfirmations:
    """Confirms the proposals a coordinator confirmed on a dashboard running on its own."""

    def __init__(self, client: discord.Client, matching: MatchingService) -> None:
        self._client = client
        self._matching = matching

    async def run_due(self) -> None:
        """Confirm every proposal waiting for the bot (periodic)."""
        for request in await self._matching.requested_confirmations():
            try:
                await self._confirm(request)
            except Unavailable:
                log.info("proposal %s: Discord is not reachable; trying again later", request.proposal_id)
            except DomainError as error:  # shown on the dashboard's matching page
                await self._matching.confirmation_failed(request.proposal_id, error.message)

    async def _confirm(self, request: ConfirmRequest) -> None:
        guild = await lookup.server(self._client, request.guild_id)
        try:
            # Fetched, not cached: the roles as Discord knows them now, as an interaction carries them.
            coordinator = await guild.fetch_member(request.user_id)
        except discord.NotFound:
            raise NotAllowed("You are no longer a member of this server.") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError):
            raise Unavailable() from None
        names = {}
        for user_id in await self._matching.proposal_members(request.guild_id, request.proposal_id):
            try:
                names[user_id] = (await lookup.member(guild, user_id)).display_name
            except Invalid:  # left the server since: named as `/match` names them
                names[user_id] = f"member {user_id}"
        await self._matching.confirm(
            request.guild_id, member_actor(coordinator), request.proposal_id, names, via="web"
        )
