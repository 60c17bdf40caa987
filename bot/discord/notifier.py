"""The Notifier port implemented with discord.py: sends outbox messages to DMs and channels."""

from __future__ import annotations

import aiohttp
import discord
from sqlalchemy import update

from bot.db.engine import Database
from bot.db.models import DmChannel
from bot.db.upsert import insert_ignore
from bot.discord import lookup
from bot.discord.rendering import render_message
from bot.messaging import OutgoingMessage, RecipientUnreachable, SentMessage, Target
from bot.messaging.pacing import Pacer
from bot.messaging.ports import DeliveryError

# Discord's JSON error codes that no retry will fix.
_CANNOT_DM = 50007
_MISSING_ACCESS = 50001
_MISSING_PERMISSIONS = 50013
# Only Discord's own 404s mean a channel, message or account is gone; another 404 is retried.
_GONE = lookup.GONE | {lookup.UNKNOWN_USER}


class DiscordNotifier:
    """Sends messages on the bot's own initiative, remembering DM channel ids in the database."""

    def __init__(self, client: discord.Client, db: Database, pacer: Pacer | None = None) -> None:
        self._client = client
        self._db = db
        self._pacer = pacer

    async def send(self, target: Target, message: OutgoingMessage, *, nonce: str) -> SentMessage:
        """Send once per nonce; raise RecipientUnreachable or DeliveryError on failure."""
        try:
            channel_id = await self._channel_id(target)
            content, embeds, view = render_message(message)
            channel = self._client.get_partial_messageable(channel_id)
            await self._paced()
            sent = await channel.send(
                content=content,
                embeds=embeds,
                view=view,
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(u) for u in message.mention_user_ids]
                ),
            )
        except discord.Forbidden as exc:
            if exc.code == _CANNOT_DM:
                raise RecipientUnreachable("dm_closed") from None
            raise RecipientUnreachable("missing_permissions") from None
        except discord.NotFound as exc:
            if exc.code not in _GONE:  # not Discord's word that the channel is gone (a proxy, a route)
                raise DeliveryError(f"not_found_{exc.code}") from None
            if target.kind == "dm":
                await self._forget_dm_channel(target.id)
            raise RecipientUnreachable("channel_missing") from None
        except discord.DiscordServerError:
            raise DeliveryError("discord_unavailable") from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # still limited after discord.py's own retries (or a Cloudflare ban)
                raise DeliveryError("rate_limited") from None
            # A 400 means the message itself is invalid: retrying cannot help.
            raise RecipientUnreachable(f"rejected_{exc.code}") from None
        except discord.RateLimited:  # a wait longer than max_ratelimit_timeout, if one is set
            raise DeliveryError("rate_limited") from None
        except (aiohttp.ClientError, TimeoutError, OSError):
            raise DeliveryError("network") from None
        return SentMessage(message_id=sent.id, channel_id=channel_id)

    async def delete(self, channel_id: int, message_id: int) -> None:
        """Delete a message the bot sent; one already gone (or a gone channel) is fine."""
        await self._paced()
        try:
            await self._client.http.delete_message(channel_id, message_id)
        except discord.NotFound as exc:
            if exc.code in _GONE:
                return
            raise DeliveryError(f"not_found_{exc.code}") from None
        except discord.Forbidden:
            raise RecipientUnreachable("missing_permissions") from None
        except discord.HTTPException:
            raise DeliveryError("discord_unavailable") from None

    async def _paced(self) -> None:
        if self._pacer is not None:
            await self._pacer.wait()

    async def _channel_id(self, target: Target) -> int:
        if target.kind == "channel":
            return target.id
        async with self._db.transaction() as session:
            known = await session.get(DmChannel, target.id)
            if known is not None:
                return known.channel_id
        await self._paced()
        data = await self._client.http.start_private_message(target.id)
        channel_id = int(data["id"])
        async with self._db.transaction() as session:
            # Two sends to one person can open the DM at once: the second must not fail on the
            # first one's row (a merge reads, then inserts: on PostgreSQL both insert).
            row = {"user_id": target.id, "channel_id": channel_id}
            if not await insert_ignore(session, DmChannel.__table__, row):
                await session.execute(
                    update(DmChannel).where(DmChannel.user_id == target.id).values(channel_id=channel_id)
                )
        return channel_id

    async def _forget_dm_channel(self, user_id: int) -> None:
        async with self._db.transaction() as session:
            known = await session.get(DmChannel, user_id)
            if known is not None:
                await session.delete(known)
