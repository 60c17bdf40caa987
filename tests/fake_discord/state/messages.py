"""Messages: built, stored, edited and deleted as Discord does it, with nonces and mentions."""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..models import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, FakeChannel, FakeUser
from ..util import iso, snowflake_time, utcnow
from .base import WorldBase

if TYPE_CHECKING:
    from ..interactions import FakeInteraction

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_CHANNEL_MENTION = re.compile(r"<#(\d{15,21})>")


class MessageState(WorldBase):
    """Messages and their nonces (a part of :class:`World`)."""

    # ----------------------------------------------------------------- messages
    def get_message(self, message_id: int) -> dict[str, Any] | None:
        """The current payload of any message (channel history or ephemeral)."""
        if message_id in self.ephemeral:
            return self.ephemeral[message_id]
        chan_id = self.message_channel.get(message_id)
        if chan_id is None:
            return None
        chan = self.channels.get(chan_id)
        if chan is None:
            return None
        return chan.messages.get(message_id)

    def build_message(
        self,
        chan: FakeChannel,
        author: FakeUser,
        *,
        content: str | None = "",
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        flags: int = 0,
        nonce: str | int | None = None,
        allowed_mentions: dict[str, Any] | None = None,
        reference: dict[str, Any] | None = None,
        tts: bool = False,
        message_type: int = 0,
        webhook_id: int | None = None,
        interaction: FakeInteraction | None = None,
        poll: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Build a MessageResponse payload (not stored)."""
        message_id = self.ids.next()
        content = content or ""
        mentions, mention_roles, mention_everyone = self._mentions(
            chan, author, content, allowed_mentions, reference
        )
        data: dict[str, Any] = {
            "type": message_type,
            "content": content,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": attachments or [],
            "embeds": [normalize_embed(e) for e in (embeds or [])],
            "timestamp": iso(snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": flags,
            "components": number_components(copy.deepcopy(components or [])),
            "id": str(message_id),
            "channel_id": str(chan.id),
            "author": author.to_dict(),
            "pinned": False,
            "mention_everyone": mention_everyone,
            "tts": bool(tts),
        }
        if nonce is not None:
            data["nonce"] = nonce
        if webhook_id is not None:
            data["webhook_id"] = str(webhook_id)
        if interaction is not None:
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = interaction.metadata()
            if interaction.type == 2:
                data["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.command_name,
                    "user": interaction.user.to_dict(),
                }
        if reference is not None:
            ref_msg = reference.get("_message")
            data["message_reference"] = {
                "type": 0,
                "channel_id": str(reference.get("channel_id") or chan.id),
                "message_id": str(reference["message_id"]),
            }
            if chan.guild is not None:
                data["message_reference"]["guild_id"] = str(chan.guild.id)
            if ref_msg is not None:
                data["referenced_message"] = {k: v for k, v in ref_msg.items() if k != "referenced_message"}
            if message_type == 0:
                data["type"] = 19
        if poll is not None:
            data["poll"] = poll
        if chan.is_thread:
            data["position"] = chan.total_message_sent
        return data

    def _mentions(
        self,
        chan: FakeChannel,
        author: FakeUser,
        content: str,
        allowed: dict[str, Any] | None,
        reference: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        users: list[dict[str, Any]] = []
        seen: set[int] = set()
        for match in _USER_MENTION.finditer(content):
            uid = int(match.group(1))
            if uid in seen or uid not in self.users:
                continue
            if "users" in parse or uid in allowed_users:
                seen.add(uid)
                users.append(self.users[uid].to_dict())
        if reference is not None and reference.get("_message") is not None:
            replied = int(reference["_message"]["author"]["id"])
            wants = True if allowed is None else bool(allowed.get("replied_user", False))
            if wants and replied not in seen and replied in self.users:
                users.append(self.users[replied].to_dict())
        roles: list[str] = []
        if chan.guild is not None:
            for match in _ROLE_MENTION.finditer(content):
                rid = int(match.group(1))
                if (
                    rid in chan.guild.roles
                    and ("roles" in parse or rid in allowed_roles)
                    and str(rid) not in roles
                ):
                    roles.append(str(rid))
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return users, roles, everyone

    def store_message(
        self, chan: FakeChannel, data: dict[str, Any], *, ephemeral: bool = False
    ) -> dict[str, Any]:
        """Store a built message and emit MESSAGE_CREATE (not for ephemeral ones)."""
        message_id = int(data["id"])
        self.message_channel[message_id] = chan.id
        if ephemeral:
            self.ephemeral[message_id] = data
            return data
        chan.messages[message_id] = data
        chan.last_message_id = message_id
        if chan.is_thread:
            chan.message_count += 1
            chan.total_message_sent += 1
        self.emit_message("MESSAGE_CREATE", chan, data)
        return data

    def emit_message(self, event: str, chan: FakeChannel, data: dict[str, Any]) -> None:
        """MESSAGE_CREATE / MESSAGE_UPDATE with ``guild_id`` and the author's ``member``."""
        payload = copy.deepcopy(data)
        author_id = int(data["author"]["id"])
        if chan.guild is None:
            self.emit(event, payload, guild_id=None, intent=INTENT_DIRECT_MESSAGES)
            return
        if not self.bot_can_view(chan):
            return
        payload["guild_id"] = str(chan.guild.id)
        member = chan.guild.member(author_id)
        if member is not None and "webhook_id" not in data:
            payload["member"] = member.to_dict(with_user=False)
        mentioned = any(int(u["id"]) == self.bot_user.id for u in data["mentions"])
        gated = author_id != self.bot_user.id and not mentioned
        self.emit(event, payload, guild_id=chan.guild.id, intent=INTENT_GUILD_MESSAGES, content_gated=gated)

    def edit_message(
        self, chan: FakeChannel, data: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply edits (content, embeds, components, attachments, flags) and emit MESSAGE_UPDATE."""
        if "content" in changes:
            data["content"] = changes["content"] or ""
            author = self.users.get(int(data["author"]["id"]), self.bot_user)
            mentions, roles, everyone = self._mentions(
                chan, author, data["content"], changes.get("allowed_mentions"), None
            )
            data["mentions"], data["mention_roles"], data["mention_everyone"] = mentions, roles, everyone
        if "embeds" in changes:
            data["embeds"] = [normalize_embed(e) for e in changes["embeds"] or []]
        if "components" in changes:
            data["components"] = number_components(copy.deepcopy(changes["components"] or []))
        if "attachments" in changes:
            data["attachments"] = changes["attachments"]
        if "flags" in changes:
            data["flags"] = changes["flags"]
        if "poll" in changes:
            data["poll"] = changes["poll"]
        data["edited_timestamp"] = iso(utcnow())
        message_id = int(data["id"])
        if message_id not in self.ephemeral:
            self.emit_message("MESSAGE_UPDATE", chan, data)
        return data

    def delete_message(self, chan: FakeChannel, message_id: int) -> None:
        """Delete a message (MESSAGE_DELETE)."""
        if self.ephemeral.pop(message_id, None) is not None:
            return
        if chan.messages.pop(message_id, None) is None:
            return
        chan.pins.pop(message_id, None)
        if chan.is_thread:
            chan.message_count = max(0, chan.message_count - 1)
        payload: dict[str, Any] = {"id": str(message_id), "channel_id": str(chan.id)}
        if chan.guild is not None:
            if not self.bot_can_view(chan):
                return
            payload["guild_id"] = str(chan.guild.id)
            self.emit("MESSAGE_DELETE", payload, guild_id=chan.guild.id, intent=INTENT_GUILD_MESSAGES)
        else:
            self.emit("MESSAGE_DELETE", payload, guild_id=None, intent=INTENT_DIRECT_MESSAGES)

    def note_written(self, message_id: int) -> None:
        """Record that the answer carrying this message reached the bot (see the driver)."""
        self.message_written[message_id] = asyncio.get_running_loop().time()
        self.written_changed.set()
        self.written_changed = asyncio.Event()

    def check_nonce(self, chan: FakeChannel, author: FakeUser, nonce: str | int) -> dict[str, Any] | None:
        """Return the message already created with this nonce in the last few minutes."""
        key = (chan.id, author.id, str(nonce))
        hit = self.nonces.get(key)
        if hit is None:
            return None
        created, message_id = hit
        if time.monotonic() - created > self.nonce_memory:
            return None
        return chan.messages.get(message_id)

    def remember_nonce(self, chan: FakeChannel, author: FakeUser, nonce: str | int, message_id: int) -> None:
        """Remember a nonce for :meth:`check_nonce`."""
        self.nonces[(chan.id, author.id, str(nonce))] = (time.monotonic(), message_id)


def normalize_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """An embed as Discord stores it (``type: rich``, no nulls)."""
    out = {k: v for k, v in embed.items() if v is not None}
    out.setdefault("type", "rich")
    if "timestamp" in out:
        from ..util import parse_iso

        out["timestamp"] = iso(parse_iso(out["timestamp"]))
    if "fields" in out:
        out["fields"] = [{"inline": False, **f} for f in out["fields"]]
    return out


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every component a numeric ``id`` (Discord does), depth first from 1."""
    counter = [0]

    def walk(items: list[dict[str, Any]]) -> None:
        for comp in items:
            counter[0] = max(counter[0], int(comp.get("id") or 0))
        for comp in items:
            if not comp.get("id"):
                counter[0] += 1
                comp["id"] = counter[0]
            if comp.get("components"):
                walk(comp["components"])
            if isinstance(comp.get("accessory"), dict):
                walk([comp["accessory"]])
            if isinstance(comp.get("component"), dict):
                walk([comp["component"]])

    walk(components)
    return components


def iter_components(components: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every component in a tree (rows, containers, sections, labels)."""
    for comp in components:
        yield comp
        if comp.get("components"):
            yield from iter_components(comp["components"])
        if isinstance(comp.get("accessory"), dict):
            yield from iter_components([comp["accessory"]])
        if isinstance(comp.get("component"), dict):
            yield from iter_components([comp["component"]])
