"""The port through which services reach Discord; the runtime implements it with discord.py."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.messaging.message import OutgoingMessage

TargetKind = Literal["dm", "channel"]


@dataclass(frozen=True)
class Target:
    """Where a message goes: a user's DMs or a channel/thread."""

    kind: TargetKind
    id: int


@dataclass(frozen=True)
class SentMessage:
    """What Discord answered for a sent message."""

    message_id: int
    channel_id: int


class DeliveryError(Exception):
    """A send failed in a way that may pass (network, Discord's 5xx): try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RecipientUnreachable(DeliveryError):
    """A send that will not succeed by retrying: DMs closed, channel deleted, permission missing."""


class Notifier(Protocol):
    """Sends messages on the bot's own initiative."""

    async def send(self, target: Target, message: OutgoingMessage, *, nonce: str) -> SentMessage:
        """Send ``message``; the same ``nonce`` within minutes must not create a second message."""
        ...

    async def delete(self, channel_id: int, message_id: int) -> None:
        """Delete a message the bot sent; a message already gone is not an error."""
        ...

    def fingerprint(self, message: OutgoingMessage) -> str:
        """Return a digest of what Discord shows for ``message``, to recognise it on a later read."""
        ...

    async def find_sent(
        self, target: Target, *, since: datetime, fingerprints: Collection[str]
    ) -> list[SentMessage]:
        """Return the bot's messages in ``target`` since ``since`` with one of ``fingerprints``.

        Oldest first, from one read of the channel.

        Raise RecipientUnreachable when the channel cannot be read (gone, hidden, no permission to
        read its history), DeliveryError when Discord cannot answer now.
        """
        ...
