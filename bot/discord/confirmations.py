"""Confirmations asked on a dashboard that runs without the bot, carried out by the bot.

``mentorbot web`` alone has no gateway connection, so it cannot create the groups' channels: it
records the coordinator's Confirm on the proposal, and this periodic job (in the bot's
process, for its own servers) confirms it as them, checking their rights again with Discord's
current answer, through the same ``MatchingService.confirm`` as the Confirm button.
"""

from __future__ import annotations

import logging

import discord

from bot.discord.members import member_actor
from bot.errors import DomainError
from bot.services.matching import MatchingService

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
                guild = self._client.get_guild(request.guild_id) or await self._client.fetch_guild(
                    request.guild_id
                )
                member = await guild.fetch_member(request.user_id)
                names = {}
                for user_id in await self._matching.proposal_members(request.guild_id, request.proposal_id):
                    try:
                        names[user_id] = (await guild.fetch_member(user_id)).display_name
                    except discord.NotFound:
                        names[user_id] = f"member {user_id}"
                await self._matching.confirm(
                    request.guild_id, member_actor(member), request.proposal_id, names, via="web"
                )
            except discord.NotFound:
                await self._matching.confirmation_failed(
                    request.proposal_id, "You are no longer a member of the server."
                )
            except DomainError as error:
                await self._matching.confirmation_failed(request.proposal_id, error.message)
            except discord.HTTPException:
                log.warning("proposal %s: Discord did not answer; trying again later", request.proposal_id)
