"""The Notifier port implemented with discord.py: sends outbox messages to DMs and channels."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import aiohttp
import discord
from sqlalchemy import update

from bot.db.engine import Database
from bot.db.models import DmChannel
from bot.db.upsert import insert_ignore
from bot.discord import lookup
from bot.discord.rendering import fingerprint, render_message, shown_digest
from bot.errors import Unavailable
from bot.messaging import OutgoingMessage, RecipientUnreachable, SentMessage, Target
from bot.messaging.ports import DeliveryError

# Discord's JSON error codes that no retry will fix.
_CANNOT_DM = 50007
_MISSING_ACCESS = 50001
_MISSING_PERMISSIONS = 50013
# Only Discord's own 404s mean a channel, message or account is gone; another 404 is retried.
_GONE = lookup.GONE | {lookup.UNKNOWN_USER}
_READ_LIMIT = 100  # one page: the most Discord returns for one read


class DiscordNotifier:
    """Sends messages on the bot's own initiative, remembering DM channel ids in the database."""

    def __init__(self, client: discord.Client, db: Database) -> None:
        self._client = client
        self._db = db

    async def send(self, target: Target, message: OutgoingMessage, *, nonce: str) -> SentMessage:
        """Send once per nonce; raise RecipientUnreachable or DeliveryError on failure."""
        try:
            channel_id = await self._channel_id(target)
            content, embeds, view = render_message(message)
            channel = self._client.get_partial_messageable(channel_id)
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

    def fingerprint(self, message: OutgoingMessage) -> str:
        """Return a digest of what Discord shows for ``message``."""
        return fingerprint(message)

    async def find_sent(
        self, target: Target, *, since: datetime, fingerprints: Collection[str]
    ) -> list[SentMessage]:
        """Read the first page of messages after ``since`` and return the bot's own that match.

        Discord answers a read without the permission to read history with an empty page, so a
        channel whose history the bot may not read is reported as unreadable instead.
        """
        try:
            channel_id = await self._channel_id(target)
            if target.kind == "channel":
                await self._require_history(channel_id)
            page = await self._client.http.logs_from(
                channel_id, _READ_LIMIT, after=discord.utils.time_snowflake(since)
            )
        except discord.Forbidden:
            raise RecipientUnreachable("missing_access") from None
        except discord.NotFound as exc:
            if exc.code not in _GONE:
                raise DeliveryError(f"not_found_{exc.code}") from None
            raise RecipientUnreachable("channel_missing") from None
        except (discord.HTTPException, discord.RateLimited, Unavailable):
            raise DeliveryError("discord_unavailable") from None
        except (aiohttp.ClientError, TimeoutError, OSError):
            raise DeliveryError("network") from None
        me = self._client.user.id if self._client.user else self._client.application_id
        found = [
            SentMessage(message_id=int(m["id"]), channel_id=channel_id)
            for m in page
            if int(m["author"]["id"]) == me
            and shown_digest(m.get("content"), m.get("embeds") or (), m.get("components") or ())
            in fingerprints
        ]
        return sorted(found, key=lambda sent: sent.message_id)

    async def _require_history(self, channel_id: int) -> None:
        """Raise RecipientUnreachable when the bot may not read the channel's history."""
        channel = self._client.get_channel(channel_id)
        if channel is None and not self._client.is_ready():
            await lookup.ready_client(self._client)  # right after a start: the servers are on their way
            channel = self._client.get_channel(channel_id)
        if (
            isinstance(channel, discord.abc.GuildChannel | discord.Thread)
            and channel.guild.me is not None
            and not channel.permissions_for(channel.guild.me).read_message_history
        ):
            raise RecipientUnreachable("cannot_read_history")

    async def _channel_id(self, target: Target) -> int:
        if target.kind == "channel":
            return target.id
        async with self._db.reading() as session:
            known = await session.get(DmChannel, target.id)
            if known is not None:
                return known.channel_id
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
