"""A Notifier that records what it was asked to send, for service tests."""

from __future__ import annotations

from bot.messaging import DeliveryError, OutgoingMessage, RecipientUnreachable, SentMessage, Target


class RecordingNotifier:
    """Behaves like Discord: one message per nonce, closed DMs refused, outages on request."""

    def __init__(self) -> None:
        self.sent: list[tuple[Target, OutgoingMessage, str]] = []
        self.closed_dms: set[int] = set()
        self.outages = 0
        self._by_nonce: dict[str, SentMessage] = {}
        self.deleted: list[tuple[int, int]] = []

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
        return result

    async def delete(self, channel_id: int, message_id: int) -> None:
        self.deleted.append((channel_id, message_id))
