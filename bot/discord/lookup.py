"""Finding a server and its channels from any task, whatever the gateway has delivered so far.

The scheduler starts in ``setup_hook``, before the gateway has sent the servers: until then
discord.py's cache is empty and ``get_guild``/``get_channel`` answer None for everything. So work
that reaches Discord waits until the client is ready (at most ``READY_WITHIN``), takes what is
cached, and fetches by REST what is not (an archived thread, a channel made meanwhile). Only
Discord's own answer (404 with code 10003 Unknown Channel, or 403: hidden from the bot) means a
channel is gone; anything else (a slow gateway, a server in an outage, a 5xx) is
:class:`~bot.errors.Unavailable`, and the work tries again later.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.errors import Invalid, NotFound, Unavailable

log = logging.getLogger(__name__)

READY_WITHIN = 60.0  # seconds scheduled work waits for the servers before it tries again later
UNKNOWN_CHANNEL = 10003
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
GONE = frozenset({UNKNOWN_CHANNEL, UNKNOWN_MESSAGE})

Place = discord.abc.GuildChannel | discord.Thread


async def ready_client(client: discord.Client) -> None:
    """Wait until the gateway has delivered the servers; raise Unavailable if it takes too long."""
    if client.is_ready():
        return
    log.info("waiting for Discord to send its servers before reaching them")
    try:
        await asyncio.wait_for(client.wait_until_ready(), READY_WITHIN)
    except TimeoutError:
        raise Unavailable("Discord hasn't sent me this server yet.") from None


async def server(client: discord.Client, guild_id: int) -> discord.Guild:
    """Return the server, waiting for the gateway if it has not arrived yet."""
    guild = client.get_guild(guild_id)
    if guild is None or guild.unavailable:
        await ready_client(client)
        guild = client.get_guild(guild_id)
    if guild is None:  # the client is ready, so Discord has told it every server it is in
        raise NotFound("I'm no longer in that server.")
    if guild.unavailable:
        raise Unavailable("Discord says this server is unavailable right now (an outage on its side).")
    return guild


async def place(guild: discord.Guild, channel_id: int) -> Place | None:
    """Return a channel or thread of ``guild``; None when Discord says it is gone or hidden from the bot."""
    found = guild.get_channel_or_thread(channel_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_channel(channel_id)
    except discord.NotFound as error:
        if error.code in GONE:
            return None
        raise Unavailable() from None  # a 404 that is not Discord's word on the channel (a proxy, a route)
    except discord.Forbidden:
        return None
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError):
        raise Unavailable() from None


async def member(guild: discord.Guild, user_id: int) -> discord.Member:
    """Return a member of ``guild`` (cached, or fetched); Invalid when Discord says they are not in it."""
    found = guild.get_member(user_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound as error:
        if error.code not in (UNKNOWN_MEMBER, UNKNOWN_USER):
            raise Unavailable() from None
        raise Invalid(f"<@{user_id}> is not a member of this server.") from None
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError):
        raise Unavailable() from None
