"""A Notifier that records what it was asked to send, for service tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime

from bot.clock import Clock
from bot.messaging import DeliveryError, OutgoingMessage, RecipientUnreachable, SentMessage, Target


class RecordingNotifier:
    """Behaves like Discord: one message per nonce, closed DMs refused, outages on request.

    With a ``clock``, messages are stamped, so :meth:`find_sent` reads only those made after a moment;
    :meth:`forget_nonces` is Discord's nonce memory running out.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self.sent: list[tuple[Target, OutgoingMessage, str]] = []
        self.closed_dms: set[int] = set()
        self.outages = 0
        self._by_nonce: dict[str, SentMessage] = {}
        self._made: list[tuple[Target, OutgoingMessage, datetime | None, SentMessage]] = []
        self.deleted: list[tuple[int, int]] = []
        self.reads: list[Target] = []
        self.unreadable: dict[int, str] = {}  # target id -> why its channel cannot be read
        self.read_outages = 0

    async def send(self, target: Target, message: OutgoingMessage, *, nonce: str) -> SentMessage:
        if self.outages:
            self.outages -= 1
            raise DeliveryError("discord_unavailable")
        if target.kind == "dm" and target.id in self.closed_dms:
            raise RecipientUnreachable("dm_closed")
        if nonce in self._by_nonce:
            return self._by_nonce[nonce]
        self.sent.append((target, message, nonce))
        result = SentMessage(message_id=len(self.sent), channel_id=target.id)
        self._by_nonce[nonce] = result
        self._made.append((target, message, self.clock.now() if self.clock else None, result))
        return result

    def forget_nonces(self) -> None:
        """Discord's few minutes of nonce memory have passed."""
        self._by_nonce.clear()

    async def delete(self, channel_id: int, message_id: int) -> None:
        self.deleted.append((channel_id, message_id))

    def fingerprint(self, message: OutgoingMessage) -> str:
        return hashlib.sha256(json.dumps(message.to_json(), sort_keys=True).encode()).hexdigest()

    async def find_sent(
        self, target: Target, *, since: datetime, fingerprints: Collection[str]
    ) -> list[SentMessage]:
        self.reads.append(target)
        if self.read_outages:
            self.read_outages -= 1
            raise DeliveryError("discord_unavailable")
        if target.id in self.unreadable:
            raise RecipientUnreachable(self.unreadable[target.id])
        return [
            sent
            for made_to, message, at, sent in self._made
            if made_to == target and (at is None or at > since) and self.fingerprint(message) in fingerprints
        ]
