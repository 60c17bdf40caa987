"""Messages the bot sends on its own (not as a reply), described without Discord types."""

from bot.messaging.message import Button, Card, Field, OutgoingMessage
from bot.messaging.ports import DeliveryError, Notifier, RecipientUnreachable, SentMessage, Target

__all__ = [
    "Button",
    "Card",
    "DeliveryError",
    "Field",
    "Notifier",
    "OutgoingMessage",
    "RecipientUnreachable",
    "SentMessage",
    "Target",
]
