"""A message as plain data: what services build and the outbox stores as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True)
class Field:
    """A name/value pair shown in a card."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """A rich block (an embed, once rendered)."""

    title: str | None = None
    description: str | None = None
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    color: int | None = None


@dataclass(frozen=True)
class Button:
    """A button whose ``custom_id`` a persistent handler in a cog recognises after restarts."""

    custom_id: str
    label: str
    style: ButtonStyle = "secondary"
    emoji: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """Text, cards and buttons to send to a user or a channel."""

    content: str | None = None
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    # Silence mentions unless a feature deliberately names someone.
    mention_user_ids: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (built by hand: asdict deep-copies and is slow in bulk)."""
        return {
            "content": self.content,
            "cards": [
                {
                    "title": c.title,
                    "description": c.description,
                    "fields": [{"name": f.name, "value": f.value, "inline": f.inline} for f in c.fields],
                    "footer": c.footer,
                    "color": c.color,
                }
                for c in self.cards
            ],
            "buttons": [
                {"custom_id": b.custom_id, "label": b.label, "style": b.style, "emoji": b.emoji}
                for b in self.buttons
            ],
            "mention_user_ids": list(self.mention_user_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutgoingMessage:
        """Rebuild a message stored with :meth:`to_json`."""
        cards = tuple(
            Card(**{**card, "fields": tuple(Field(**f) for f in card.get("fields", ()))})
            for card in data.get("cards", ())
        )
        return cls(
            content=data.get("content"),
            cards=cards,
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            mention_user_ids=tuple(data.get("mention_user_ids", ())),
        )
